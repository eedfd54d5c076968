"""The id of the request being handled: in its log lines, its problem document and its access-log entry."""

from __future__ import annotations

import uuid
from contextvars import ContextVar

_REQUEST_ID: ContextVar[str | None] = ContextVar("ketenhub_request_id", default=None)


def new_request_id() -> str:
    """A fresh id for this context's request; never the client's, which could carry anything."""
    request_id = uuid.uuid4().hex
    _REQUEST_ID.set(request_id)
    return request_id


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def instance_uri() -> str | None:
    """The request id as the RFC 9457 `instance` of a problem document."""
    request_id = _REQUEST_ID.get()
    return None if request_id is None else f"urn:uuid:{uuid.UUID(hex=request_id)}"
