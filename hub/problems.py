"""Errors as `application/problem+json` (RFC 9457): every refusal says what to fix."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters import errors
from adapters.ports import ConcurrentChange, RecordGone, RecordMissing
from hub.requestid import instance_uri
from infra.keystore import MasterKeyMismatch

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    410: "Gone",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    499: "Client Closed Request",
    500: "Internal Server Error",
    503: "Service Unavailable",
    507: "Insufficient Storage",
}
log = structlog.get_logger("hub.problems")

# One place for the status of every refusal an adapter or the store can give.
REFUSAL_STATUS: dict[type[errors.Refusal], int] = {
    errors.Invalid: 422,
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.Conflict: 409,
    errors.Gone: 410,
}


class Problem(Exception):
    """Raise to answer with a problem document; `type_` is a short stable code."""

    def __init__(self, status: int, type_: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.type_ = type_
        self.detail = detail
        self.extra = extra


def problem_document(status: int, type_: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The RFC 9457 body: a stable `type` per refusal, the status's title, what to fix."""
    document = {
        "type": f"https://ketenhub.nl/problemen/{type_}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    instance = instance_uri()
    if instance is not None:  # the request id: what an operator finds this request's log lines by
        document["instance"] = instance
    return document


def problem_response(
    status: int,
    type_: str,
    detail: str,
    *,
    retry_after: int | None = None,
    close: bool = False,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Signature realm="ketenhub"'
    if retry_after is not None:  # when to ask again
        headers["Retry-After"] = str(retry_after)
    if close:  # the request was not read to its end: the connection cannot carry another
        headers["Connection"] = "close"
    body = problem_document(status, type_, detail, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    # Never echo the input value back: it may be a BSN or a name.
    return [{"veld": _field_path(tuple(e.get("loc", ()))), "melding": str(e.get("msg", ""))} for e in exc.errors()]


def install(app: FastAPI) -> None:
    """Route every error the app can raise to a problem document."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.type_, exc.detail, **exc.extra)

    @app.exception_handler(errors.Refusal)
    async def _refusal(_: Request, exc: errors.Refusal) -> JSONResponse:
        status = next((REFUSAL_STATUS[c] for c in type(exc).__mro__ if c in REFUSAL_STATUS), 400)
        return problem_response(status, exc.code, exc.detail, **exc.extra)

    @app.exception_handler(RecordGone)
    async def _gone(_: Request, exc: RecordGone) -> JSONResponse:
        return problem_response(410, "gewist", "this record was erased (its key was destroyed) and cannot be read")

    @app.exception_handler(RecordMissing)
    async def _missing(_: Request, exc: RecordMissing) -> JSONResponse:
        return problem_response(404, "niet-gevonden", "no such record")

    @app.exception_handler(ConcurrentChange)
    async def _concurrent(_: Request, exc: ConcurrentChange) -> JSONResponse:
        return problem_response(
            409, "gelijktijdige-wijziging", "the record changed while this request was handled; read it again and retry"
        )

    @app.exception_handler(MasterKeyMismatch)
    async def _stale_master(request: Request, exc: MasterKeyMismatch) -> JSONResponse:
        # Not the client's doing: this process runs on a master key rotated away (or a key row was
        # altered). An operator must act; the client may retry against a restarted hub.
        log.error("master_key_mismatch")
        return problem_response(
            503,
            "sleutel-vervangen",
            "the hub cannot open its keys (master key replaced); retry later",
            retry_after=request.app.state.hub.settings.retry_after_seconds,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        if any(e["melding"].startswith("JSON decode error") for e in errors):
            return problem_response(400, "ongeldige-json", "the body is not valid JSON", fouten=errors)
        first = errors[0] if errors else {"veld": "body", "melding": "invalid"}
        return problem_response(422, "ongeldige-invoer", f"{first['veld']}: {first['melding']}", fouten=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, "http", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
        return problem_response(500, "interne-fout", "the hub could not complete this request")
