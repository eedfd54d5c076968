"""Consent receipts: RFC 8037 vectors, interoperability with joserfc, and every refusal."""

from __future__ import annotations

import json
import warnings
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import KeySet
from nacl.signing import SigningKey, VerifyKey

from consent.receipts import (
    ALG,
    TYP,
    ReceiptClaims,
    ReceiptError,
    ReceiptReason,
    b64url_decode,
    b64url_encode,
    issue_receipt,
    jwks,
    numeric_date,
    receipt_claims,
    sign_compact,
    thumbprint,
    verify_receipt,
)
from tests.consent.factories import HUB, NOW, PUPIL, a_consent, consent_state, receipt_for

# RFC 8037 appendix A.1, A.3 and A.4.
RFC_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
RFC_JWS = (
    "eyJhbGciOiJFZERTQSJ9"
    ".RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    ".hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

KEY = SigningKey(bytes(range(32)))
OTHER_KEY = SigningKey(bytes(range(1, 33)))
KID = "hub-2025-1"
KEYS: dict[str, VerifyKey] = {KID: KEY.verify_key}
CLAIMS = receipt_for(consent_state())


def test_rfc8037_a4_signature_reproduces_exactly() -> None:
    """RFC 8037 A.4: Ed25519 is deterministic, so the example JWS must come out byte for byte."""
    key = SigningKey(b64url_decode(RFC_D))
    assert b64url_encode(bytes(key.verify_key)) == RFC_X
    assert sign_compact(key, {"alg": "EdDSA"}, b"Example of Ed25519 signing") == RFC_JWS


def test_rfc8037_a3_thumbprint() -> None:
    """RFC 8037 A.3 (RFC 7638 thumbprint): usable as a stable kid."""
    assert thumbprint(VerifyKey(b64url_decode(RFC_X))) == RFC_THUMBPRINT


def test_issue_and_verify_round_trip() -> None:
    token = issue_receipt(KEY, KID, CLAIMS)
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": ALG, "kid": KID, "typ": TYP}
    assert verify_receipt(token, KEYS, NOW) == CLAIMS


def test_claims_for_a_consent() -> None:
    """The receipt carries the consent id, the pseudonym (never a name), purpose and recipients."""
    consent = a_consent()
    claims = receipt_claims(consent, HUB, NOW)
    assert claims.jti == str(consent.id) and claims.consent_id == consent.id
    assert claims.sub == PUPIL
    assert claims.purpose == "thuiszitterstafel"
    assert claims.aud == consent.recipients
    assert claims.nbf == numeric_date(consent.valid_from)
    assert claims.exp == numeric_date(consent.valid_until)
    payload = json.dumps(claims.to_payload())
    assert "de Vries" not in payload  # the parent's name stays inside the event


def test_verifies_with_joserfc_against_our_jwks() -> None:
    """A third-party JOSE library accepts our token with our published JWK Set."""
    token = issue_receipt(KEY, KID, CLAIMS)
    key_set = KeySet.import_key_set(jwks(KEYS))  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc flags "EdDSA" as superseded by RFC 9864
        obj = jws.deserialize_compact(token, key_set, algorithms=["EdDSA"])
    assert obj.headers()["kid"] == KID
    assert json.loads(obj.payload) == CLAIMS.to_payload()


def test_jwks_shape() -> None:
    (entry,) = jwks(KEYS)["keys"]
    assert entry == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(bytes(KEY.verify_key)),
        "kid": KID,
        "use": "sig",
        "alg": "EdDSA",
    }


def _reason(token: str, keys: dict[str, VerifyKey] = KEYS, now=NOW) -> ReceiptReason:  # type: ignore[no-untyped-def]
    with pytest.raises(ReceiptError) as info:
        verify_receipt(token, keys, now)
    return info.value.reason


def _segments(token: str) -> list[str]:
    return token.split(".")


