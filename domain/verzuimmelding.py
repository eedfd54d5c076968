"""Verzuimmelding: a school's report of verzuim to leerplicht of the pupil's woongemeente.

The record is kept for the purpose `verzuimmelding` (legal obligation, Leerplichtwet). Its
life: gemeld (Created) → corrected any number of times (each correction an event with the
old and new values) → leerplicht records its MAS route (ActieVastgelegd, which the school
can see, 002 §1.3) → possibly withdrawn, after which it refuses every change.

Event fields and aggregate state hold only JSON-friendly values (str, int, float, bool,
list, dict, None) plus the datetimes eventsourcing already transcodes: dates travel as ISO
strings, enums as their values, so events and snapshots need no custom transcoding. Typed
views (`details`, `actions`) are built on read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from domain.errors import InvalidIdentifier, InvalidValue, RecordWithdrawn, WrongParty
from domain.identifiers import (
    PupilId,
    PupilIdKind,
    SchoolVestiging,
    ensure_pseudonym,
    parse_school,
    validate_gemeentecode,
)
from domain.protocol import WETTELIJK, Verzuimprotocol
from domain.records import PupilRecord
from domain.verzuim import (
    Herregistratie,
    MasRoute,
    Measure,
    Registratie,
    SchoolActie,
    VerzuimKind,
    classify_melding,
    measure_of,
    route_melding,
    validate_hours,
    validate_late_count,
    validate_period,
    valt_onder_meldplicht,
)

E = TypeVar("E", bound=StrEnum)

MAX_NAME_LENGTH = 200
MAX_TEXT_LENGTH = 4000

MELDING_FIELDS = (
    "school_brin",
    "school_vestiging",
    "woongemeente",
    "pupil_name",
    "birth_date",
    "pupil_id_kind",
    "pupil_id",
    "kind",
    "period_start",
    "period_end",
    "hours",
    "late_count",
    "school_actions",
    "note",
    "filed_on",
)
# The pupil id kind goes with the pseudonym (a wrong number means a wrong subject: withdraw
# and file again); the filing date is a fact, and the deadline is judged against it.
CORRECTABLE_FIELDS = frozenset(MELDING_FIELDS) - {"pupil_id_kind", "pupil_id", "filed_on"}


class MeldingStatus(StrEnum):
    """Where a melding stands."""

    GEMELD = "gemeld"
    ACTIE_VASTGELEGD = "actie_vastgelegd"
    INGETROKKEN = "ingetrokken"


@dataclass(frozen=True)
class MeldingDetails:
    """The content of a melding, typed; `to_event()` gives its JSON-friendly form."""

    school_brin: str
    school_vestiging: str
    woongemeente: str
    pupil_name: str
    birth_date: date
    pupil_id_kind: PupilIdKind
    pupil_id: str
    kind: VerzuimKind
    period_start: date
    period_end: date
    hours: float | None
    late_count: int | None
    school_actions: tuple[SchoolActie, ...]
    note: str
    filed_on: date

    @property
    def school(self) -> SchoolVestiging:
        """The reporting school location."""
        return SchoolVestiging(self.school_brin, self.school_vestiging)

    def to_event(self) -> dict[str, Any]:
        """The fields as event values: ISO dates, enum values, lists."""
        return {
            "school_brin": self.school_brin,
            "school_vestiging": self.school_vestiging,
            "woongemeente": self.woongemeente,
            "pupil_name": self.pupil_name,
            "birth_date": self.birth_date.isoformat(),
            "pupil_id_kind": self.pupil_id_kind.value,
            "pupil_id": self.pupil_id,
            "kind": self.kind.value,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "hours": self.hours,
            "late_count": self.late_count,
            "school_actions": [a.value for a in self.school_actions],
            "note": self.note,
            "filed_on": self.filed_on.isoformat(),
        }

    @classmethod
    def from_event(cls, values: Mapping[str, Any]) -> MeldingDetails:
        """Rebuild from event values without re-judging them: rules may change, history not."""
        return cls(
            school_brin=values["school_brin"],
            school_vestiging=values["school_vestiging"],
            woongemeente=values["woongemeente"],
            pupil_name=values["pupil_name"],
            birth_date=date.fromisoformat(values["birth_date"]),
            pupil_id_kind=PupilIdKind(values["pupil_id_kind"]),
            pupil_id=values["pupil_id"],
            kind=VerzuimKind(values["kind"]),
            period_start=date.fromisoformat(values["period_start"]),
            period_end=date.fromisoformat(values["period_end"]),
            hours=values["hours"],
            late_count=values["late_count"],
            school_actions=tuple(SchoolActie(a) for a in values["school_actions"]),
            note=values["note"],
            filed_on=date.fromisoformat(values["filed_on"]),
        )

    def as_arguments(self) -> dict[str, Any]:
        """The typed fields as keyword arguments of `validate_melding`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class ActieState(TypedDict):
    """A recorded MAS route as the aggregate keeps it (JSON-friendly, see `LeerplichtActie`)."""

    route: str
    note: str
    by_gemeente: str
    recorded_at: datetime


