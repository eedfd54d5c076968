"""The thuiszitter case at the API's edge: the bodies it takes and the views it gives.

A view is built from every releasable field of a case by its policy name; the use cases in
adapters/casus.py answer with only the fields `decide` released. Notes are a field of their
own (`casus.notities`), so a view without them still shows every action of the logbook.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import Field

from adapters.common import LeerlingId, School, Strict
from adapters.disclosure import withheld_view
from audit.entries import AccessEntry
from consent.decision import Decision
from domain.casuslijsten import Actie, Reden, RegieReden, Regierol, Resultaat
from domain.casuslogboek import MAX_NOTE_LENGTH
from domain.casusregie import Casusregisseur
from domain.thuiszittercasus import Thuiszittercasus

GEMEENTE = r"^GM[0-9]{4}$"
ORGANISATIE = r"^(school|swv|leerplicht|jeugdteam):[A-Za-z0-9-]{2,40}$"


class CasusIn(Strict):
    """Open a case: the pupil, the day it started sitting at home, why; from a melding or directly."""

    leerling: LeerlingId
    school: School | None = Field(None, description="School of registration; none when there is no registration")
    woongemeente: str | None = Field(None, pattern=GEMEENTE, description="Needed unless `melding` names it")
    thuis_sinds: date
    reden: Reden
    melding: UUID | None = Field(None, description="The verzuimmelding of this pupil the case comes from")
    zorg_voorliggend: bool = Field(False, description="The weight lies in care: the jeugdteam gets regie (003 §2.3)")


class RegisseurIn(Strict):
    """A regisseur: the role, and the organisation when it is a party of the hub (never a person)."""

    rol: Regierol
    organisatie: str | None = Field(None, pattern=ORGANISATIE, examples=["swv:PO2801"])


class RegieIn(Strict):
    """A change of regie: the new regisseur(s) and why."""

    regisseurs: list[RegisseurIn] = Field(min_length=1, max_length=4)
    reden: RegieReden
    toelichting: str = Field("", max_length=MAX_NOTE_LENGTH)


class LogboekIn(Strict):
    """One action: when, what, a short note; `correctie_van` names the entry it corrects."""

    datum: date
    actie: Actie
    notitie: str = Field("", max_length=MAX_NOTE_LENGTH)
    correctie_van: int | None = Field(None, ge=1)


class CasusSluitingIn(Strict):
    """Close with a result and a short note on it (002 step 18)."""

    resultaat: Resultaat
    notitie: str = Field(min_length=1, max_length=MAX_NOTE_LENGTH)


class HeropeningIn(Strict):
    """Reopen a closed case as a new one: since when the pupil sits at home again."""

    thuis_sinds: date
    reden: Reden | None = Field(None, description="Default: the closed case's reason")
    zorg_voorliggend: bool = False


def regisseurs_of(body: RegieIn) -> list[Casusregisseur]:
    return [Casusregisseur(r.rol, r.organisatie) for r in body.regisseurs]


def _regie(history: dict[str, Any]) -> dict[str, Any]:
    return {k: history[k] for k in ("regisseurs", "reden", "sinds", "door")}


def klok_view(case: Thuiszittercasus, today: date) -> dict[str, Any]:
    stand = case.klok(today)
    return {
        "weken_thuis": stand.weken_thuis,
        "stadium": stand.stadium.value,
        "aanbod_uiterlijk": stand.aanbod_uiterlijk.isoformat(),
        "vlag": stand.vlag,
    }


def case_values(case: Thuiszittercasus, today: date) -> dict[str, Any]:
    """Every releasable field of a case by its policy name; a view picks the released ones."""
    sluiting = case.sluiting or {}
    history = case.regiegeschiedenis
    return {
        "leerling.referentie": case.subject,
        "school.brin": case.school[:4] if case.school else None,
        "school.vestiging": case.school[4:] if case.school else None,
        "casus.reden": case.reden.value,
        "casus.thuis_sinds": case.thuis_sinds.isoformat(),
        "casus.herkomst": {"melding": case.melding, "vorige": case.vorige, "opvolger": case.opvolger},
        "casus.regie": {"regisseurs": history[-1]["regisseurs"], "geschiedenis": [_regie(h) for h in history]},
        "casus.logboek": [
            {"nummer": r.nummer, "datum": r.datum.isoformat(), "door": r.door, "actie": r.actie.value}
            | ({"correctie_van": r.correctie_van} if r.correctie_van else {})
            for r in case.logboek
        ],
        "casus.notities": {
            "logboek": {str(r.nummer): r.notitie for r in case.logboek if r.notitie},
            "regie": [h["toelichting"] for h in history if h["toelichting"]],
            "sluiting": sluiting.get("notitie"),
        },
        "casus.klok": klok_view(case, today),
        "casus.resultaat": {
            "status": case.status.value,
            "resultaat": sluiting.get("resultaat"),
            "op": sluiting.get("op"),
        },
    }


def writer_view(case: Thuiszittercasus, today: date) -> dict[str, Any]:
    """What a write answers: the case's state, its regie and clock (the writer's own doing), no notes."""
    values = case_values(case, today)
    return {
        "id": str(case.id),
        "status": case.status.value,
        "regisseurs": values["casus.regie"]["regisseurs"],
        "klok": values["casus.klok"],
        "logboek": len(case.logboek),
        "versie": case.version,
    }


def read_view(case: Thuiszittercasus, decision: Decision, log: AccessEntry, peildatum: date) -> dict[str, Any]:
    """A read of the case: the released fields only (the clock as of `peildatum`), what was withheld,
    and the logged afweging."""
    values = case_values(case, peildatum)
    return {
        "peildatum": peildatum.isoformat(),
        "id": str(case.id),
        "status": case.status.value,
        "versie": case.version,
        "gegevens": {name: values[name] for name in sorted(decision.released)},
        "achtergehouden": withheld_view(decision),
        "afweging": log.afweging,
    }