def test_forged_payload_is_a_bad_signature() -> None:
    """Widening the audience or categories after signing breaks the signature."""
    header, _, signature = _segments(issue_receipt(KEY, KID, CLAIMS))
    forged = CLAIMS.to_payload() | {"aud": [*CLAIMS.aud, "GM0363"]}
    payload = b64url_encode(json.dumps(forged, separators=(",", ":")).encode())
    assert _reason(f"{header}.{payload}.{signature}") is ReceiptReason.BAD_SIGNATURE


def test_signed_by_another_key_is_a_bad_signature() -> None:
    assert _reason(issue_receipt(OTHER_KEY, KID, CLAIMS)) is ReceiptReason.BAD_SIGNATURE


def test_unknown_kid() -> None:
    assert _reason(issue_receipt(KEY, "retired-key", CLAIMS)) is ReceiptReason.UNKNOWN_KEY


def test_expired_and_not_yet_valid() -> None:
    token = issue_receipt(KEY, KID, CLAIMS)
    state = consent_state()
    assert _reason(token, now=state.valid_until) is ReceiptReason.EXPIRED  # exp is exclusive
    assert _reason(token, now=state.valid_until + timedelta(days=1)) is ReceiptReason.EXPIRED
    before = state.valid_from - timedelta(seconds=1)
    assert _reason(token, now=before) is ReceiptReason.NOT_YET_VALID
    assert verify_receipt(token, KEYS, state.valid_from) == CLAIMS


def _signed(header: dict[str, object], payload: bytes) -> str:
    return sign_compact(KEY, header, payload)


GOOD_HEADER = {"alg": ALG, "kid": KID, "typ": TYP}
GOOD_PAYLOAD = json.dumps(CLAIMS.to_payload()).encode()


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="one-segment"),
        pytest.param("a.b", id="two-segments"),
        pytest.param("a.b.c.d", id="four-segments"),
        pytest.param("!!!.e30.AAAA", id="bad-base64"),
        pytest.param("eyJhbGciOiJFZERTQSJ9=.e30.AAAA", id="padding"),
        pytest.param(b64url_encode(b"[1]") + ".e30.AAAA", id="header-not-object"),
        pytest.param(b64url_encode(b"\xff\xfe") + ".e30.AAAA", id="header-not-utf8"),
        pytest.param(_signed({"alg": "none", "kid": KID, "typ": TYP}, GOOD_PAYLOAD), id="alg-none"),
        pytest.param(_signed({"alg": "HS256", "kid": KID, "typ": TYP}, GOOD_PAYLOAD), id="alg-hs256"),
        pytest.param(_signed({"alg": ALG, "kid": KID, "typ": "JWT"}, GOOD_PAYLOAD), id="typ"),
        pytest.param(_signed({"alg": ALG, "typ": TYP}, GOOD_PAYLOAD), id="no-kid"),
        pytest.param(_signed(GOOD_HEADER | {"crit": ["exp"]}, GOOD_PAYLOAD), id="crit"),
        pytest.param(_signed(GOOD_HEADER, b"not json"), id="payload-not-json"),
        pytest.param(_signed(GOOD_HEADER, b"[]"), id="payload-not-object"),
        pytest.param(
            _signed(GOOD_HEADER, json.dumps({**CLAIMS.to_payload(), "exp": "soon"}).encode()),
            id="exp-not-a-number",
        ),
        pytest.param(
            _signed(GOOD_HEADER, json.dumps({**CLAIMS.to_payload(), "nbf": True}).encode()),
            id="nbf-bool",
        ),
        pytest.param(
            _signed(GOOD_HEADER, json.dumps({**CLAIMS.to_payload(), "aud": [1]}).encode()),
            id="aud-not-strings",
        ),
        pytest.param(
            _signed(
                GOOD_HEADER,
                json.dumps({k: v for k, v in CLAIMS.to_payload().items() if k != "sub"}).encode(),
            ),
            id="sub-missing",
        ),
        pytest.param(
            _signed(GOOD_HEADER, GOOD_PAYLOAD[:-1] + b',"sub":"ander"}'),
            id="duplicate-claim",
        ),
    ],
)
def test_malformed(token: str) -> None:
    assert _reason(token) is ReceiptReason.MALFORMED


