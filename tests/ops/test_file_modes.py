"""Secrets apart from data by default: the hub's var directory is 0700 and the SQLite database 0600,
whatever the umask; a secret file that group or others may read or write stops the start, in one
line that names the file, its mode and the fix (and shows no byte of the secret)."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.secretfiles import SecretMissing
from infra.settings import Settings
from infra.store import open_store

HUB_BIN = Path(sys.executable).parent / "hub"
SECRETS = ("master_key_file", "pepper_file", "signing_key_file")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The usual umask 022, which alone would make 0755 directories and 0644 files."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def sqlite_settings(var: Path) -> Settings:
    """The defaults: the database and the three key files in HUB_VAR_DIR."""
    return Settings(var_dir=var, _env_file=None)


def open_and_close(settings: Settings) -> None:
    open_store(settings).close()


def test_a_new_store_makes_its_var_dir_0700_and_its_database_0600(tmp_path: Path) -> None:
    var = tmp_path / "state" / "var"  # the parent is made too
    settings = sqlite_settings(var)
    store = open_store(settings)
    try:
        database = var / "hub.sqlite"
        assert mode(var) == 0o700 and mode(var.parent) == 0o700
        assert mode(database) == 0o600
        companions = [p for p in (var / "hub.sqlite-wal", var / "hub.sqlite-shm") if p.exists()]
        assert all(mode(p) == 0o600 for p in companions), {p.name: oct(mode(p)) for p in companions}
        assert {p.name: mode(p) for p in var.glob("*.key")} == dict.fromkeys(
            ["master.key", "pepper.key", "hub-signing.key"], 0o600
        )
    finally:
        store.close()


def test_an_existing_database_with_looser_modes_is_tightened(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "var")
    open_and_close(settings)
    database = tmp_path / "var" / "hub.sqlite"
    wal = tmp_path / "var" / "hub.sqlite-wal"
    database.chmod(0o644)
    wal.touch()
    wal.chmod(0o666)
    open_and_close(settings)
    assert mode(database) == 0o600
    assert not wal.exists() or mode(wal) == 0o600


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o600 | stat.S_IWOTH])
@pytest.mark.parametrize("secret", SECRETS)
def test_a_secret_file_open_to_group_or_others_is_refused_in_one_line(tmp_path: Path, secret: str, loose: int) -> None:
    settings = sqlite_settings(tmp_path / "var")
    open_and_close(settings)
    path: Path = getattr(settings, secret)
    data = path.read_bytes()
    path.chmod(loose)
    with pytest.raises(SecretMissing) as refused:
        open_and_close(settings)
    message = str(refused.value)
    assert "\n" not in message
    assert str(path) in message and f"{loose:04o}" in message and f"chmod 600 {path}" in message
    for shown in (data.hex(), base64.b64encode(data).decode(), data.decode("latin-1")):
        assert shown not in message


@pytest.mark.parametrize("private", [0o600, 0o400])
def test_a_secret_file_for_its_owner_alone_opens(tmp_path: Path, private: int) -> None:
    settings = sqlite_settings(tmp_path / "var")
    open_and_close(settings)
    for secret in SECRETS:
        getattr(settings, secret).chmod(private)
    open_and_close(settings)


def test_hub_serve_prints_the_refusal_in_one_line_and_stops(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path / "var")
    open_and_close(settings)
    settings.pepper_file.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_VAR_DIR=str(settings.var_dir), HUB_PORT="1")  # never binds: it stops first
    ran = subprocess.run([str(HUB_BIN), "serve"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.strip().splitlines() == [
        f"{settings.pepper_file} has mode 0644: group or others may read or write this secret, "
        f"so the hub does not start; fix: chmod 600 {settings.pepper_file}"
    ]
