"""The refusals an adapter can give; hub/ turns each into its HTTP status and problem+json."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """Base: `code` is a short stable identifier, `detail` a sentence a developer can act on."""

    code = "geweigerd"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(Refusal):
    """No such resource for this caller (also when it exists but is not theirs: no leaks)."""

    code = "niet-gevonden"


class Forbidden(Refusal):
    """The caller is known but may not do this."""

    code = "niet-toegestaan"


class Conflict(Refusal):
    """The request conflicts with the current state (idempotency key reuse, a concurrent change)."""

    code = "conflict"


class Gone(Refusal):
    """The record was erased (crypto-shredded)."""

    code = "gewist"


class Invalid(Refusal):
    """The request breaks a domain rule; `field` is the API path of the offending field."""

    code = "ongeldige-invoer"

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}", fouten=[{"veld": field, "melding": detail}])
        self.field = field
