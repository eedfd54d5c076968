"""HTTP: signed pushes per second through the real hub against a no-op FastAPI endpoint."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx
from nacl.signing import SigningKey

from domain.parties import Organisation, Role, organisation_id
from hub.bench.core import BenchResult, Latency, Options, alternate, register
from hub.bench.workload import meldingen
from hub.client import SignatureAuth
from hub.container import build_hub
from infra.settings import Settings

GOAL = 0.5
HOST = "127.0.0.1"
PATH = "/v1/verzuimmeldingen"
SCHOOL = "12AB00"
OURS = "hub"
PEER = "no-op FastAPI endpoint"
HUB_TARGET = "hub.app:app_from_environment"
NOOP_TARGET = "hub.bench.noop:create_noop_app"
_STARTUP_SECONDS = 60.0
_WARM_UP_PUSHES = 20


class PushFailed(RuntimeError):
    """A push was not answered 201: the figures would not be of the work we mean to time."""


@dataclass(frozen=True)
class Signer:
    """The school's registered key, with which both sides' requests are signed."""

    key_id: str
    seed: bytes

    def auth(self) -> SignatureAuth:
        return SignatureAuth(self.key_id, self.seed)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def server_env() -> dict[str, str]:
    """The caller's environment without its HUB_* settings, so no server reads the caller's hub."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}


def hub_env(var: Path) -> dict[str, str]:
    """The HUB_* settings of a fresh hub on SQLite under `var`."""
    return {
        **server_env(),
        "HUB_DATABASE_URL": f"sqlite:///{var}/hub.sqlite",
        "HUB_VAR_DIR": str(var),
        "HUB_MASTER_KEY_FILE": str(var / "master.key"),
        "HUB_PEPPER_FILE": str(var / "pepper.key"),
        "HUB_SIGNING_KEY_FILE": str(var / "hub-signing.key"),
        "HUB_CREATE_SECRETS": "true",
        # One school's key sends every push: the limiter still takes its token per request, but
        # the bucket is sized so that what is measured is the push, not the school's limit.
        "HUB_RATE_LIMITS": json.dumps({"school": {"rate": 1_000_000, "burst": 1_000_000}}),
    }


def register_school(var: Path) -> Signer:
    """Create the hub's store under `var` and register the school with a new Ed25519 key
    (what `hub org add --key-out` does), before the server process opens the store."""
    settings = Settings(
        database_url=f"sqlite:///{var}/hub.sqlite",
        var_dir=var,
        master_key_file=var / "master.key",
        pepper_file=var / "pepper.key",
        signing_key_file=var / "hub-signing.key",
        _env_file=None,
    )
    hub = build_hub(settings)
    try:
        org = Organisation(organisation_id(Role.SCHOOL, SCHOOL), Role.SCHOOL, "Benchmarkschool", SCHOOL)
        hub.orgs.add(org)
        seed = os.urandom(32)
        key_id = f"{org.org_id}#1"
        hub.orgs.add_key(org.org_id, key_id, SigningKey(seed).verify_key.encode())
    finally:
        hub.close()
    return Signer(key_id, seed)


@contextmanager
def serve(target: str, env: dict[str, str], cwd: Path) -> Iterator[str]:
    """Run `target` (an app factory) under uvicorn in its own process; yield its base URL.

    Both sides run under exactly these settings: one worker, httptools, access log off, warnings only.
    """
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        target,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
        "--http",
        "httptools",  # the parser `hub serve` runs (hub/server.py), for both sides
    ]
    errors = cwd / f"uvicorn-{port}.err"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_ready(process, base_url, errors)
        yield base_url
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the server has not gone within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base_url: str, errors: Path) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {errors.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server at {base_url} did not answer /health within {_STARTUP_SECONDS:.0f} s")


@dataclass
class Round:
    """What one side's round measured."""

    rate: float
    latencies_ms: list[float]


def push_round(
    base_url: str, signer: Signer, bodies: list[dict[str, Any]], concurrency: int, max_seconds: float
) -> Round:
    """Push every body once from `concurrency` client threads, each request signed and with a
    fresh Idempotency-Key; requests per second over the whole round, and each push's latency."""
    next_index = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base_url, auth=signer.auth(), timeout=30) as client:
            while time.monotonic() < deadline and not failures:
                with lock:
                    i = next(next_index)
                if i >= len(bodies):
                    break
                start = perf_counter()
                r = client.post(PATH, json=bodies[i], headers={"Idempotency-Key": uuid.uuid4().hex})
                mine.append((perf_counter() - start) * 1000)
                if r.status_code != 201:
                    failures.append(f"{r.status_code}: {r.text[:500]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, name=f"bench-client-{n}") for n in range(concurrency)]
    start = perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = perf_counter() - start
    if failures:
        raise PushFailed(f"{base_url}{PATH} answered {failures[0]}")
    return Round(len(latencies) / elapsed, latencies)


@register("http", reads=("requests", "concurrency", "pupils", "max_seconds"))
def http(options: Options) -> list[BenchResult]:
    """Signed verzuimmelding pushes (`POST /v1/verzuimmeldingen`) per second through the real
    hub — uvicorn running `hub.app:app_from_environment` on a fresh SQLite store, a school
    registered with a generated Ed25519 key — against a no-op FastAPI app (one POST route that
    parses the same JSON body into a dict and answers 201) under the same uvicorn settings,
    each in its own process. The client threads sign every request to both (RFC 9421, Ed25519,
    Content-Digest) with a fresh Idempotency-Key, so client-side cost is equal; the peer
    simply verifies nothing and stores nothing. Sides alternate round by round; p50/p99 are
    per-push latencies seen by the client over all rounds."""
    bodies = [m.body(school=SCHOOL) for m in meldingen(options.requests, options.pupils)]
    with tempfile.TemporaryDirectory(prefix="ketenhub-bench-http-") as tmp:
        root = Path(tmp)
        var = root / "var"
        signer = register_school(var)
        with serve(HUB_TARGET, hub_env(var), root) as ours_url, serve(NOOP_TARGET, server_env(), root) as peer_url:
            rounds: dict[str, list[Round]] = {OURS: [], PEER: []}

            def side(name: str, url: str) -> Callable[[int], float]:
                def run(_r: int) -> float:
                    result = push_round(url, signer, bodies, options.concurrency, options.max_seconds)
                    rounds[name].append(result)
                    return result.rate

                return run

            for url in (ours_url, peer_url):  # untimed: first connections, imports on first use
                push_round(url, signer, bodies[:_WARM_UP_PUSHES], 1, options.max_seconds)
            rates = alternate(
                options.rounds, {OURS: side(OURS, ours_url), PEER: side(PEER, peer_url)}, options.progress, "http"
            )
    latency = {name: Latency.of([v for r in rs for v in r.latencies_ms]) for name, rs in rounds.items()}
    pushed = sum(len(r.latencies_ms) for r in rounds[OURS])
    notes = (
        f"{options.requests} pushes per side per round from {options.concurrency} client threads "
        f"(httpx, keep-alive), {options.rounds} rounds; {pushed} pushes stored by the hub in all",
        "server: uvicorn with httptools, 1 worker, access log off, its own process; clients in the benchmark process",
    )
    return [
        BenchResult.from_rounds(
            "http: signed pushes",
            "requests/s",
            rates[OURS],
            PEER,
            rates[PEER],
            goal=GOAL,
            extra=notes,
            ours_latency=latency[OURS],
            peer_latency=latency[PEER],
        )
    ]
