"""The thuiszitter case's use cases: open, read, log an action, change regie, close, reopen.

Opening documents an involvement, it does not create one: the school must be the pupil's
school of registration, the SWV the SWV of that school, leerplicht that of the woongemeente
(003 §4.3); so no party can make itself involved by opening a case. Every read is weighed by
`decide` and logged before it is answered; every write is logged in its own commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from nacl.signing import VerifyKey

from adapters import casustafel
from adapters.answers import Answer
from adapters.casusmodellen import (
    CasusIn,
    CasusSluitingIn,
    HeropeningIn,
    LogboekIn,
    RegieIn,
    read_view,
    regisseurs_of,
    writer_view,
)
from adapters.casusopening import Opening, opening_of, protocol_for
from adapters.casustoegang import KIND, PURPOSE, context, find_case, load_involved, require_keeper
from adapters.common import domain_refusal, pseudonym_of, today, write_entry
from adapters.disclosure import decide, involved_with, now
from adapters.errors import Conflict
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, Persistence, RecordGone, Requester, load_as
from domain.catalogue import THUISZITTERSREGISTRATIE
from domain.errors import DomainError
from domain.parties import Role
from domain.purpose import LegalBasis
from domain.thuiszittercasus import CasusStatus, Thuiszittercasus

BASIS = LegalBasis.PUBLIEKE_TAAK.value
# A case read asks for everything the registration holds; the policy releases per role.
READ_FIELDS = tuple(sorted(THUISZITTERSREGISTRATIE.minimal_fields))
PATHS = {"regisseurs": "regisseurs", "reden": "reden", "op": "thuis_sinds"}


@logs_refusals(PURPOSE)
def open_(p: Persistence, who: Requester, body: CasusIn) -> Answer:
    """Open a case (201); 409 while the pupil has an open case."""
    subject = pseudonym_of(p, body.leerling.pupil_id())
    opening = opening_of(p, who, body, subject)
    _no_open_case(p, subject)
    try:
        case = Thuiszittercasus.open(
            subject,
            geopend_door=who.org.org_id,
            woongemeente=opening.woongemeente,
            thuis_sinds=body.thuis_sinds,
            reden=body.reden,
            vandaag=today(),
            school=opening.school,
            melding=str(body.melding) if body.melding else None,
            zorg_voorliggend=body.zorg_voorliggend,
            protocol=protocol_for(p, opening),
            organisaties=opening.organisaties,
        )
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit([case], log=[write_entry(who, case, READ_FIELDS, PURPOSE, BASIS)], directory=[_row(case, opening)])
    return Answer(201, writer_view(case, today()))


def _row(case: Thuiszittercasus, opening: Opening) -> DirectoryEntry:
    return DirectoryEntry(
        case.id, KIND, PURPOSE, opening.keeper, case.subject, gemeente=case.woongemeente, receiver_org=opening.addressee
    )


def _no_open_case(p: Persistence, subject: str) -> None:
    for entry in p.of_subject(subject):
        if entry.kind != KIND:
            continue
        try:
            case = load_as(p, Thuiszittercasus, entry.record_id)
        except RecordGone:
            continue
        if case.status is CasusStatus.OPEN:
            raise Conflict(f"this pupil has an open thuiszittercasus already: {case.id}", casus=str(case.id))


@logs_refusals(PURPOSE)
def read(
    p: Persistence,
    keys: Mapping[str, VerifyKey],
    who: Requester,
    record_id: UUID,
    receipt: str | None = None,
    peildatum: date | None = None,
    at: datetime | None = None,
) -> Answer:
    """The case as the policy releases it to this party, with the afweging it logged first.

    The clock stands as of `peildatum` (default today): a coordinator looks ahead to see when a
    case reaches its next stage if nothing changes. The jeugdteam reads at the table, under the
    parents' consent (adapters/casustafel.py)."""
    at = at or now()
    on = peildatum or at.date()
    if who.org.role is Role.JEUGDTEAM:
        return casustafel.read(p, keys, who, record_id, READ_FIELDS, receipt, at, on)
    return _read(p, who, record_id, at, on)


