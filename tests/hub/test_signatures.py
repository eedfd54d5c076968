"""Request signatures: RFC 9421's own Ed25519 example, and every refusal the hub names."""

from __future__ import annotations

import base64
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, InvalidSignature, algorithms
from http_message_signatures.structures import CaseInsensitiveDict

from domain.parties import Role
from hub.client import SignatureAuth
from hub.signatures import Message, SignatureRejected, sign_message, verify_message

# RFC 9421 appendix B.1.4 (test-key-ed25519) and B.2.6 (signing a request using ed25519).
RFC_PUBLIC_KEY = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----"""
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+"
    "AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "Content-Length": "18",
    "Signature-Input": 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"',
    "Signature": "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
}


class _RfcKey(HTTPSignatureKeyResolver):
    def resolve_public_key(self, key_id: str):
        assert key_id == "test-key-ed25519"
        return load_pem_public_key(RFC_PUBLIC_KEY)


def _rfc_message(headers: dict[str, str]) -> Message:
    return Message("POST", "https://example.com/foo?param=Value&Pet=dog", CaseInsensitiveDict(headers))


def test_rfc9421_b26_ed25519_example_verifies() -> None:
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=_RfcKey())
    (result,) = verifier.verify(_rfc_message(RFC_HEADERS), max_age=None)
    assert result.parameters["keyid"] == "test-key-ed25519"


def test_rfc9421_b26_fails_when_a_covered_header_changes() -> None:
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=_RfcKey())
    with pytest.raises(InvalidSignature):
        verifier.verify(_rfc_message({**RFC_HEADERS, "Content-Type": "text/plain"}), max_age=None)


# -- the hub's own rules, on the verification function --------------------------------------
SEED = os.urandom(32)


def _public() -> bytes:
    from nacl.signing import SigningKey

    return SigningKey(SEED).verify_key.encode()


def _signed(body: bytes = b'{"a": 1}', created: datetime | None = None, nonce: str | None = None) -> Message:
    m = Message("POST", "http://hub.test/v1/x", CaseInsensitiveDict({"content-type": "application/json"}))
    sign_message(m, key_id="k1", seed=SEED, body=body, created=created, nonce=nonce)
    return m


def _verify(m: Message, body: bytes = b'{"a": 1}', seen: set | None = None):
    seen = set() if seen is None else seen

    def first_use(k: str, n: str) -> bool:
        if (k, n) in seen:
            return False
        seen.add((k, n))
        return True

    return verify_message(m, body, public_key_of=lambda k: _public(), first_use=first_use, window_seconds=300)


def test_a_good_signature_verifies() -> None:
    assert _verify(_signed()).key_id == "k1"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda m: m.headers.pop("signature"), "signature_missing"),
        (lambda m: m.headers.__setitem__("signature-input", "hub=(((("), "signature_malformed"),
        (
            lambda m: m.headers.__setitem__("signature-input", m.headers["signature-input"].replace(";nonce=", ";x=")),
            "signature_malformed",
        ),
        (lambda m: setattr(m, "url", "http://hub.test/v1/y"), "signature_invalid"),
        (lambda m: setattr(m, "method", "PUT"), "signature_invalid"),
        (lambda m: m.headers.pop("content-digest"), "digest_missing"),
    ],
)
def test_refusals_name_their_reason(mutate, reason: str) -> None:
    m = _signed()
    mutate(m)
    with pytest.raises(SignatureRejected) as e:
        _verify(m)
    assert e.value.reason == reason


def test_changed_body_is_a_digest_mismatch() -> None:
    with pytest.raises(SignatureRejected) as e:
        _verify(_signed(), body=b'{"a": 2}')
    assert e.value.reason == "digest_mismatch"


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_created_outside_the_window(offset: timedelta) -> None:
    with pytest.raises(SignatureRejected) as e:
        _verify(_signed(created=datetime.now(UTC) + offset))
    assert e.value.reason == "signature_expired"


def test_created_inside_the_window() -> None:
    assert _verify(_signed(created=datetime.now(UTC) - timedelta(minutes=4)))


def test_replayed_nonce() -> None:
    seen: set = set()
    m = _signed()
    _verify(m, seen=seen)
    with pytest.raises(SignatureRejected) as e:
        _verify(m, seen=seen)
    assert e.value.reason == "nonce_replayed"


# -- end to end through HTTP, on both backends -----------------------------------------------
def test_signed_request_reaches_the_api(register) -> None:
    school = register(Role.SCHOOL, "12AB00")
    r = school.client.get("/v1/ik")
    assert r.status_code == 200, r.text
    assert r.json()["organisatie"] == "school:12AB00"


def test_actor_header_is_signed_and_reported(register) -> None:
    school = register(Role.SCHOOL, "12AB00")
    school.client.auth = SignatureAuth(school.key_id, school.seed, actor="medewerker-7")
    assert school.client.get("/v1/ik").json()["medewerker"] == "medewerker-7"


def _problem(r) -> dict:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return r.json()


def test_unsigned_request_is_401_problem(anonymous) -> None:
    r = anonymous.get("/v1/ik")
    assert r.status_code == 401
    assert _problem(r)["type"].endswith("/signature_missing")


def test_unknown_key_is_401(app, anonymous) -> None:
    anonymous.auth = SignatureAuth("school:99ZZ00#1", os.urandom(32))
    r = anonymous.get("/v1/ik")
    assert r.status_code == 401 and _problem(r)["type"].endswith("/key_unknown")


def test_revoked_key_is_401(register, hub) -> None:
    school = register(Role.SCHOOL, "12AB00")
    hub.orgs.revoke_key(school.key_id)
    r = school.client.get("/v1/ik")
    assert r.status_code == 401 and _problem(r)["type"].endswith("/key_revoked")


def test_wrong_key_for_the_key_id_is_401(register) -> None:
    school = register(Role.SCHOOL, "12AB00")
    school.client.auth = SignatureAuth(school.key_id, os.urandom(32))
    r = school.client.get("/v1/ik")
    assert r.status_code == 401 and _problem(r)["type"].endswith("/signature_invalid")


def test_replayed_request_is_401(register) -> None:
    school = register(Role.SCHOOL, "12AB00")
    first = school.client.build_request("GET", "/v1/ik")
    signed = next(school.client.auth.auth_flow(first))
    assert school.client.send(signed, auth=None).status_code == 200
    again = school.client.send(signed, auth=None)
    assert again.status_code == 401 and _problem(again)["type"].endswith("/nonce_replayed")


def test_health_and_docs_need_no_signature(anonymous) -> None:
    assert anonymous.get("/health").json()["status"] == "ok"
    assert anonymous.get("/health/live").json() == {"status": "ok"}
    assert anonymous.get("/docs").status_code == 200
    spec = anonymous.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")


def test_clock_is_checked_against_the_server(register) -> None:
    school = register(Role.SCHOOL, "12AB00")
    request = school.client.build_request("GET", "/v1/ik")
    m = Message("GET", str(request.url), CaseInsensitiveDict(request.headers.items()))
    sign_message(
        m, key_id=school.key_id, seed=school.seed, body=b"", created=datetime.fromtimestamp(time.time() - 3600, UTC)
    )
    for name in ("signature-input", "signature"):
        request.headers[name] = m.headers[name]
    r = school.client.send(request, auth=None)
    assert r.status_code == 401 and "created is" in _problem(r)["detail"]


def test_signature_over_base64_body_digest(register) -> None:
    school = register(Role.SCHOOL, "12AB00")
    request = school.client.build_request("POST", "/v1/ik", content=b"{}")
    signed = next(school.client.auth.auth_flow(request))
    digest = signed.headers["content-digest"]
    assert digest.startswith("sha-") and base64.b64decode(digest.split("=:", 1)[1].rstrip(":"))


def test_an_unsigned_request_is_logged_by_reason_but_not_in_the_access_log(
    hub, anonymous, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 401 names no proven party: it is counted in the logs, and the access log stays as it was."""
    before = hub.persistence.access_log.size()
    r = anonymous.get("/v1/leerplicht/GM0479/meldingen")
    assert r.status_code == 401
    assert "request_unauthenticated" in capsys.readouterr().out
    assert hub.persistence.access_log.size() == before
