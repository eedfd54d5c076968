"""Pieces every party adapter shares: strict edge models, role checks, log entries, error mapping."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.errors import Conflict, Forbidden, Gone, Invalid
from adapters.ports import DirectoryEntry, Persistence, R, RecordGone, Requester, load_as
from audit.entries import AccessEntry, Action
from audit.refusals import Refused
from domain.errors import DomainError, InvalidValue
from domain.identifiers import PupilId, PupilIdKind
from domain.parties import Role


class Strict(BaseModel):
    """Edge models refuse unknown fields: a typo must not be silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LeerlingId(Strict):
    """A pupil by exactly one of BSN and onderwijsnummer."""

    bsn: str | None = Field(None, description="BSN (9 digits, elfproef)", examples=["999990019"])
    onderwijsnummer: str | None = Field(None, description="Onderwijsnummer (for pupils without BSN)")

    @model_validator(mode="after")
    def _one_id(self) -> LeerlingId:
        if (self.bsn is None) == (self.onderwijsnummer is None):
            raise ValueError("give exactly one of bsn and onderwijsnummer")
        return self

    def pupil_id(self, path: str = "leerling") -> PupilId:
        kind = PupilIdKind.BSN if self.bsn is not None else PupilIdKind.ONDERWIJSNUMMER
        try:
            return PupilId.parse(self.bsn or self.onderwijsnummer or "", kind)
        except InvalidValue as e:
            raise Invalid(f"{path}.{kind.value}", e.message) from e


class School(Strict):
    """A school location: BRIN + vestiging."""

    brin: str = Field(pattern=r"^[0-9]{2}[A-Z0-9]{2}$", examples=["12AB"])
    vestiging: str = Field(pattern=r"^[0-9]{2}$", examples=["00"])

    @property
    def code(self) -> str:
        return self.brin + self.vestiging


def today() -> date:
    return datetime.now(UTC).date()


def require_role(who: Requester, role: Role, subject: str | None = None) -> None:
    """Refuse (and, through adapters/guard.py, log) a caller of another role; `subject` is the
    pupil the request names, if any."""
    if who.org.role is not role:
        raise Forbidden(f"only a {role.value} may do this; you are registered as {who.org.role.value}", subject=subject)


def require_signing_school(who: Requester, school: School, subject: str | None = None) -> None:
    """A school pushes only for itself: the school in the body must be the signing organisation."""
    require_role(who, Role.SCHOOL, subject)
    if school.code != who.org.code:
        raise Forbidden(
            f"school {school.code} in the body is not the signing school {who.org.code}",
            refused=Refused.WRONG_SCHOOL,
            subject=subject,
        )


def load_listed(p: Persistence, kind: type[R], entry: DirectoryEntry) -> R:
    """The record a directory row lists; erased, a 410 that names (in the access log) whose it was."""
    try:
        return load_as(p, kind, entry.record_id)
    except RecordGone as e:
        raise Gone(
            "this record was erased (its key was destroyed) and cannot be read",
            subject=entry.subject,
            record_id=str(entry.record_id),
        ) from e


def pseudonym_of(p: Persistence, pupil: PupilId) -> str:
    """The hub's pseudonym of a pupil named in a request body."""
    return p.pseudonym(pupil.kind.value, pupil.value)


def write_entry(who: Requester, record: Any, fields: tuple[str, ...], purpose: str, basis: str) -> AccessEntry:
    """The access-log entry of a write: who wrote which fields of whose record."""
    return written(who, record.subject, str(record.id), fields, purpose, basis)


def written(
    who: Requester, subject: str, record_id: str, fields: tuple[str, ...], purpose: str, basis: str
) -> AccessEntry:
    """The access-log entry of a write of the pupil `subject`'s data, by record id."""
    return AccessEntry(
        action=Action.WRITE,
        org_id=who.org.org_id,
        role=who.org.role.value,
        purpose=purpose,
        legal_basis=basis,
        subject=subject,
        record_id=record_id,
        actor=who.actor,
        fields=fields,
        decision="allow",
        request_id=who.request_id,
        trace_id=who.trace_id,
    )


def domain_refusal(error: DomainError, paths: dict[str, str]) -> Invalid | Conflict:
    """A domain rule's refusal in API terms: a bad value (422, with its API path) or a state conflict (409)."""
    if isinstance(error, InvalidValue):
        return Invalid(paths.get(error.field, error.field), error.message)
    return Conflict(str(error))