def _read(p: Persistence, who: Requester, record_id: UUID, at: datetime, on: date) -> Answer:
    case, entry, involved = _open(p, who, record_id, at)
    decision, log = decide(
        who,
        PURPOSE,
        context(entry, involved),
        READ_FIELDS,
        presented=None,
        last_changed=case.modified_on,
        record_id=case.id,
        at=at,
    )
    p.log([log])  # fail closed: no entry, no answer
    return Answer(200, read_view(case, decision, log, on))


@logs_refusals(PURPOSE)
def log_action(p: Persistence, who: Requester, record_id: UUID, body: LogboekIn) -> Answer:
    """Add one action to the logbook (201, with its number)."""
    answer = _change(
        p,
        who,
        record_id,
        ("casus.logboek", "casus.notities"),
        lambda c: c.log(
            datum=body.datum,
            door=who.org.org_id,
            actie=body.actie,
            notitie=body.notitie,
            vandaag=today(),
            correctie_van=body.correctie_van,
        ),
    )
    return Answer(201, answer.body | {"nummer": answer.body["logboek"]})


@logs_refusals(PURPOSE)
def change_regie(p: Persistence, who: Requester, record_id: UUID, body: RegieIn) -> Answer:
    """Regie to other regisseur(s), for a reason; the history stays."""
    return _change(
        p,
        who,
        record_id,
        ("casus.regie", "casus.notities"),
        lambda c: c.wijzig_regie(
            regisseurs_of(body), body.reden, op=today(), door=who.org.org_id, toelichting=body.toelichting
        ),
    )


@logs_refusals(PURPOSE)
def close(p: Persistence, who: Requester, record_id: UUID, body: CasusSluitingIn) -> Answer:
    """Close with a result and a note: the keeper of the registration only; read-only from then on."""
    return _change(
        p,
        who,
        record_id,
        ("casus.resultaat", "casus.notities"),
        lambda c: c.sluit(body.resultaat, body.notitie, op=today(), door=who.org.org_id),
        keeper_only=True,
    )


@logs_refusals(PURPOSE)
def reopen(p: Persistence, who: Requester, record_id: UUID, body: HeropeningIn) -> Answer:
    """A new case linked to the closed one (201); the closed one stays as it was reported."""
    case, entry, _ = _open(p, who, record_id, now())
    require_keeper(who, entry)
    opening = Opening(case.school, case.woongemeente, entry.owner_org, entry.receiver_org, {})
    try:
        new = case.heropen(
            door=who.org.org_id,
            thuis_sinds=body.thuis_sinds,
            vandaag=today(),
            reden=body.reden,
            zorg_voorliggend=body.zorg_voorliggend,
            protocol=case.protocol,
            organisaties={r.rol: r.organisatie for r in case.regisseurs if r.organisatie},
        )
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit(
        [case, new],
        log=[
            write_entry(who, case, ("casus.herkomst",), PURPOSE, BASIS),
            write_entry(who, new, READ_FIELDS, PURPOSE, BASIS),
        ],
        directory=[_row(new, opening)],
    )
    return Answer(201, writer_view(new, today()) | {"vorige": str(case.id)})


def _open(
    p: Persistence, who: Requester, record_id: UUID, at: datetime
) -> tuple[Thuiszittercasus, DirectoryEntry, frozenset[str]]:
    entry = find_case(p, who, record_id)
    involved = involved_with(p, entry.subject, at)
    return load_involved(p, who, entry, involved), entry, involved


def _change(
    p: Persistence,
    who: Requester,
    record_id: UUID,
    fields: tuple[str, ...],
    change: Callable[[Thuiszittercasus], Any],
    *,
    keeper_only: bool = False,
) -> Answer:
    case, entry, _ = _open(p, who, record_id, now())
    if keeper_only:
        require_keeper(who, entry)
    try:
        change(case)
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit([case], log=[write_entry(who, case, fields, PURPOSE, BASIS)])
    return Answer(200, writer_view(case, today()))