@dataclass(frozen=True)
class LeerplichtActie:
    """An action leerplicht recorded on a melding (MAS route, note, which gemeente, when)."""

    route: MasRoute
    note: str
    by_gemeente: str
    recorded_at: datetime


def _text(value: object, field: str, max_length: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidValue(field, "must be text")
    text = value.strip()
    if required and not text:
        raise InvalidValue(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    return text


def _date(value: object, field: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidValue(field, "must be a date (YYYY-MM-DD)")
    return value


def _enum(enum: type[E], value: object, field: str) -> E:
    if isinstance(value, str):  # a member is a str too
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum)
    raise InvalidValue(field, f"must be one of: {allowed}")


def _school_actions(values: Iterable[object]) -> tuple[SchoolActie, ...]:
    if isinstance(values, str) or not isinstance(values, Iterable):  # a correction may send null
        raise InvalidValue("school_actions", "must be a list")
    actions = (_enum(SchoolActie, v, "school_actions") for v in values)
    return tuple(dict.fromkeys(actions))  # duplicates dropped, order kept


def validate_melding(
    *,
    school_brin: str,
    school_vestiging: str,
    woongemeente: str,
    pupil_name: str,
    birth_date: date,
    pupil_id_kind: PupilIdKind | str,
    pupil_id: str,
    kind: VerzuimKind | str,
    period_start: date,
    period_end: date,
    hours: float | None = None,
    late_count: int | None = None,
    school_actions: Iterable[SchoolActie | str] = (),
    note: str = "",
    filed_on: date,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> MeldingDetails:
    """Check a melding's content against every rule and return it in canonical form.

    The minimal data of the purpose (domain.md, "Purposes"): pupil identity, school, kind,
    period, hours or times, the actions the school already took (002 §1.3: "Hoe beter de
    verzuimmelding wordt gevuld, bijvoorbeeld ook met de acties die school al heeft
    ondernomen ...").
    """
    school = SchoolVestiging(school_brin, school_vestiging)
    filed = _date(filed_on, "filed_on")
    validate_period(period_start, period_end, today=filed)
    born = _date(birth_date, "birth_date")
    if born >= period_start:
        raise InvalidValue("birth_date", "must lie before the period")
    if not valt_onder_meldplicht(born, period_start, period_end, protocol):
        raise InvalidValue(
            "birth_date",
            "the pupil is neither leerplichtig (5 to 16) nor kwalificatieplichtig (to 18) in the period; "
            "a verzuimmelding is only of those pupils (003 §3.2)",
        )
    try:
        id_kind = PupilIdKind(pupil_id_kind)
    except ValueError:
        raise InvalidIdentifier("pupil_id_kind", "must be 'bsn' or 'onderwijsnummer'") from None
    # The number itself travels only inside the sealed event: leerplicht needs it to act
    # (the legal minimal set names "pupil identity"); indexes hold the pseudonym only.
    pupil = PupilId(id_kind, pupil_id)
    verzuim_kind = _enum(VerzuimKind, kind, "kind")
    measure = measure_of(verzuim_kind)
    if measure is Measure.HOURS:
        if late_count is not None:
            raise InvalidValue("late_count", f"a melding of {verzuim_kind.value} counts hours")
        if hours is None:
            raise InvalidValue("hours", f"a melding of {verzuim_kind.value} needs the hours")
        hours = validate_hours(hours, period_start, period_end, protocol, free_days)
    elif measure is Measure.TIMES:
        if hours is not None:
            raise InvalidValue("hours", "a te-laat melding counts times, not hours")
        if late_count is None:
            raise InvalidValue("late_count", "a te-laat melding needs the number of times")
        late_count = validate_late_count(late_count, period_start, period_end, protocol, free_days)
    elif hours is not None or late_count is not None:
        raise InvalidValue("hours", f"a melding of {verzuim_kind.value} counts no hours or times")
    return MeldingDetails(
        school_brin=school.brin,
        school_vestiging=school.vestiging,
        woongemeente=route_melding(woongemeente),
        pupil_name=_text(pupil_name, "pupil_name", MAX_NAME_LENGTH, required=True),
        birth_date=born,
        pupil_id_kind=id_kind,
        pupil_id=pupil.value,
        kind=verzuim_kind,
        period_start=period_start,
        period_end=period_end,
        hours=hours,
        late_count=late_count,
        school_actions=_school_actions(school_actions),
        note=_text(note, "note", MAX_TEXT_LENGTH, required=False),
        filed_on=filed,
    )


def classify(
    details: MeldingDetails,
    protocol: Verzuimprotocol = WETTELIJK,
    free_days: Collection[date] = (),
) -> Registratie:
    """The kind the melding is registered as, and why (see `domain.verzuim.classify_melding`)."""
    return classify_melding(
        details.kind,
        period_start=details.period_start,
        period_end=details.period_end,
        filed_on=details.filed_on,
        hours=details.hours,
        late_count=details.late_count,
        protocol=protocol,
        free_days=free_days,
    )


class Verzuimmelding(PupilRecord):
    """A verzuimmelding about one pupil, routed to leerplicht of the woongemeente."""

    PURPOSE = "verzuimmelding"

    def __init__(self, purpose: str, subject: str) -> None:
        # eventsourcing makes every subclass of the dataclass PupilRecord a dataclass with
        # a generated argument-less __init__ that would skip PupilRecord.__init__.
        super().__init__(purpose, subject)

    if TYPE_CHECKING:
        # The state the events' `apply` set, declared for the type checker only: a
        # class-level annotation would make eventsourcing turn it into a dataclass field.
        _fields: dict[str, Any]  # the event values of MELDING_FIELDS (see MeldingDetails.to_event)
        _classified_kind: str
        _registered_because: list[str]
        _protocol_name: str
        _status: str
        _actions: list[ActieState]
        _withdrawal_reason: str | None

    class Created(PupilRecord.Created):
        """Gemeld: the school filed the melding."""

        school_brin: str
        school_vestiging: str
        woongemeente: str
        pupil_name: str
        birth_date: str
        pupil_id_kind: str
        pupil_id: str
        kind: str
        period_start: str
        period_end: str
        hours: float | None
        late_count: int | None
        school_actions: list[str]
        note: str
        filed_on: str
        classified_kind: str
        protocol_name: str
        # Added later: older events hold none (their answer then names no rule).
        registered_because: list[str] = field(default_factory=list)

        def apply(self, aggregate: Verzuimmelding) -> None:
            aggregate._fields = {name: getattr(self, name) for name in MELDING_FIELDS}
            aggregate._fields["school_actions"] = list(self.school_actions)
            aggregate._classified_kind = self.classified_kind
            aggregate._registered_because = list(getattr(self, "registered_because", ()))
            aggregate._protocol_name = self.protocol_name
            aggregate._status = MeldingStatus.GEMELD.value
            aggregate._actions = []
            aggregate._withdrawal_reason = None

    class Corrected(PupilRecord.Event):
        """The school corrected fields; `previous` keeps what they said before."""

        changes: dict[str, Any]
        previous: dict[str, Any]
        reason: str
        classified_kind: str
        protocol_name: str
        registered_because: list[str] = field(default_factory=list)

        def apply(self, aggregate: Verzuimmelding) -> None:
            aggregate._fields = {**aggregate._fields, **self.changes}
            aggregate._classified_kind = self.classified_kind
            aggregate._registered_because = list(getattr(self, "registered_because", ()))
            aggregate._protocol_name = self.protocol_name

    class Withdrawn(PupilRecord.Event):
        """The school withdrew the melding."""

        reason: str

        def apply(self, aggregate: Verzuimmelding) -> None:
            aggregate._status = MeldingStatus.INGETROKKEN.value
            aggregate._withdrawal_reason = self.reason

    class ActieVastgelegd(PupilRecord.Event):
        """Leerplicht of the woongemeente recorded its MAS route."""

        route: str
        note: str
        by_gemeente: str

        def apply(self, aggregate: Verzuimmelding) -> None:
            aggregate._actions = [
                *aggregate._actions,
                {
                    "route": self.route,
                    "note": self.note,
                    "by_gemeente": self.by_gemeente,
                    "recorded_at": self.timestamp,
                },
            ]
            aggregate._status = MeldingStatus.ACTIE_VASTGELEGD.value

    # ------------------------------------------------------------ commands

    @classmethod
    def file(
        cls,
        subject: str,
        *,
        school: SchoolVestiging | str,
        woongemeente: str,
        pupil_name: str,
        birth_date: date,
        pupil_id_kind: PupilIdKind | str,
        pupil_id: str,
        kind: VerzuimKind | str,
        period_start: date,
        period_end: date,
        filed_on: date,
        hours: float | None = None,
        late_count: int | None = None,
        school_actions: Iterable[SchoolActie | str] = (),
        note: str = "",
        protocol: Verzuimprotocol = WETTELIJK,
        free_days: Collection[date] = (),
    ) -> Verzuimmelding:
        """File a melding for the pupil with pseudonym `subject` (never the BSN itself)."""
        ensure_pseudonym(subject)
        location = parse_school(school)
        details = validate_melding(
            school_brin=location.brin,
            school_vestiging=location.vestiging,
            woongemeente=woongemeente,
            pupil_name=pupil_name,
            birth_date=birth_date,
            pupil_id_kind=pupil_id_kind,
            pupil_id=pupil_id,
            kind=kind,
            period_start=period_start,
            period_end=period_end,
            hours=hours,
            late_count=late_count,
            school_actions=school_actions,
            note=note,
            filed_on=filed_on,
            protocol=protocol,
            free_days=free_days,
        )
        registratie = classify(details, protocol, free_days)
        return cls.start(
            subject=subject,
            **details.to_event(),
            classified_kind=registratie.kind.value,
            protocol_name=protocol.name,
            registered_because=[r.value for r in registratie.redenen],
        )

    def correct(
        self,
        changes: Mapping[str, Any],
        *,
        reason: str = "",
        protocol: Verzuimprotocol = WETTELIJK,
        free_days: Collection[date] = (),
    ) -> None:
        """Correct fields (typed values, as `file` takes them); the melding is re-judged
        against the original filing date. A correction that changes nothing records
        nothing."""
        self._refuse_if_withdrawn()
        unknown = sorted(set(changes) - CORRECTABLE_FIELDS)
        if unknown:
            raise InvalidValue(unknown[0], "cannot be corrected")
        arguments = {**self.details.as_arguments(), **changes}
        corrected = validate_melding(**arguments, protocol=protocol, free_days=free_days)
        new_values = corrected.to_event()
        diff = {k: v for k, v in new_values.items() if v != self._fields[k]}
        if not diff:
            return
        registratie = classify(corrected, protocol, free_days)
        self.trigger_event(
            self.Corrected,
            changes=diff,
            previous={k: self._fields[k] for k in diff},
            reason=_text(reason, "reason", MAX_TEXT_LENGTH, required=False),
            classified_kind=registratie.kind.value,
            protocol_name=protocol.name,
            registered_because=[r.value for r in registratie.redenen],
        )

    def withdraw(self, reason: str) -> None:
        """Withdraw the melding; a reason is required so leerplicht knows why."""
        self._refuse_if_withdrawn()
        self.trigger_event(self.Withdrawn, reason=_text(reason, "reason", MAX_TEXT_LENGTH, required=True))

    def record_actie(self, route: MasRoute | str, *, by_gemeente: str, note: str = "") -> None:
        """Leerplicht records its MAS route (003 §3.2). Only leerplicht of the woongemeente
        may; choosing no action needs a note saying why."""
        self._refuse_if_withdrawn()
        mas_route = _enum(MasRoute, route, "route")
        gemeente = validate_gemeentecode(by_gemeente, "by_gemeente")
        if gemeente != self.recipient:
            raise WrongParty(f"only leerplicht of {self.recipient} records actions on this melding, not {gemeente}")
        text = _text(note, "note", MAX_TEXT_LENGTH, required=mas_route is MasRoute.GEEN_ACTIE)
        self.trigger_event(self.ActieVastgelegd, route=mas_route.value, note=text, by_gemeente=gemeente)

    def _refuse_if_withdrawn(self) -> None:
        if self.is_withdrawn:
            raise RecordWithdrawn("the melding was withdrawn and accepts no further changes")

    # ------------------------------------------------------------ queries

    @property
    def details(self) -> MeldingDetails:
        """The current content, typed."""
        return MeldingDetails.from_event(self._fields)

    @property
    def classified_kind(self) -> VerzuimKind:
        """The kind the melding is registered as (a late 16-uursmelding: overig)."""
        return VerzuimKind(self._classified_kind)

    @property
    def registered_because(self) -> tuple[Herregistratie, ...]:
        """The rules that made the registered kind differ from the kind sent (none when equal)."""
        return tuple(Herregistratie(r) for r in getattr(self, "_registered_because", ()))

    @property
    def protocol_name(self) -> str:
        """The verzuimprotocol the melding was last judged by."""
        return self._protocol_name

    @property
    def status(self) -> MeldingStatus:
        """gemeld, actie_vastgelegd or ingetrokken."""
        return MeldingStatus(self._status)

    @property
    def is_withdrawn(self) -> bool:
        """Whether the school withdrew the melding."""
        return self.status is MeldingStatus.INGETROKKEN

    @property
    def withdrawal_reason(self) -> str | None:
        """Why it was withdrawn, if it was."""
        return self._withdrawal_reason

    @property
    def recipient(self) -> str:
        """The gemeentecode of the leerplicht that receives the melding."""
        return str(self._fields["woongemeente"])

    @property
    def actions(self) -> tuple[LeerplichtActie, ...]:
        """What leerplicht recorded, oldest first (the school may see these, 002 §1.3)."""
        return tuple(
            LeerplichtActie(
                route=MasRoute(a["route"]),
                note=a["note"],
                by_gemeente=a["by_gemeente"],
                recorded_at=a["recorded_at"],
            )
            for a in self._actions
        )
