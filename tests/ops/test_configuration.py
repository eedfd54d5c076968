"""docs/configuration.md lists every HUB_* setting, and is what `hub config docs` writes; bad values
are refused at start-up in one line per variable, secrets never show, and HUB_VAR_DIR moves the files."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from hub.container import build_hub
from hub.ops_cli import configuration_markdown
from infra.logging import configure
from infra.settings import Settings, SettingsError

DOC = Path(__file__).parents[2] / "docs" / "configuration.md"
HUB_BIN = Path(sys.executable).parent / "hub"
KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No HUB_* variable of the developer's shell and no .env file: only what a test sets."""
    for name in [n for n in os.environ if n.startswith("HUB_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`HUB_{name.upper()}`" not in text]
    assert not missing, f"docs/configuration.md lacks {missing}: run `hub config docs --write docs/configuration.md`"


def test_the_committed_table_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == configuration_markdown(), (
        "docs/configuration.md is stale: run `hub config docs --write docs/configuration.md`"
    )


def test_every_setting_has_a_meaning() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_no_repr_str_dump_or_log_line_shows_a_secret(environment: pytest.MonkeyPatch, capsys) -> None:
    environment.setenv("HUB_MASTER_KEY", KEY)
    environment.setenv("HUB_DATABASE_URL", "postgresql://ketenhub:db-password-1@db.example:5432/hub")
    settings = Settings()
    assert settings.master_key is not None and settings.master_key.get_secret_value() == KEY
    configure("json")
    structlog.get_logger().info("settings", settings=settings, as_dict=settings.model_dump())
    shown = {
        "repr": repr(settings),
        "str": str(settings),
        "f-string": f"{settings}",
        "json": settings.model_dump_json(),
        "log line": capsys.readouterr().out,
    }
    assert shown["log line"], "nothing was logged: the test tests nothing"
    assert not [how for how, text in shown.items() if KEY in text], "the master key shows"
    assert "db-password-1" not in shown["repr"] + shown["str"], "the database password shows"
    assert "postgresql://ketenhub:***@db.example:5432/hub" in shown["repr"]


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("HUB_LOG_FORMAT", "xml", "console or json"),
        ("HUB_LOG_LEVEL", "LOUD", "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ],
)
def test_a_closed_choice_refuses_another_value_in_one_line(
    environment: pytest.MonkeyPatch, variable: str, value: str, allowed: str
) -> None:
    environment.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        Settings()
    assert str(refused.value) == f"{variable}='{value}' is not allowed: use {allowed}"


def test_each_bad_variable_gets_one_line_and_a_secret_is_never_echoed(environment: pytest.MonkeyPatch) -> None:
    short_key = base64.b64encode(b"only-sixteen-byt").decode()
    environment.setenv("HUB_LOG_FORMAT", "xml")
    environment.setenv("HUB_MASTER_KEY", short_key)
    environment.setenv("HUB_DATABASE_URL", "mysql://root:pw@localhost/hub")
    with pytest.raises(SettingsError) as refused:
        Settings()
    lines = str(refused.value).splitlines()
    assert [line.split("=")[0].split(":")[0] for line in lines] == [
        "HUB_DATABASE_URL",
        "HUB_MASTER_KEY",
        "HUB_LOG_FORMAT",
    ], lines
    assert short_key not in str(refused.value)
    assert "32 bytes" in lines[1] and "sqlite:///" in lines[0]


def test_the_log_level_is_read_in_any_case(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("HUB_LOG_LEVEL", "debug")
    assert Settings().log_level == "DEBUG"


def test_the_hub_command_prints_one_line_and_exits_non_zero(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {**os.environ, "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_LOG_FORMAT": "xml"}
    ran = subprocess.run(
        [str(HUB_BIN), "db", "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode != 0
    assert ran.stderr.strip() == "HUB_LOG_FORMAT='xml' is not allowed: use console or json", ran.stderr[-2000:]
    assert not (tmp_path / "var").exists(), "the hub opened its store despite the bad setting"


def test_var_dir_moves_every_file_default(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("HUB_VAR_DIR", "/srv/ketenhub")
    settings = Settings()
    assert settings.database_url == "sqlite:////srv/ketenhub/hub.sqlite"
    assert settings.master_key_file == Path("/srv/ketenhub/master.key")
    assert settings.pepper_file == Path("/srv/ketenhub/pepper.key")
    assert settings.signing_key_file == Path("/srv/ketenhub/hub-signing.key")
    environment.setenv("HUB_PEPPER_FILE", "/etc/ketenhub/pepper.key")
    environment.setenv("HUB_DATABASE_URL", "postgresql://ketenhub@db/hub")
    given = Settings()
    assert given.pepper_file == Path("/etc/ketenhub/pepper.key"), "a file named by its own variable moved"
    assert given.database_url == "postgresql://ketenhub@db/hub"
    assert given.master_key_file == Path("/srv/ketenhub/master.key")


def test_a_hub_keeps_its_state_in_var_dir(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    var = tmp_path / "state"
    environment.setenv("HUB_VAR_DIR", str(var))
    build_hub(Settings()).close()
    assert sorted(p.name for p in var.iterdir() if not p.name.startswith("hub.sqlite-")) == [
        "hub-signing.key",
        "hub.sqlite",
        "master.key",
        "pepper.key",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"], "state written outside HUB_VAR_DIR"
    assert json.loads(Settings().model_dump_json())["var_dir"] == str(var)


def test_a_hub_opens_with_the_master_key_from_the_environment(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    environment.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    environment.setenv("HUB_MASTER_KEY", KEY)
    hub = build_hub(Settings())
    try:
        assert hub.store.secrets.master_key == bytes(range(32))
    finally:
        hub.close()
    assert not (tmp_path / "var" / "master.key").exists(), "a key file was made beside HUB_MASTER_KEY"
