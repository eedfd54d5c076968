"""Leerplicht's adapter: the meldingen of its gemeente, and the actions it records on them."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from adapters.answers import Answer
from adapters.common import Strict, domain_refusal, require_role, write_entry
from adapters.errors import NotFound
from adapters.ports import Persistence, Requester
from adapters.school.verzuim import BASIS, KIND, PATHS
from domain.errors import DomainError
from domain.parties import Role
from domain.verzuim import MasRoute
from domain.verzuimmelding import Verzuimmelding


class ActieIn(Strict):
    """Leerplicht's action on a melding (MAS route); `geen_actie` needs a reason."""

    route: MasRoute
    toelichting: str = Field("", max_length=4000)


def _of_my_gemeente(p: Persistence, who: Requester, record_id: UUID) -> Verzuimmelding:
    require_role(who, Role.LEERPLICHT)
    entry = p.directory_entry(record_id)
    if entry is None or entry.kind != KIND or entry.gemeente != who.org.code:
        raise NotFound(f"no verzuimmelding {record_id} for {who.org.code}")
    return p.load(record_id)


def record_actie(p: Persistence, who: Requester, record_id: UUID, body: ActieIn) -> Answer:
    """Leerplicht of the woongemeente records its MAS route; another gemeente gets 404."""
    melding = _of_my_gemeente(p, who, record_id)
    try:
        melding.record_actie(body.route, by_gemeente=who.org.code, note=body.toelichting)
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit([melding], log=[write_entry(who, melding, ("acties.leerplicht",), KIND, BASIS)])
    return Answer(201, {"id": str(melding.id), "status": melding.status.value, "acties": len(melding.actions)})
