"""The refusals an adapter can give; hub/ turns each into its HTTP status and problem+json."""

from __future__ import annotations

from typing import Any

from audit.refusals import Refused


class Refusal(Exception):
    """Base: `code` is a short stable identifier, `detail` a sentence a developer can act on.

    `extra` goes into the problem document; `on_record` says what the access log records of
    the refusal (adapters/guard.py): why (a closed code), and whose data, by pseudonym.
    """

    code = "geweigerd"
    refused: Refused | None = None  # None: not a refusal on a pupil's data (bad input, a conflict)

    def __init__(
        self,
        detail: str,
        *,
        refused: Refused | None = None,
        subject: str | None = None,
        record_id: str | None = None,
        purpose: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        if refused is not None:
            self.refused = refused
        self.subject = subject
        self.record_id = record_id
        self.purpose = purpose
        self.logged = False


class NotFound(Refusal):
    """No such resource for this caller (also when it exists but is not theirs: no leaks)."""

    code = "niet-gevonden"
    refused = Refused.NOT_FOUND


class Forbidden(Refusal):
    """The caller is known but may not do this."""

    code = "niet-toegestaan"
    refused = Refused.WRONG_ROLE


class Conflict(Refusal):
    """The request conflicts with the current state (idempotency key reuse, a concurrent change)."""

    code = "conflict"


class Gone(Refusal):
    """The record was erased (crypto-shredded)."""

    code = "gewist"
    refused = Refused.ERASED


class Invalid(Refusal):
    """The request breaks a domain rule; `field` is the API path of the offending field."""

    code = "ongeldige-invoer"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}", fouten=[{"veld": field, "melding": detail}])
        self.field = field
