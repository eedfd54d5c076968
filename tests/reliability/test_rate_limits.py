"""Per-party rate limits (issue 20, part 2): a token bucket per key id, its size and rate per role.

Over the limit the answer is 429 problem+json with `RateLimit`, `RateLimit-Policy`
(draft-ietf-httpapi-ratelimit-headers-10) and `Retry-After`. Tokens are taken only after the
signature verifies and before the nonce is written: nobody spends another party's tokens with its
key id, and a refused request is not consumed, so the same signed request goes through later.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from domain.parties import Role
from hub.app import create_app
from hub.client import SignatureAuth
from hub.container import Hub, build_hub
from hub.ratelimit import RateLimiter
from infra.settings import DEFAULT_RATE_LIMITS, RateLimit, Settings, SettingsError
from tests.ops.helpers import signed_client
from tests.reliability.helpers import assert_problem, settings_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_gives_its_burst_then_its_rate() -> None:
    clock = Clock()
    limiter = RateLimiter({"school": RateLimit(rate=2, burst=3)}, clock)
    assert [limiter.take("k", "school").allowed for _ in range(4)] == [True, True, True, False]
    refused = limiter.take("k", "school")
    assert refused.retry_after == 1
    assert refused.headers == {"RateLimit-Policy": '"partij";q=3;w=2', "RateLimit": '"partij";r=0;t=2'}
    clock.now += 0.5  # one token back at 2 a second
    assert limiter.take("k", "school").allowed
    assert not limiter.take("k", "school").allowed
    clock.now += 60  # never more than the burst
    assert [limiter.take("k", "school").allowed for _ in range(4)] == [True, True, True, False]


def test_each_key_has_its_own_bucket_and_each_role_its_own_limit() -> None:
    clock = Clock()
    limiter = RateLimiter({"school": RateLimit(rate=1, burst=1), "leerplicht": RateLimit(rate=1, burst=2)}, clock)
    assert limiter.take("school-a", "school").allowed
    assert not limiter.take("school-a", "school").allowed
    assert limiter.take("school-b", "school").allowed
    assert [limiter.take("gm-1", "leerplicht").allowed for _ in range(3)] == [True, True, False]


def test_forgetting_idle_buckets_keeps_the_busy_ones() -> None:
    """Memory stays bounded under many keys; a drained bucket is not refilled by forgetting it."""
    clock = Clock()
    limiter = RateLimiter({"school": RateLimit(rate=1, burst=1)}, clock)
    assert limiter.take("busy", "school").allowed
    for n in range(10_001):
        limiter.take(f"k{n}", "school")
    assert not limiter.take("busy", "school").allowed


def test_the_limits_are_set_per_role_and_unknown_roles_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).rate_limits == DEFAULT_RATE_LIMITS
    monkeypatch.setenv("HUB_RATE_LIMITS", json.dumps({"school": {"rate": 5, "burst": 10}}))
    limits = Settings(_env_file=None).rate_limits
    assert limits["school"] == RateLimit(rate=5, burst=10) and limits["swv"] == DEFAULT_RATE_LIMITS["swv"]
    monkeypatch.setenv("HUB_RATE_LIMITS", json.dumps({"ouder": {"rate": 5, "burst": 10}}))
    with pytest.raises(SettingsError, match="HUB_RATE_LIMITS: unknown role ouder"):
        Settings(_env_file=None)


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    limits = {**DEFAULT_RATE_LIMITS, "school": RateLimit(rate=0.5, burst=3)}
    h = build_hub(settings_for(database_url, tmp_path / "var", rate_limits=limits))
    yield h
    h.close()


def test_over_the_limit_is_a_429_with_its_headers_and_other_parties_go_on(hub: Hub) -> None:
    app = create_app(hub)
    school = signed_client(hub, app, Role.SCHOOL, "12AB00")
    other = signed_client(hub, app, Role.SCHOOL, "13CD00")
    assert [school.get("/v1/ik").status_code for _ in range(3)] == [200, 200, 200]
    refused = school.get("/v1/ik")
    assert_problem(refused, 429)
    assert refused.json()["type"].endswith("/te-veel-verzoeken")
    assert int(refused.headers["retry-after"]) == 2  # one token at 0.5 a second
    assert refused.headers["ratelimit-policy"] == '"partij";q=3;w=6'
    assert refused.headers["ratelimit"].startswith('"partij";r=0;t=')
    assert other.get("/v1/ik").status_code == 200


def test_a_forged_request_with_a_partys_key_id_spends_none_of_its_tokens(hub: Hub) -> None:
    app = create_app(hub)
    school = signed_client(hub, app, Role.SCHOOL, "12AB00")
    key_id = school.auth.key_id  # type: ignore[union-attr]
    forger = httpx.Client(transport=school._transport, base_url="http://testserver")
    forger.auth = SignatureAuth(key_id, bytes(32))  # the school's key id, another key
    assert {forger.get("/v1/ik").status_code for _ in range(5)} == {401}
    assert [school.get("/v1/ik").status_code for _ in range(3)] == [200, 200, 200]


def test_a_refused_request_is_not_consumed_and_goes_through_once_a_token_is_back(hub: Hub) -> None:
    app = create_app(hub)
    school = signed_client(hub, app, Role.SCHOOL, "12AB00")
    for _ in range(3):
        school.get("/v1/ik")
    request = school.build_request("GET", "/v1/ik")
    signed = next(school.auth.auth_flow(request))  # type: ignore[union-attr]
    plain = httpx.Client(transport=school._transport, base_url="http://testserver")
    assert plain.send(signed).status_code == 429
    time.sleep(2.1)
    assert plain.send(signed).status_code == 200  # its nonce was not written by the refusal
    time.sleep(2.1)
    assert plain.send(signed).status_code == 401  # and now it was: a replay
