"""The thuiszitter case: the SWV's thuiszittersregistratie of one pupil, with regie, logbook and clock.

Opened by a party involved with the pupil (the school of registration, its SWV, or leerplicht
of the woongemeente: 003 §4.3) with the day the pupil started sitting at home and a reason
category; the hub proposes the regisseur(s) (domain/casusregie.py), a change of regie needs a
reason and keeps the history (002 step 6); the logbook holds one entry per action (002 step 4,
domain/casuslogboek.py); the clock reads the region's protocol (domain/casusklok.py). A case
closes with a result and a short note (002 step 18) and is read-only from then on; reopening
makes a new case linked to the old one. Kept for the purpose `thuiszittersregistratie`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from domain.casusklok import Klokstand, klokstand
from domain.casuslijsten import Actie, Reden, RegieReden, Regierol, Resultaat, kies
from domain.casuslogboek import Logregel, new_entry, note
from domain.casusregie import Casusregisseur, check_regisseurs, regiewijziging, voorgestelde_regie
from domain.errors import InvalidValue, NotEditable
from domain.identifiers import ensure_pseudonym, parse_school, validate_gemeentecode
from domain.protocol import WETTELIJK, Verzuimprotocol, protocol_by_name
from domain.records import PupilRecord


class CasusStatus(StrEnum):
    """Open, or closed (read-only)."""

    OPEN = "open"
    GESLOTEN = "gesloten"


class Thuiszittercasus(PupilRecord):
    """One pupil's thuiszitter case."""

    PURPOSE = "thuiszittersregistratie"

    def __init__(self, purpose: str, subject: str) -> None:
        super().__init__(purpose, subject)

    if TYPE_CHECKING:
        _geopend_door: str
        _school: str | None
        _woongemeente: str
        _thuis_sinds: str
        _reden: str
        _protocol: str
        _melding: str | None
        _vorige: str | None
        _regie: list[dict[str, Any]]
        _logboek: list[dict[str, Any]]
        _status: str
        _sluiting: dict[str, Any] | None
        _opvolger: str | None

    class Created(PupilRecord.Created):
        """The case was opened, with the regie the hub proposed."""

        geopend_door: str
        school: str | None
        woongemeente: str
        thuis_sinds: str
        reden: str
        protocol: str
        melding: str | None
        vorige: str | None
        regie: dict[str, Any]

        def apply(self, aggregate: Thuiszittercasus) -> None:
            aggregate._geopend_door, aggregate._school = self.geopend_door, self.school
            aggregate._woongemeente, aggregate._thuis_sinds = self.woongemeente, self.thuis_sinds
            aggregate._reden, aggregate._protocol = self.reden, self.protocol
            aggregate._melding, aggregate._vorige = self.melding, self.vorige
            aggregate._regie, aggregate._logboek = [dict(self.regie)], []
            aggregate._status, aggregate._sluiting, aggregate._opvolger = CasusStatus.OPEN.value, None, None

    class RegieGewijzigd(PupilRecord.Event):
        """Regie passed to other regisseur(s), for a reason."""

        wijziging: dict[str, Any]

        def apply(self, aggregate: Thuiszittercasus) -> None:
            aggregate._regie = [*aggregate._regie, dict(self.wijziging)]

    class Gelogd(PupilRecord.Event):
        """An entry was added to the logbook."""

        regel: dict[str, Any]

        def apply(self, aggregate: Thuiszittercasus) -> None:
            aggregate._logboek = [*aggregate._logboek, dict(self.regel)]

    class Gesloten(PupilRecord.Event):
        """The case was closed with a result and a note."""

        sluiting: dict[str, Any]

        def apply(self, aggregate: Thuiszittercasus) -> None:
            aggregate._status, aggregate._sluiting = CasusStatus.GESLOTEN.value, dict(self.sluiting)

    class Heropend(PupilRecord.Event):
        """A new case continues this closed one."""

        opvolger: str

        def apply(self, aggregate: Thuiszittercasus) -> None:
            aggregate._opvolger = self.opvolger

    # ------------------------------------------------------------ commands

    @classmethod
    def open(
        cls,
        subject: str,
        *,
        geopend_door: str,
        woongemeente: str,
        thuis_sinds: date,
        reden: Reden,
        vandaag: date,
        school: str | None = None,
        melding: str | None = None,
        vorige: str | None = None,
        zorg_voorliggend: bool = False,
        protocol: Verzuimprotocol = WETTELIJK,
        organisaties: Mapping[Regierol, str] | None = None,
    ) -> Thuiszittercasus:
        """Open a case for the pupil with pseudonym `subject`; regie as the hub proposes it."""
        ensure_pseudonym(subject)
        reden = kies(Reden, reden, "reden")
        if thuis_sinds > vandaag:
            raise InvalidValue("thuis_sinds", "lies in the future")
        rollen = voorgestelde_regie(
            has_school=school is not None,
            care_is_main_need=zorg_voorliggend,
            exempt=reden is Reden.VRIJSTELLING,
            protocol=protocol,
        )
        known = organisaties or {}
        return cls.start(
            subject=subject,
            geopend_door=geopend_door,
            school=parse_school(school).code if school is not None else None,
            woongemeente=validate_gemeentecode(woongemeente, "woongemeente"),
            thuis_sinds=thuis_sinds.isoformat(),
            reden=reden.value,
            protocol=protocol_by_name(protocol.name).name,
            melding=melding,
            vorige=vorige,
            regie=regiewijziging([Casusregisseur(r, known.get(r)) for r in rollen], None, vandaag, geopend_door, ""),
        )

    def wijzig_regie(
        self, regisseurs: Sequence[Casusregisseur], reden: RegieReden, *, op: date, door: str, toelichting: str = ""
    ) -> None:
        """Regie passes to `regisseurs`, for `reden`; the earlier regie stays in the history."""
        self._require_open()
        checked = check_regisseurs(regisseurs)
        reden = kies(RegieReden, reden, "reden")
        if list(checked) == list(self.regisseurs):
            raise InvalidValue("regisseurs", "are the regisseurs already")
        self.trigger_event(self.RegieGewijzigd, wijziging=regiewijziging(checked, reden, op, door, toelichting))

    def log(
        self, *, datum: date, door: str, actie: Actie, notitie: str, vandaag: date, correctie_van: int | None = None
    ) -> Logregel:
        """Add one entry to the logbook and return it."""
        self._require_open()
        actie = kies(Actie, actie, "actie")
        regel = new_entry(
            self.logboek,
            datum=datum,
            door=door,
            actie=actie,
            notitie=notitie,
            vandaag=vandaag,
            correctie_van=correctie_van,
        )
        self.trigger_event(self.Gelogd, regel=regel.to_event())
        return regel

    def sluit(self, resultaat: Resultaat, notitie: str, *, op: date, door: str) -> None:
        """Close with a result and a short note (002 step 18); the case is read-only from then on."""
        self._require_open()
        resultaat = kies(Resultaat, resultaat, "resultaat")
        if op < self.thuis_sinds:
            raise InvalidValue("op", "lies before thuis_sinds")
        sluiting = {
            "resultaat": resultaat.value,
            "notitie": note(notitie, "notitie", required=True),
            "op": op.isoformat(),
            "door": door,
        }
        self.trigger_event(self.Gesloten, sluiting=sluiting)

    def heropen(
        self,
        *,
        door: str,
        thuis_sinds: date,
        vandaag: date,
        reden: Reden | None = None,
        zorg_voorliggend: bool = False,
        protocol: Verzuimprotocol = WETTELIJK,
        organisaties: Mapping[Regierol, str] | None = None,
    ) -> Thuiszittercasus:
        """A new case for the same pupil, linked to this closed one (which stays as it was)."""
        if self.status is not CasusStatus.GESLOTEN:
            raise NotEditable("only a closed case can be reopened")
        if self._opvolger is not None:
            raise NotEditable(f"this case was reopened already as {self._opvolger}")
        new = Thuiszittercasus.open(
            self.subject,
            geopend_door=door,
            woongemeente=self._woongemeente,
            thuis_sinds=thuis_sinds,
            reden=reden or self.reden,
            vandaag=vandaag,
            school=self._school,
            vorige=str(self.id),
            zorg_voorliggend=zorg_voorliggend,
            protocol=protocol,
            organisaties=organisaties,
        )
        self.trigger_event(self.Heropend, opvolger=str(new.id))
        return new

    def _require_open(self) -> None:
        if self.status is not CasusStatus.OPEN:
            raise NotEditable("a closed case is read-only; reopen it as a new case")

    # ------------------------------------------------------------ queries

    @property
    def status(self) -> CasusStatus:
        return CasusStatus(self._status)

    @property
    def geopend_door(self) -> str:
        return self._geopend_door

    @property
    def school(self) -> str | None:
        return self._school

    @property
    def woongemeente(self) -> str:
        return self._woongemeente

    @property
    def thuis_sinds(self) -> date:
        return date.fromisoformat(self._thuis_sinds)

    @property
    def reden(self) -> Reden:
        return Reden(self._reden)

    @property
    def protocol(self) -> Verzuimprotocol:
        return protocol_by_name(self._protocol)

    @property
    def melding(self) -> str | None:
        return self._melding

    @property
    def vorige(self) -> str | None:
        return self._vorige

    @property
    def opvolger(self) -> str | None:
        return self._opvolger

    @property
    def regisseurs(self) -> tuple[Casusregisseur, ...]:
        """Who holds regie now."""
        return tuple(Casusregisseur.from_event(r) for r in self._regie[-1]["regisseurs"])

    @property
    def regiegeschiedenis(self) -> tuple[dict[str, Any], ...]:
        """Every regie, oldest first: regisseurs, reden (None: the hub's proposal), since, by whom, note."""
        return tuple(dict(r) for r in self._regie)

    @property
    def logboek(self) -> tuple[Logregel, ...]:
        return tuple(Logregel.from_event(r) for r in self._logboek)

    @property
    def sluiting(self) -> dict[str, Any] | None:
        """Result, note, day and who closed it; None while open."""
        return dict(self._sluiting) if self._sluiting else None

    def klok(self, op: date) -> Klokstand:
        """The clock on `op`; a closed case's clock stopped on the day it closed."""
        stop = date.fromisoformat(self._sluiting["op"]) if self._sluiting else op
        return klokstand(self.thuis_sinds, max(min(op, stop), self.thuis_sinds), self.protocol)


__all__ = ["CasusStatus", "Thuiszittercasus"]
