"""Shared fixtures: the two backends, a hub per test, registered parties with real keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from nacl.signing import SigningKey

from domain.parties import Organisation, Role, organisation_id
from hub.app import create_app
from hub.client import SignatureAuth
from hub.container import Hub, build_hub
from infra.pgcluster import Cluster, PostgresUnavailable
from infra.settings import DEFAULT_RATE_LIMITS, RateLimit, Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def started_cluster() -> Cluster:
    """A throwaway PostgreSQL cluster; the test is skipped where there is none, and fails in CI."""
    try:
        return Cluster().start()
    except PostgresUnavailable as e:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {e}")
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    cluster = started_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/hub.sqlite"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


# Tests of other things send hundreds of requests a second from one key, on a machine the suite
# itself keeps busy; limits and shedding are tested at their defaults in tests/reliability.
UNLIMITED = {role: RateLimit(rate=1e6, burst=10**6) for role in DEFAULT_RATE_LIMITS}
PATIENT_MS = 30_000


def make_settings(database_url: str, var: Path) -> Settings:
    return Settings(
        database_url=database_url,
        rate_limits=UNLIMITED,
        queue_wait_ms=PATIENT_MS,
        var_dir=var,
        master_key_file=var / "master.key",
        pepper_file=var / "pepper.key",
        signing_key_file=var / "hub-signing.key",
        _env_file=None,
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path / "var")


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    h = build_hub(settings)
    yield h
    h.close()


@dataclass
class Party:
    """A registered organisation with a real Ed25519 key, and a signed client for it."""

    org: Organisation
    key_id: str
    seed: bytes
    client: TestClient


@pytest.fixture
def app(hub: Hub):
    return create_app(hub)


@pytest.fixture
def register(hub: Hub, app):
    """register(role, code, gemeente=None) -> Party, with its own signed TestClient."""
    clients: list[TestClient] = []

    def _register(role: Role, code: str, gemeente: str | None = None, name: str | None = None) -> Party:
        org = Organisation(organisation_id(role, code), role, name or f"{role.value} {code}", code, gemeente)
        hub.orgs.add(org)
        seed = os.urandom(32)
        key_id = f"{org.org_id}#1"
        hub.orgs.add_key(org.org_id, key_id, SigningKey(seed).verify_key.encode())
        client = TestClient(app, raise_server_exceptions=False)
        client.auth = SignatureAuth(key_id, seed)
        clients.append(client)
        return Party(org, key_id, seed, client)

    yield _register
    for c in clients:
        c.close()


@pytest.fixture
def anonymous(app) -> Iterator[httpx.Client]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
