"""HTTP Message Signatures (RFC 9421) with Ed25519: signing for clients, checking for the hub.

The signature base is built by the maintained `http-message-signatures` library;
this module adds the hub's own rules on top: which components must be covered,
that `created` and `nonce` are present, the clock window, and a reason for every
refusal that a partner's developer can act on.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.digests import ContentDigest
from http_message_signatures.structures import CaseInsensitiveDict

#: The header that names the person acting within the organisation (NEN 7513); signed when sent.
ACTOR_HEADER = "ketenhub-medewerker"
SIGNED_COMPONENTS = ("@method", "@target-uri")
LABEL = "hub"


class SignatureRejected(Exception):
    """A request signature the hub does not accept; `reason` is a stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Message:
    """The parts of an HTTP request that a signature covers."""

    method: str
    url: str
    headers: CaseInsensitiveDict

    @classmethod
    def of(cls, method: str, url: str, headers: Iterable[tuple[str, str]]) -> Message:
        """The message with `headers` looked up case-insensitively, as the signature library reads them."""
        # http-message-signatures leaves CaseInsensitiveDict unannotated.
        return cls(method, url, CaseInsensitiveDict(headers))  # type: ignore[no-untyped-call]


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, private: Ed25519PrivateKey | None = None, public: Ed25519PublicKey | None = None):
        self._private, self._public = private, public

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        assert self._private is not None
        return self._private

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        assert self._public is not None
        return self._public


def sign_message(
    message: Message,
    *,
    key_id: str,
    seed: bytes,
    body: bytes,
    created: datetime | None = None,
    nonce: str | None = None,
) -> None:
    """Add `Content-Digest` (for a body), `Signature-Input` and `Signature` to `message`."""
    covered = list(SIGNED_COMPONENTS)
    if ACTOR_HEADER in message.headers:
        covered.append(ACTOR_HEADER)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=_OneKey(private=Ed25519PrivateKey.from_private_bytes(seed)),
    )
    signer.sign(
        message,
        key_id=key_id,
        created=created or datetime.now(UTC),
        nonce=nonce or base64.urlsafe_b64encode(os.urandom(18)).decode(),
        label=LABEL,
        covered_component_ids=tuple(covered),
        body=body if body else None,
    )


@dataclass(frozen=True)
class VerifiedSignature:
    """What a valid signature established: the key, its nonce and the signed actor."""

    key_id: str
    nonce: str
    created: int
    actor: str | None


@dataclass(frozen=True)
class _Params:
    key_id: str
    created: int
    nonce: str


def _parse_params(headers: Mapping[str, str]) -> _Params:
    if "signature-input" not in headers or "signature" not in headers:
        raise SignatureRejected(
            "signature_missing",
            "this endpoint needs an HTTP Message Signature (RFC 9421): send Signature-Input and Signature",
        )
    try:
        parsed = http_sf.parse(headers["signature-input"].encode(), tltype="dictionary")
    except Exception as e:
        raise SignatureRejected("signature_malformed", f"Signature-Input is not a structured field: {e}") from e
    if not isinstance(parsed, dict) or len(parsed) != 1:
        raise SignatureRejected("signature_malformed", "send exactly one signature")
    (member,) = parsed.values()
    if not isinstance(member, tuple):  # http_sf gives every member as (value, parameters)
        raise SignatureRejected("signature_malformed", "the signature has no parameters")
    _components, params = member
    key_id, created, nonce = params.get("keyid"), params.get("created"), params.get("nonce")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureRejected("signature_malformed", "the signature has no keyid parameter")
    if type(created) is not int:
        raise SignatureRejected("signature_malformed", "the signature has no integer created parameter")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 128:
        raise SignatureRejected("signature_malformed", "the signature needs a nonce parameter (8-128 characters)")
    return _Params(key_id, created, nonce)


def verify_message(
    message: Message,
    body: bytes,
    *,
    public_key_of: Callable[[str], bytes],
    first_use: Callable[[str, str], bool],
    window_seconds: int,
    now: float | None = None,
    admit: Callable[[str], None] | None = None,
) -> VerifiedSignature:
    """Check a request's signature; raise `SignatureRejected` naming the reason.

    `public_key_of(key_id)` returns the raw Ed25519 key or raises `SignatureRejected`
    (unknown or revoked key); `first_use(key_id, nonce)` records the nonce. `admit(key_id)`
    runs once the signature holds and before the nonce is written, and may raise to refuse.
    """
    params = _parse_params(message.headers)
    public_key = public_key_of(params.key_id)
    skew = (time.time() if now is None else now) - params.created
    if abs(skew) > window_seconds:
        raise SignatureRejected(
            "signature_expired",
            f"created is {int(skew)} s from the hub's clock; allowed is ±{window_seconds} s",
        )
    if body:
        if "content-digest" not in message.headers:
            raise SignatureRejected("digest_missing", "a request with a body needs a signed Content-Digest")
        try:
            ContentDigest.verify(message.headers["content-digest"], body)
        except Exception as e:
            raise SignatureRejected("digest_mismatch", "Content-Digest does not match the body") from e
    required = [*SIGNED_COMPONENTS, *(["content-digest"] if body else [])]
    if ACTOR_HEADER in message.headers:
        required.append(ACTOR_HEADER)
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519,
        key_resolver=_OneKey(public=Ed25519PublicKey.from_public_bytes(public_key)),
    )
    verifier.max_clock_skew = timedelta(seconds=window_seconds)
    try:
        verifier.verify(message, max_age=None, require_components=tuple(required))
    except InvalidSignature as e:
        raise SignatureRejected(
            "signature_invalid",
            f"the signature does not verify with key {params.key_id} (it must cover {', '.join(required)}): {e}",
        ) from e
    if admit is not None:
        admit(params.key_id)
    if not first_use(params.key_id, params.nonce):
        raise SignatureRejected("nonce_replayed", "this nonce was already used: a replayed request")
    actor = message.headers.get(ACTOR_HEADER)
    return VerifiedSignature(params.key_id, params.nonce, params.created, actor)
