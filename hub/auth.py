"""Request authentication: who is asking, proven by an RFC 9421 signature of a registered key."""

from __future__ import annotations

import uuid

import structlog
from fastapi import Request

from adapters.ports import Requester
from domain.parties import Organisation
from hub.container import Hub
from hub.problems import Problem
from hub.requestid import current_request_id
from hub.signatures import Message, SignatureRejected, verify_message

Caller = Requester
log = structlog.get_logger("hub.auth")


def _check(hub: Hub, message: Message, body: bytes) -> Caller:
    found: dict[str, Organisation | None] = {}
    admitted: list[str] = []  # the key whose token this request took, if it took one

    def public_key_of(key_id: str) -> bytes:
        signer = hub.orgs.signer(key_id)
        if signer is None:
            # Not echoed: the key id is the client's text until a registered key matches it.
            raise SignatureRejected("key_unknown", "the signing key (keyid) is not registered at this hub")
        key, found["org"] = signer
        if key.revoked_at is not None:
            raise SignatureRejected("key_revoked", f"key {key_id} was revoked at {key.revoked_at}")
        return key.public_key

    def admit(key_id: str) -> None:
        org = found.get("org")
        if org is not None:
            _within_rate(hub, key_id, org)
            admitted.append(key_id)

    try:
        verified = verify_message(
            message,
            body,
            public_key_of=public_key_of,
            first_use=hub.nonces.first_use,
            window_seconds=hub.settings.signature_window_seconds,
            admit=admit,
        )
    except SignatureRejected as e:
        if e.reason == "nonce_replayed":
            # A replay of a captured request is refused without spending its party's token:
            # else anyone who saw one request could drain that party's bucket.
            for key_id in admitted:
                hub.limiter.refund(key_id)
        # Not the access log: no caller is proven, so no party can be named for it. Counted here
        # by reason, so an operator sees a partner's broken clock or a probing client.
        log.warning("request_unauthenticated", reason=e.reason)
        raise Problem(401, e.reason, e.detail) from e
    org = found.get("org")
    if org is None:  # a key row without its organisation: refuse rather than guess
        raise Problem(401, "key_unknown", f"key {verified.key_id} belongs to no organisation")
    traceparent = message.headers.get("traceparent", "")
    return Caller(
        org=org,
        key_id=verified.key_id,
        actor=verified.actor,
        request_id=current_request_id() or uuid.uuid4().hex,
        trace_id=traceparent.split("-")[1] if traceparent.count("-") == 3 else None,
    )


def _within_rate(hub: Hub, key_id: str, org: Organisation) -> None:
    # Not the access log: no pupil's data was looked at, and writing an entry per refusal would
    # spend on a flood the capacity the limit protects. Logged and counted by role instead.
    verdict = hub.limiter.take(key_id, org.role.value)
    if not verdict.allowed:
        log.warning("rate_limited", key_id=key_id, role=org.role.value)
        raise Problem(
            429,
            "te-veel-verzoeken",
            f"key {key_id} sent more requests than a {org.role.value} may; retry after Retry-After seconds",
            retry_after=verdict.retry_after,
            headers=verdict.headers,
        )


async def authenticated(request: Request) -> Caller:
    """FastAPI dependency on every /v1 route: verify the signature, name the caller."""
    body = await request.body()
    message = Message.of(request.method, str(request.url), request.headers.items())
    hub: Hub = request.app.state.hub
    caller = await hub.threads.run(_check, hub, message, body)
    request.state.caller = caller
    return caller