def test_truncated_or_non_canonical_signature_is_malformed() -> None:
    header, payload, signature = _segments(issue_receipt(KEY, KID, CLAIMS))
    assert _reason(f"{header}.{payload}.{signature[:-4]}") is ReceiptReason.MALFORMED
    # 64 bytes take 86 characters; the last one carries 4 unused bits, which must be zero
    # (A, Q, g or w). Setting one gives the same bytes under a second spelling: refused.
    assert signature[-1] in "AQgw"
    tweaked = signature[:-1] + chr(ord(signature[-1]) + 1)
    assert _reason(f"{header}.{payload}.{tweaked}") is ReceiptReason.MALFORMED


def test_oversized_token_is_malformed() -> None:
    assert _reason("a" * 20_000 + ".b.c") is ReceiptReason.MALFORMED


def test_single_string_audience_is_accepted() -> None:
    """RFC 7519 §4.1.3 allows `aud` as one string; it reads as a one-element tuple."""
    payload = json.dumps({**CLAIMS.to_payload(), "aud": "GM0479"}).encode()
    claims = verify_receipt(_signed(GOOD_HEADER, payload), KEYS, NOW)
    assert claims.aud == ("GM0479",)


def test_claims_payload_round_trip() -> None:
    assert ReceiptClaims.from_payload(CLAIMS.to_payload()) == CLAIMS


@pytest.mark.parametrize("bad", ["+", "/", "=", "é", "\udcff"])
def test_a_payload_outside_base64url_is_malformed_before_the_signature(bad: str) -> None:
    header, payload, signature = _segments(issue_receipt(KEY, KID, CLAIMS))
    assert _reason(f"{header}.{payload[:10]}{bad}{payload[11:]}.{signature}") is ReceiptReason.MALFORMED


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 5000,
        json.dumps({**CLAIMS.to_payload(), "jti": "not-a-uuid"}).encode(),
        json.dumps({**CLAIMS.to_payload(), "nbf": "soon"}).encode(),
        json.dumps({k: v for k, v in CLAIMS.to_payload().items() if k != "iss"}).encode(),
        b'{"exp": NaN}',
    ],
    ids=["deep-nesting", "jti-not-uuid", "nbf-a-string", "iss-missing", "nan"],
)
def test_a_signed_but_ill_formed_payload_is_malformed(payload: bytes) -> None:
    assert _reason(_signed(GOOD_HEADER, payload)) is ReceiptReason.MALFORMED


def test_a_deeply_nested_header_is_malformed() -> None:
    header = b64url_encode(b"[" * 5000)
    assert _reason(f"{header}.e30.AAAA") is ReceiptReason.MALFORMED


_RECEIPT = issue_receipt(KEY, KID, CLAIMS)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(_RECEIPT) - 1), st.sampled_from(["replace", "insert", "delete"]), st.characters())
def test_a_mutated_receipt_raises_only_receipt_error(at: int, how: str, char: str) -> None:
    """Any change to a valid receipt is refused as a ReceiptError, never another exception."""
    mutated = {
        "replace": _RECEIPT[:at] + char + _RECEIPT[at + 1 :],
        "insert": _RECEIPT[:at] + char + _RECEIPT[at:],
        "delete": _RECEIPT[:at] + _RECEIPT[at + 1 :],
    }[how]
    if mutated == _RECEIPT:
        return
    with pytest.raises(ReceiptError):
        verify_receipt(mutated, KEYS, NOW)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_receipt_error(text: str) -> None:
    with pytest.raises(ReceiptError):
        verify_receipt(text, KEYS, NOW)
