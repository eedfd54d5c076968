"""Warme overdracht: the handover dossier from a sending to a receiving school.

At every school change the sending school hands over the written onderwijskundig rapport,
and schoolaanwezigheid is part of it (003 §3.1: "Bij elke schoolwisseling vindt een warme
overdracht plaats waarin schoolaanwezigheid onderdeel is van de dossieroverdracht").
Parents sign for the rapport with the aanmelding, not for the warm (extra) part: each warm
item is shared only with their consent (004 ch. 7). The record is kept for the purpose
`warme-overdracht`.

Life: concept → verstuurd → ontvangen → gesloten; a concept that will not be sent may be
closed directly so that retention can end it. Content changes only while concept.
`check_overdracht_transition` is the one place the order is decided.

Event fields and state are JSON-friendly (see domain/verzuimmelding.py for why).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidTransition, InvalidValue, NotEditable, WrongParty
from domain.fields import WarmOnderwerp, is_warm_key
from domain.identifiers import PupilId, PupilIdKind, SchoolVestiging, ensure_pseudonym, parse_school
from domain.records import PupilRecord

MAX_TEXT_LENGTH = 8000
MAX_LABEL_LENGTH = 200


class OverdrachtStatus(StrEnum):
    """The states of an overdracht."""

    CONCEPT = "concept"
    VERSTUURD = "verstuurd"
    ONTVANGEN = "ontvangen"
    GESLOTEN = "gesloten"


OVERDRACHT_TRANSITIONS: Mapping[OverdrachtStatus, frozenset[OverdrachtStatus]] = MappingProxyType(
    {
        OverdrachtStatus.CONCEPT: frozenset({OverdrachtStatus.VERSTUURD, OverdrachtStatus.GESLOTEN}),
        OverdrachtStatus.VERSTUURD: frozenset({OverdrachtStatus.ONTVANGEN}),
        OverdrachtStatus.ONTVANGEN: frozenset({OverdrachtStatus.GESLOTEN}),
        OverdrachtStatus.GESLOTEN: frozenset(),
    }
)


def check_overdracht_transition(current: OverdrachtStatus, target: OverdrachtStatus) -> None:
    """Raise `InvalidTransition` unless `current` may move to `target`."""
    if target not in OVERDRACHT_TRANSITIONS[current]:
        raise InvalidTransition("overdracht", current.value, target.value)


@dataclass(frozen=True)
class OnderwijskundigRapport:
    """The written rapport, in structured sections; `verzuim_samenvatting` is required."""

    verzuim_samenvatting: str
    schooladvies: str = ""
    leerresultaten: str = ""
    ondersteuningsbehoefte: str = ""
    opp_aanwezig: bool = False

    def to_event(self) -> dict[str, Any]:
        """The sections as event values."""
        return {
            "verzuim_samenvatting": self.verzuim_samenvatting,
            "schooladvies": self.schooladvies,
            "leerresultaten": self.leerresultaten,
            "ondersteuningsbehoefte": self.ondersteuningsbehoefte,
            "opp_aanwezig": self.opp_aanwezig,
        }

    @classmethod
    def from_event(cls, values: Mapping[str, Any]) -> OnderwijskundigRapport:
        """Rebuild from event values."""
        return cls(**values)


@dataclass(frozen=True)
class WarmItem:
    """One item of the warm handover; always needs parental consent (004 ch. 7)."""

    key: str  # a topic of domain.fields.WarmOnderwerp
    text: str
    requires_consent: bool = True
    label: str = ""  # the school's own name for it: sealed with the item, never a field name

    def to_event(self) -> dict[str, Any]:
        """The item as event values."""
        return {"key": self.key, "text": self.text, "requires_consent": self.requires_consent, "label": self.label}

    @classmethod
    def from_event(cls, values: Mapping[str, Any]) -> WarmItem:
        """Rebuild from event values."""
        return cls(**values)


@dataclass(frozen=True)
class Leerling:
    """Who the overdracht is about, as the receiving school needs to match it to its aanmelding."""

    pupil_id: PupilId
    name: str
    birth_date: date

    def to_event(self) -> dict[str, Any]:
        """The identity as event values (sealed with the record, never indexed)."""
        return {
            "kind": self.pupil_id.kind.value,
            "id": self.pupil_id.value,
            "name": self.name,
            "birth_date": self.birth_date.isoformat(),
        }

    @classmethod
    def from_event(cls, values: Mapping[str, Any]) -> Leerling:
        """Rebuild from event values."""
        return cls(
            PupilId(PupilIdKind(values["kind"]), values["id"]), values["name"], date.fromisoformat(values["birth_date"])
        )


def _text(value: object, field: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidValue(field, "must be text")
    text = value.strip()
    if required and not text:
        raise InvalidValue(field, "must not be empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidValue(field, f"must be at most {MAX_TEXT_LENGTH} characters")
    return text


def validate_rapport(rapport: OnderwijskundigRapport) -> OnderwijskundigRapport:
    """Check the rapport: the verzuim summary is required, since schoolaanwezigheid is part
    of every overdracht (003 §3.1); the other sections may be empty (a schooladvies exists
    only for the step from po to vo)."""
    if not isinstance(rapport, OnderwijskundigRapport):
        raise InvalidValue("rapport", "must be an onderwijskundig rapport")
    if not isinstance(rapport.opp_aanwezig, bool):
        raise InvalidValue("rapport.opp_aanwezig", "must be true or false")
    return OnderwijskundigRapport(
        verzuim_samenvatting=_text(rapport.verzuim_samenvatting, "rapport.verzuim_samenvatting", required=True),
        schooladvies=_text(rapport.schooladvies, "rapport.schooladvies", required=False),
        leerresultaten=_text(rapport.leerresultaten, "rapport.leerresultaten", required=False),
        ondersteuningsbehoefte=_text(rapport.ondersteuningsbehoefte, "rapport.ondersteuningsbehoefte", required=False),
        opp_aanwezig=rapport.opp_aanwezig,
    )


def validate_warm_item(item: WarmItem) -> WarmItem:
    """Check a warm item: a topic of the closed list, a text, and consent required — a warm item
    that skips consent is refused, not stored (004 ch. 7)."""
    if not isinstance(item, WarmItem):
        raise InvalidValue("warm_items", "must be warm items")
    if not isinstance(item.key, str) or not is_warm_key(item.key):
        raise InvalidValue("warm_items.key", f"must be one of {', '.join(WarmOnderwerp)}")
    if item.requires_consent is not True:
        raise InvalidValue("warm_items.requires_consent", "the warm handover is shared only with consent")
    if not isinstance(item.label, str) or len(item.label) > MAX_LABEL_LENGTH:
        raise InvalidValue("warm_items.label", f"must be text of at most {MAX_LABEL_LENGTH} characters")
    return WarmItem(item.key, _text(item.text, "warm_items.text", required=True), label=item.label)


def validate_parties(sending: SchoolVestiging, receiving: SchoolVestiging) -> None:
    """An overdracht goes from one school location to another."""
    if sending == receiving:
        raise InvalidValue("receiving_school", "must differ from the sending school")


def shareable_warm_items(items: Iterable[WarmItem], consented_keys: Collection[str]) -> tuple[WarmItem, ...]:
    """The warm items the parents consented to; the rest stays with the sending school."""
    return tuple(item for item in items if not item.requires_consent or item.key in consented_keys)


class Overdracht(PupilRecord):
    """A warme overdracht of one pupil from a sending to a receiving school."""

    PURPOSE = "warme-overdracht"

    def __init__(self, purpose: str, subject: str) -> None:
        # See Verzuimmelding.__init__: keeps PupilRecord.__init__ in the chain.
        super().__init__(purpose, subject)

    if TYPE_CHECKING:
        # The state the events' `apply` set, declared for the type checker only: a
        # class-level annotation would make eventsourcing turn it into a dataclass field.
        _leerling: dict[str, Any]  # Leerling.to_event()
        _sending_school: str
        _receiving_school: str
        _rapport: dict[str, Any]  # OnderwijskundigRapport.to_event()
        _warm_items: list[dict[str, Any]]  # WarmItem.to_event() each
        _status: str
        _close_reason: str | None

    class Created(PupilRecord.Created):
        """The sending school drafted the overdracht (concept)."""

        leerling: dict[str, Any]
        sending_school: str
        receiving_school: str
        rapport: dict[str, Any]
        warm_items: list[dict[str, Any]]

        def apply(self, aggregate: Overdracht) -> None:
            aggregate._leerling = dict(self.leerling)
            aggregate._sending_school = self.sending_school
            aggregate._receiving_school = self.receiving_school
            aggregate._rapport = dict(self.rapport)
            aggregate._warm_items = [dict(item) for item in self.warm_items]
            aggregate._status = OverdrachtStatus.CONCEPT.value
            aggregate._close_reason = None

    class RapportUpdated(PupilRecord.Event):
        """The concept's rapport was replaced."""

        rapport: dict[str, Any]

        def apply(self, aggregate: Overdracht) -> None:
            aggregate._rapport = dict(self.rapport)

    class WarmItemAdded(PupilRecord.Event):
        """A warm item was added to the concept."""

        item: dict[str, Any]

        def apply(self, aggregate: Overdracht) -> None:
            aggregate._warm_items = [*aggregate._warm_items, dict(self.item)]

    class WarmItemRemoved(PupilRecord.Event):
        """A warm item was taken out of the concept."""

        key: str

        def apply(self, aggregate: Overdracht) -> None:
            aggregate._warm_items = [i for i in aggregate._warm_items if i["key"] != self.key]

    class Verstuurd(PupilRecord.Event):
        """The sending school sent the overdracht."""

        def apply(self, aggregate: Overdracht) -> None:
            aggregate._status = OverdrachtStatus.VERSTUURD.value

    class Ontvangen(PupilRecord.Event):
        """The receiving school confirmed receipt."""

        def apply(self, aggregate: Overdracht) -> None:
            aggregate._status = OverdrachtStatus.ONTVANGEN.value

    class Gesloten(PupilRecord.Event):
        """The overdracht was closed (handled, or a concept abandoned)."""

        reason: str

        def apply(self, aggregate: Overdracht) -> None:
            aggregate._status = OverdrachtStatus.GESLOTEN.value
            aggregate._close_reason = self.reason

    # ------------------------------------------------------------ commands

    @classmethod
    def draft(
        cls,
        subject: str,
        *,
        leerling: Leerling,
        sending_school: SchoolVestiging | str,
        receiving_school: SchoolVestiging | str,
        rapport: OnderwijskundigRapport,
        warm_items: Iterable[WarmItem] = (),
    ) -> Overdracht:
        """Draft an overdracht for the pupil with pseudonym `subject`."""
        ensure_pseudonym(subject)
        sending = parse_school(sending_school, "sending_school")
        receiving = parse_school(receiving_school, "receiving_school")
        validate_parties(sending, receiving)
        items = [validate_warm_item(item) for item in warm_items]
        keys = [item.key for item in items]
        if len(set(keys)) != len(keys):
            raise InvalidValue("warm_items.key", "each warm item needs its own key")
        if not leerling.name.strip() or len(leerling.name) > MAX_TEXT_LENGTH:
            raise InvalidValue("leerling.name", "must be a name")
        return cls.start(
            subject=subject,
            leerling=leerling.to_event(),
            sending_school=sending.code,
            receiving_school=receiving.code,
            rapport=validate_rapport(rapport).to_event(),
            warm_items=[item.to_event() for item in items],
        )

    def update_rapport(self, rapport: OnderwijskundigRapport) -> None:
        """Replace the rapport of the concept."""
        self._require_concept()
        values = validate_rapport(rapport).to_event()
        if values != self._rapport:
            self.trigger_event(self.RapportUpdated, rapport=values)

    def add_warm_item(self, item: WarmItem) -> None:
        """Add a warm item to the concept (its key must be new)."""
        self._require_concept()
        checked = validate_warm_item(item)
        if any(i["key"] == checked.key for i in self._warm_items):
            raise InvalidValue("warm_items.key", f"{checked.key!r} is already in the overdracht")
        self.trigger_event(self.WarmItemAdded, item=checked.to_event())

    def remove_warm_item(self, key: str) -> None:
        """Take a warm item out of the concept."""
        self._require_concept()
        if not any(i["key"] == key for i in self._warm_items):
            raise InvalidValue("warm_items.key", f"{key!r} is not in the overdracht")
        self.trigger_event(self.WarmItemRemoved, key=key)

    def send(self) -> None:
        """concept → verstuurd."""
        check_overdracht_transition(self.status, OverdrachtStatus.VERSTUURD)
        self.trigger_event(self.Verstuurd)

    def receive(self, by_school: SchoolVestiging | str) -> None:
        """verstuurd → ontvangen; only the receiving school confirms."""
        check_overdracht_transition(self.status, OverdrachtStatus.ONTVANGEN)
        school = parse_school(by_school, "by_school")
        if school != self.receiving_school:
            raise WrongParty(f"only {self.receiving_school.code} confirms receipt, not {school.code}")
        self.trigger_event(self.Ontvangen)

    def close(self, reason: str = "") -> None:
        """ontvangen → gesloten, or abandon a concept (concept → gesloten)."""
        check_overdracht_transition(self.status, OverdrachtStatus.GESLOTEN)
        self.trigger_event(self.Gesloten, reason=_text(reason, "reason", required=False))

    def _require_concept(self) -> None:
        if self.status is not OverdrachtStatus.CONCEPT:
            raise NotEditable(f"an overdracht that is {self.status.value} can no longer be edited")

    # ------------------------------------------------------------ queries

    @property
    def status(self) -> OverdrachtStatus:
        """concept, verstuurd, ontvangen or gesloten."""
        return OverdrachtStatus(self._status)

    @property
    def leerling(self) -> Leerling:
        """Who the overdracht is about."""
        return Leerling.from_event(self._leerling)

    @property
    def sending_school(self) -> SchoolVestiging:
        """The school the pupil leaves."""
        return SchoolVestiging.from_code(self._sending_school)

    @property
    def receiving_school(self) -> SchoolVestiging:
        """The school the pupil goes to."""
        return SchoolVestiging.from_code(self._receiving_school)

    @property
    def rapport(self) -> OnderwijskundigRapport:
        """The onderwijskundig rapport."""
        return OnderwijskundigRapport.from_event(self._rapport)

    @property
    def warm_items(self) -> tuple[WarmItem, ...]:
        """All warm items, whether consented or not: use `shareable_warm_items` to share."""
        return tuple(WarmItem.from_event(i) for i in self._warm_items)

    @property
    def close_reason(self) -> str | None:
        """Why it was closed, once closed."""
        return self._close_reason

    def shareable_warm_items(self, consented_keys: Collection[str]) -> tuple[WarmItem, ...]:
        """The warm items the consent in force covers (004 ch. 7)."""
        return shareable_warm_items(self.warm_items, consented_keys)
