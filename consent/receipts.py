"""Consent receipts: compact JWS signed with Ed25519 (RFC 7515, RFC 8037), PyNaCl only.

When a school records a consent the hub hands out a receipt; a recipient presents
it when it pulls data under that consent. This module checks only what a token
itself can prove: structure, key, signature and time window. Whether the
presenter is one of the recipients, whether the purpose and pupil match, and
whether the consent still stands (a withdrawal beats any receipt already handed
out) is decided in one place, `consent.policy.decide`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from domain.consent import Consent

ALG = "EdDSA"  # RFC 8037 §3.1 (RFC 9864 later added "Ed25519"; peers still expect EdDSA)
TYP = "ketenhub-consent+jwt"
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
# Room for a receipt with many recipients and categories; anything larger is abuse.
MAX_TOKEN_LENGTH = 16_384


class ReceiptReason(StrEnum):
    """Why a receipt was refused."""

    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


class ReceiptError(Exception):
    """A receipt that cannot be accepted; `reason` says exactly why."""

    def __init__(self, reason: ReceiptReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ReceiptClaims:
    """The claims of a consent receipt; times are JWT NumericDates (seconds, UTC)."""

    iss: str  # the hub
    jti: str  # the consent id
    sub: str  # the pupil pseudonym: opaque, never a BSN or name
    purpose: str
    aud: tuple[str, ...]  # recipient organisation ids
    categories: tuple[str, ...]
    nbf: int
    exp: int
    iat: int
    items: tuple[str, ...] = ()  # warm-item keys, for the warm handover

    def to_payload(self) -> dict[str, Any]:
        """The JSON payload of the token."""
        payload: dict[str, Any] = {
            "iss": self.iss,
            "jti": self.jti,
            "sub": self.sub,
            "purpose": self.purpose,
            "aud": list(self.aud),
            "categories": list(self.categories),
            "nbf": self.nbf,
            "exp": self.exp,
            "iat": self.iat,
        }
        if self.items:
            payload["items"] = list(self.items)
        return payload

    @classmethod
    def from_payload(cls, payload: object) -> ReceiptClaims:
        """Parse and type-check a payload; raises ReceiptError(malformed), nothing else."""
        if not isinstance(payload, dict):
            raise ReceiptError(ReceiptReason.MALFORMED, "payload is not a JSON object")
        return cls(
            iss=_text(payload, "iss"),
            jti=_consent_id(payload),
            sub=_text(payload, "sub"),
            purpose=_text(payload, "purpose"),
            aud=_texts(payload, "aud", required=True),
            categories=_texts(payload, "categories", required=True),
            nbf=_numeric_date(payload, "nbf"),
            exp=_numeric_date(payload, "exp"),
            iat=_numeric_date(payload, "iat"),
            items=_texts(payload, "items", required=False),
        )

    @property
    def consent_id(self) -> UUID:
        """The consent this receipt stands for."""
        return UUID(self.jti)


def _claim_error(name: str, problem: str) -> ReceiptError:
    return ReceiptError(ReceiptReason.MALFORMED, f"claim {name} {problem}")


def _claim(payload: Mapping[str, Any], name: str) -> Any:
    if name not in payload:
        raise _claim_error(name, "is missing")
    return payload[name]


def _text(payload: Mapping[str, Any], name: str) -> str:
    value = _claim(payload, name)
    if not isinstance(value, str) or not value:
        raise _claim_error(name, "must be a non-empty string")
    return value


def _consent_id(payload: Mapping[str, Any]) -> str:
    # The hub writes str(consent.id); anything else would fail later, in consent_id.
    value = _text(payload, "jti")
    try:
        canonical = str(UUID(value))
    except ValueError:
        canonical = None
    if canonical != value:
        raise _claim_error("jti", "must be a consent id (a UUID in canonical form)")
    return value


def _texts(payload: Mapping[str, Any], name: str, *, required: bool) -> tuple[str, ...]:
    if name not in payload and not required:
        return ()
    value = _claim(payload, name)
    # RFC 7519 allows a single string for aud; normalise to a tuple.
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _claim_error(name, "must be a non-empty string or a list of them")
    return tuple(value)


def _numeric_date(payload: Mapping[str, Any], name: str) -> int:
    value = _claim(payload, name)
    # bool is an int in Python; a NumericDate of `true` is malformed.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _claim_error(name, "must be a NumericDate (whole seconds)")
    return value


def numeric_date(moment: datetime) -> int:
    """A timezone-aware datetime as a JWT NumericDate (whole seconds, rounded down)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    return int(moment.timestamp() // 1)


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding: other characters or non-canonical forms fail."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    # Reject encodings with stray low bits, so one token has exactly one spelling.
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _json(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one claim would let parsers disagree on what was signed.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member {key[:64]!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def _segment(segment: str, what: str) -> bytes:
    """One segment's bytes; raises ReceiptError(malformed) naming the segment."""
    try:
        return b64url_decode(segment)
    except ValueError as exc:
        raise ReceiptError(ReceiptReason.MALFORMED, f"{what} is {exc}") from None


def _parse_json(data: bytes, what: str) -> Any:
    """A segment's JSON value; raises ReceiptError(malformed), nothing else."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReceiptError(ReceiptReason.MALFORMED, f"{what} is not UTF-8") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except RecursionError:  # "[[[[...": a few thousand brackets fit in one token
        raise ReceiptError(ReceiptReason.MALFORMED, f"{what} nests too deeply") from None
    except ValueError as exc:  # JSONDecodeError, duplicates, NaN, ints past the digit limit
        raise ReceiptError(ReceiptReason.MALFORMED, f"{what} is not JSON: {exc}") from None


def sign_compact(signing_key: SigningKey, header: Mapping[str, Any], payload: bytes) -> str:
    """A JWS Compact Serialization of `payload` under `header`, signed with Ed25519."""
    signing_input = f"{b64url_encode(_json(header))}.{b64url_encode(payload)}"
    signature = signing_key.sign(signing_input.encode("ascii")).signature
    return f"{signing_input}.{b64url_encode(signature)}"


def issue_receipt(signing_key: SigningKey, kid: str, claims: ReceiptClaims) -> str:
    """Sign `claims` as a consent receipt under key id `kid`."""
    header = {"alg": ALG, "kid": kid, "typ": TYP}
    return sign_compact(signing_key, header, _json(claims.to_payload()))


def receipt_claims(consent: Consent, issuer: str, issued_at: datetime) -> ReceiptClaims:
    """The claims of the receipt for `consent`: valid exactly as long as the consent."""
    return ReceiptClaims(
        iss=issuer,
        jti=str(consent.id),
        sub=consent.subject,
        purpose=consent.purpose,
        aud=tuple(consent.recipients),
        categories=tuple(consent.categories),
        nbf=numeric_date(consent.valid_from),
        exp=numeric_date(consent.valid_until),
        iat=numeric_date(issued_at),
        items=tuple(consent.items),
    )


def verify_receipt(token: str, keys: Mapping[str, VerifyKey], now: datetime) -> ReceiptClaims:
    """Check structure, key, signature and validity window of `token` at `now`.

    Raises ReceiptError with reason malformed, unknown_key, bad_signature,
    not_yet_valid or expired. Recipient and purpose are checked by the policy.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise ReceiptError(ReceiptReason.MALFORMED, "not a token")
    parts = token.split(".")
    if len(parts) != 3:
        raise ReceiptError(ReceiptReason.MALFORMED, "expected three segments")
    header_b64, payload_b64, signature_b64 = parts
    # Every segment's alphabet first, the payload's too: a segment that is not
    # base64url is malformed, never a bad signature nor an encoding error below.
    header_bytes = _segment(header_b64, "header")
    payload_bytes = _segment(payload_b64, "payload")
    signature = _segment(signature_b64, "signature")
    header = _parse_json(header_bytes, "header")
    if not isinstance(header, dict):
        raise ReceiptError(ReceiptReason.MALFORMED, "header is not a JSON object")
    # Only our exact algorithm: never "none", never an algorithm named by the attacker.
    if header.get("alg") != ALG:
        raise ReceiptError(ReceiptReason.MALFORMED, f"alg must be {ALG}")
    if header.get("typ") != TYP:
        raise ReceiptError(ReceiptReason.MALFORMED, f"typ must be {TYP}")
    if "crit" in header:
        raise ReceiptError(ReceiptReason.MALFORMED, "no critical extensions are understood")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ReceiptError(ReceiptReason.MALFORMED, "kid missing")
    key = keys.get(kid)
    if key is None:
        raise ReceiptError(ReceiptReason.UNKNOWN_KEY, f"kid {kid[:64]!r}")
    if len(signature) != 64:
        raise ReceiptError(ReceiptReason.MALFORMED, "an Ed25519 signature has 64 bytes")
    try:  # both segments matched the base64url alphabet: ASCII
        key.verify(f"{header_b64}.{payload_b64}".encode("ascii"), signature)
    except BadSignatureError:
        raise ReceiptError(ReceiptReason.BAD_SIGNATURE) from None
    # Only now is the payload trusted enough to read.
    claims = ReceiptClaims.from_payload(_parse_json(payload_bytes, "payload"))
    moment = numeric_date(now)
    if moment < claims.nbf:
        raise ReceiptError(ReceiptReason.NOT_YET_VALID, f"nbf {claims.nbf}")
    if moment >= claims.exp:  # RFC 7519 §4.1.4: "on or after" exp it must be refused
        raise ReceiptError(ReceiptReason.EXPIRED, f"exp {claims.exp}")
    return claims


def jwk(verify_key: VerifyKey, kid: str) -> dict[str, str]:
    """The public JWK of an Ed25519 key (RFC 8037 §2)."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(bytes(verify_key)),
        "kid": kid,
        "use": "sig",
        "alg": ALG,
    }


def jwks(keys: Mapping[str, VerifyKey]) -> dict[str, list[dict[str, str]]]:
    """The JWK Set of the hub's receipt keys, ordered by kid."""
    return {"keys": [jwk(keys[kid], kid) for kid in sorted(keys)]}


def thumbprint(verify_key: VerifyKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256) of an Ed25519 key: a stable kid."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(bytes(verify_key))}
    return b64url_encode(hashlib.sha256(_json(members)).digest())


@dataclass(frozen=True)
class Notary:
    """The hub as issuer of consent receipts: its Ed25519 key, the key's id and its own name."""

    signing_key: SigningKey
    kid: str
    issuer: str = "ketenhub"

    def keys(self) -> dict[str, VerifyKey]:
        """The keys a receipt of this hub verifies with (as published in the JWKS)."""
        return {self.kid: self.signing_key.verify_key}

    def receipt(self, consent: Consent, issued_at: datetime) -> str:
        """The signed receipt of `consent`."""
        return issue_receipt(self.signing_key, self.kid, receipt_claims(consent, self.issuer, issued_at))
