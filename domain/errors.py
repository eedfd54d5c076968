"""The domain's exception types.

Every rule the domain enforces fails with one of these, so the HTTP layer can map
them to `application/problem+json` without knowing the rules: `InvalidValue` (and
its subclasses) names the offending `field`; the others name a state conflict.

Messages never contain a pupil identifier or other personal data: they end up in
logs and HTTP answers.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error raised by a domain rule."""


class InvalidValue(DomainError, ValueError):
    """A value breaks a domain rule; `field` names it for a problem+json `detail`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class InvalidIdentifier(InvalidValue):
    """A BSN, onderwijsnummer, BRIN, vestiging, gemeentecode or SWV code is malformed."""


class InvalidPeriod(InvalidValue):
    """A period is out of order, lies in the future, or does not fit the school calendar."""


class InvalidTransition(DomainError):
    """A record was asked to move to a state its current state does not lead to."""

    def __init__(self, record: str, current: str, target: str) -> None:
        super().__init__(f"{record}: cannot go from {current!r} to {target!r}")
        self.record = record
        self.current = current
        self.target = target


class RecordWithdrawn(DomainError):
    """The record was withdrawn; it refuses every further change."""


class WrongParty(DomainError):
    """The party named in a command is not the one the rule assigns the step to."""


class NotEditable(DomainError):
    """The record has left the state in which its content may still be edited."""
