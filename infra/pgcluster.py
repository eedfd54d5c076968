"""A throwaway PostgreSQL cluster, started from the machine's server binaries.

Used by the test-suite and by `hub bench`: initdb and pg_ctl in a temp dir, trust auth on
127.0.0.1, durability off (fsync, synchronous_commit) because the data is
thrown away. It lives in the installed package because `hub bench` runs from the console
script, where the `tests` package is not importable.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def bindir() -> Path:
    """The directory of the PostgreSQL server binaries (initdb, pg_ctl, postgres)."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    raise PostgresUnavailable("initdb not found: install the PostgreSQL server (make test does when root)")


def server_version() -> str | None:
    """`postgres --version` of the binaries a cluster would run, or None without them."""
    try:
        out = subprocess.run(
            [str(bindir() / "postgres"), "--version"], check=True, capture_output=True, text=True, timeout=30
        )
    except (PostgresUnavailable, OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


class Cluster:
    """initdb + pg_ctl in a temp dir; as root the server runs as the `postgres` user."""

    def __init__(self) -> None:
        self.bindir = bindir()
        self.root = Path(tempfile.mkdtemp(prefix="ketenhub-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root.
            self._as = ["runuser", "-u", "postgres", "--"]
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> Cluster:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self._start_server()
        return self

    def _start_server(self) -> None:
        opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )

    def halt(self) -> None:
        """Stop the server as an outage would (its connections cut), keeping its data for `resume`.
        A fast shutdown: this cluster runs without fsync, so only a clean stop keeps its commits."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")

    def resume(self) -> None:
        """Start the halted server again on the same port and data."""
        self._start_server()

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def admin_url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url(name)


class Standby(Cluster):
    """A hot standby of a running cluster: a base backup streaming its primary's WAL, read-only."""

    def __init__(self, primary: Cluster) -> None:
        super().__init__()
        self.primary = primary

    def start(self) -> Standby:
        self._run(
            str(self.bindir / "pg_basebackup"),
            "-D",
            str(self.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        self._start_server()
        return self

    def wait_until_caught_up(self, timeout: float = 60.0) -> None:
        """Until the standby has replayed everything the primary had written when this was called."""
        import psycopg

        with psycopg.connect(self.primary.admin_url(), autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()
                if row and row[0]:
                    return
                time.sleep(0.05)
        raise TimeoutError(f"the standby did not replay up to {target} within {timeout:.0f} s")
