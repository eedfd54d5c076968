"""Request authentication: who is asking, proven by an RFC 9421 signature of a registered key."""

from __future__ import annotations

import uuid

import structlog
from fastapi import Request

from adapters.ports import Requester
from domain.parties import Organisation
from hub.container import Hub
from hub.problems import Problem
from hub.signatures import Message, SignatureRejected, verify_message

Caller = Requester
log = structlog.get_logger("hub.auth")


def _check(hub: Hub, message: Message, body: bytes) -> Caller:
    found: dict[str, Organisation | None] = {}

    def public_key_of(key_id: str) -> bytes:
        signer = hub.orgs.signer(key_id)
        if signer is None:
            raise SignatureRejected("key_unknown", f"key {key_id} is not registered at this hub")
        key, found["org"] = signer
        if key.revoked_at is not None:
            raise SignatureRejected("key_revoked", f"key {key_id} was revoked at {key.revoked_at}")
        return key.public_key

    try:
        verified = verify_message(
            message,
            body,
            public_key_of=public_key_of,
            first_use=hub.nonces.first_use,
            window_seconds=hub.settings.signature_window_seconds,
        )
    except SignatureRejected as e:
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
        request_id=uuid.uuid4().hex,
        trace_id=traceparent.split("-")[1] if traceparent.count("-") == 3 else None,
    )


async def authenticated(request: Request) -> Caller:
    """FastAPI dependency on every /v1 route: verify the signature, name the caller."""
    body = await request.body()
    message = Message.of(request.method, str(request.url), request.headers.items())
    hub: Hub = request.app.state.hub
    caller = await hub.threads.run(_check, hub, message, body)
    request.state.caller = caller
    return caller
