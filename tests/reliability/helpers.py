"""Shared helpers of the reliability tests: routes, parties, table counts, a real `hub serve` process."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, routing
from nacl.signing import SigningKey

from audit.entries import AccessEntry, Action
from audit.verify import VerifyReport, verify_log
from domain.parties import Organisation, Role, organisation_id
from hub.client import SignatureAuth
from hub.container import Hub, build_hub
from hub.server import HubProtocol
from infra.accesslog import AccessLogStore
from infra.settings import Settings
from tests.conftest import make_settings

PROBLEM_JSON = "application/problem+json"
HUB_BIN = Path(sys.executable).with_name("hub")

# The side tables whose row counts tell whether anything was written (besides the events).
WRITE_TABLES = ("hub_directory", "hub_access_log", "hub_idempotency", "hub_data_keys")


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) under /v1, HEAD left out (Starlette adds it to GET)."""
    found = {
        (method, rc.path)
        for rc in routing.iter_route_contexts(app.routes)
        if rc.path and rc.path.startswith("/v1/")
        for method in (getattr(rc, "methods", None) or ())
        if method != "HEAD"
    }
    return sorted(found, key=lambda mp: (mp[1], mp[0]))


def assert_problem(r: httpx.Response, *statuses: int) -> None:
    """A refusal: one of `statuses` (any 4xx when none given), as application/problem+json."""
    ok = r.status_code in statuses if statuses else 400 <= r.status_code < 500
    assert ok, f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:300]}"
    assert r.headers.get("content-type", "").startswith(PROBLEM_JSON), r.headers.get("content-type")
    assert r.json()["status"] == r.status_code


def events_table(hub: Hub) -> str:
    """The event table's name: `stored_events` on SQLite, `<app>_events` on PostgreSQL."""
    return str(hub.store.records.recorder.events_table_name)  # type: ignore[attr-defined]


def table_counts(hub: Hub) -> dict[str, int]:
    """Rows in the event table and every side table a write touches."""
    with hub.store.db.transaction(write=False) as tx:
        return {
            t: int(tx.execute(f"SELECT COUNT(*) FROM {t}").one()[0])  # type: ignore[index]
            for t in (events_table(hub), *WRITE_TABLES)
        }


def settings_for(database_url: str, var: Path, **extra: Any) -> Settings:
    """The suite's settings (tests/conftest.py make_settings), with any field overridden."""
    return make_settings(database_url, var).model_copy(update=extra)


def hub_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The HUB_* environment that makes a subprocess open the same store as `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        {
            "HUB_DATABASE_URL": settings.database_url,
            "HUB_VAR_DIR": str(settings.var_dir),
            "HUB_MASTER_KEY_FILE": str(settings.master_key_file),
            "HUB_PEPPER_FILE": str(settings.pepper_file),
            "HUB_SIGNING_KEY_FILE": str(settings.signing_key_file),
            "HUB_LOG_FORMAT": "json",
            "HUB_LOG_LEVEL": "DEBUG",
            "HUB_RATE_LIMITS": json.dumps({role: limit.model_dump() for role, limit in settings.rate_limits.items()}),
            "HUB_QUEUE_WAIT_MS": str(settings.queue_wait_ms),
            **extra,
        }
    )
    return env


@dataclass(frozen=True)
class Credentials:
    """A registered party's key id and Ed25519 seed."""

    org: Organisation
    key_id: str
    seed: bytes

    def auth(self) -> SignatureAuth:
        return SignatureAuth(self.key_id, self.seed)


def register_org(hub: Hub, role: Role, code: str, gemeente: str | None = None) -> Credentials:
    """Register an organisation with a fresh key straight in the registry (no HTTP)."""
    org = Organisation(organisation_id(role, code), role, f"{role.value} {code}", code, gemeente)
    hub.orgs.add(org)
    seed = os.urandom(32)
    key_id = f"{org.org_id}#1"
    hub.orgs.add_key(org.org_id, key_id, SigningKey(seed).verify_key.encode())
    return Credentials(org, key_id, seed)


def encodings(secret: bytes) -> set[str]:
    """The ways a key could be printed: hex, base64 (standard and URL-safe, padded or not), bytes repr."""
    b64 = base64.b64encode(secret).decode()
    url = base64.urlsafe_b64encode(secret).decode()
    return {secret.hex(), secret.hex().upper(), b64, b64.rstrip("="), url, url.rstrip("="), repr(secret)[2:-1]}


def write_entries(hub: Hub) -> list[AccessEntry]:
    entries = (AccessEntry.from_body(e.body) for e in AccessLogStore(hub.store.db).entries())
    return [e for e in entries if e.action is Action.WRITE]


def verify_access_log(hub: Hub, sign_head: bool = True) -> VerifyReport:
    """verify_log over the store, after signing a fresh tree head so the Merkle side is checked too."""
    log = AccessLogStore(hub.store.db)
    if sign_head:
        log.sign_head(hub.signing_key, hub.signing_key_id)
    return verify_log(log.entries(), log.heads(), {hub.signing_key_id: hub.signing_key.verify_key})


def audit_cli_available() -> bool:
    """Whether `hub audit verify` exists yet (a colleague is adding it)."""
    r = subprocess.run([str(HUB_BIN), "audit", "verify", "--help"], capture_output=True, timeout=60)
    return r.returncode == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """`hub serve` as a real uvicorn subprocess: started, SIGKILLed and restarted at will."""

    settings: Settings
    workdir: Path
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)  # HUB_* variables beyond the settings'
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def start(self, timeout: float = 60.0) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(HUB_BIN), "serve", "--port", str(self.port)],
                env=hub_env(self.settings, **self.env),
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub serve exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"hub serve did not become ready: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no rollback but the database's own."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)

    def log_tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def live_hub(settings: Settings, workdir: Path, **env: str) -> Iterator[tuple[Server, Hub, Credentials]]:
    """A running `hub serve`, the same store open in this process, and a registered school 12AB00."""
    hub = build_hub(settings)
    creds = register_org(hub, Role.SCHOOL, "12AB00")
    server = Server(settings, workdir, env=env)
    try:
        server.start()
        yield server, hub, creds
    finally:
        server.stop()
        hub.close()


@contextmanager
def served_in_process(app: FastAPI) -> Iterator[str]:
    """`app` under uvicorn with the hub's protocol, in a thread of this process: its hub stays in
    reach, so a test can hold the store threads while real clients connect and leave."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), http=HubProtocol, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-in-process", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the in-process server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def busy(hub: Hub) -> Iterator[threading.Event]:
    """Every store thread of `hub` held until the event is set (or the block ends): a hub at its limit."""
    release = threading.Event()
    holders = [
        threading.Thread(target=asyncio.run, args=(hub.threads.run(release.wait, 30),))
        for _ in range(hub.threads.count)
    ]
    for h in holders:
        h.start()
    time.sleep(0.1)  # the holders are on their threads before any request queues behind them
    try:
        yield release
    finally:
        release.set()
        for h in holders:
            h.join(timeout=30)
