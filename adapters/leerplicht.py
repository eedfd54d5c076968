"""Leerplicht's adapter: the feed of its gemeente's meldingen, the thuiszitter case, and its actions.

The feed releases the legal minimum of the `verzuimmelding` purpose, item by item
through the policy, each decision logged before the page is answered. The case view
(`thuiszitterstafel`) needs a consent receipt naming this leerplicht; without one the
policy answers with the less intrusive signal, and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from uuid import UUID

from nacl.signing import VerifyKey
from pydantic import Field

from adapters.answers import Answer
from adapters.common import Strict, domain_refusal, load_listed, require_role, write_entry
from adapters.disclosure import check_receipt, decide, involved_with, now, withheld_view
from adapters.errors import Forbidden, NotFound
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, Persistence, RecordGone, Requester, load_as
from adapters.school.verzuim import BASIS, KIND, PATHS
from adapters.signalen import signalen
from audit.refusals import Refused
from consent.decision import Decision
from consent.request import SubjectContext
from domain.errors import DomainError
from domain.parties import Role
from domain.verzuim import MasRoute
from domain.verzuimmelding import Verzuimmelding


class ActieIn(Strict):
    """Leerplicht's action on a melding (MAS route); `geen_actie` needs a reason."""

    route: MasRoute
    toelichting: str = Field("", max_length=4000)


FEED_FIELDS = (
    "leerling.naam",
    "leerling.geboortedatum",
    "leerling.id",
    "school.brin",
    "school.vestiging",
    "verzuim.soort",
    "verzuim.periode",
    "verzuim.uren",
    "verzuim.te_laat",
    "acties.school",
)
# A signal is read from these fields, so it is shown only where they are released.
SIGNAL_FIELDS = frozenset({"verzuim.soort", "verzuim.periode", "verzuim.uren"})
CASE_PURPOSE = "thuiszitterstafel"
CASE_FIELDS = (
    "leerling.naam",
    "leerling.geboortedatum",
    "leerling.id",
    "school.brin",
    "school.vestiging",
    "casus.verzuimhistorie",
    "signaal.open_melding",
)


def melding_values(m: Verzuimmelding) -> dict[str, Any]:
    """Every releasable field of a melding by its policy name; a view picks the released ones."""
    d = m.details
    return {
        "leerling.naam": d.pupil_name,
        "leerling.geboortedatum": d.birth_date.isoformat(),
        "leerling.id": {d.pupil_id_kind.value: d.pupil_id},
        "leerling.referentie": m.subject,
        "school.brin": d.school_brin,
        "school.vestiging": d.school_vestiging,
        "verzuim.soort": m.classified_kind.value,
        "verzuim.periode": {"begin": d.period_start.isoformat(), "eind": d.period_end.isoformat()},
        "verzuim.uren": d.hours,
        "verzuim.te_laat": d.late_count,
        "acties.school": [a.value for a in d.school_actions],
        "acties.toelichting": d.note,
        "signaal.open_melding": not m.is_withdrawn,
    }


def released(values: dict[str, Any], decision: Decision) -> dict[str, Any]:
    return {name: values[name] for name in sorted(decision.released) if name in values}


def _require_gemeente(who: Requester, gemeente: str, subject: str | None = None) -> None:
    """Leerplicht of this gemeente only; `subject` is the pupil of the record asked for, if any."""
    require_role(who, Role.LEERPLICHT, subject)
    if who.org.code != gemeente:
        raise Forbidden(
            f"you are leerplicht of {who.org.code}; the feed of {gemeente} is not yours",
            refused=Refused.WRONG_GEMEENTE,
            subject=subject,
        )


def _melding_context(m: Verzuimmelding, owner_org: str, involved: frozenset[str]) -> SubjectContext:
    return SubjectContext(
        subject=m.subject, woongemeente=m.recipient, school=owner_org, recorded_by=owner_org, involved=involved
    )


@logs_refusals(KIND)
def feed(p: Persistence, who: Requester, gemeente: str, after: int, limit: int) -> Answer:
    """The meldingen routed to `gemeente` after the cursor, minimal fields, each weighed and logged."""
    _require_gemeente(who, gemeente)
    at = now()
    items: list[dict[str, Any]] = []
    entries = []
    page = p.feed(KIND, gemeente, after, limit)
    involved = p.involved({e.subject for _, e in page}, at)
    for seq, entry in page:
        try:
            melding = load_as(p, Verzuimmelding, entry.record_id)
        except RecordGone:
            items.append({"id": str(entry.record_id), "cursor": seq, "gewist": True})
            continue
        decision, log = decide(
            who,
            KIND,
            _melding_context(melding, entry.owner_org, involved[entry.subject]),
            FEED_FIELDS,
            presented=None,
            last_changed=melding.modified_on,
            record_id=melding.id,
            at=at,
        )
        entries.append(log)
        items.append(
            {
                "id": str(melding.id),
                "cursor": seq,
                "status": melding.status.value,
                "gegevens": released(melding_values(melding), decision),
                "signalen": signalen(melding) if decision.released >= SIGNAL_FIELDS else [],
                "achtergehouden": withheld_view(decision),
                "afweging": log.afweging,
            }
        )
    if entries:
        p.log(entries)  # fail closed: the page leaves only after its entries are stored
    return Answer(200, {"items": items, "volgende": items[-1]["cursor"] if items else after})


@logs_refusals(CASE_PURPOSE)
def case(
    p: Persistence, keys: Mapping[str, VerifyKey], who: Requester, gemeente: str, record_id: UUID, receipt: str | None
) -> Answer:
    """The thuiszitter case of the melding's pupil: with a receipt the consented case data, else a signal."""
    listed = p.directory_entry(record_id)  # a refusal names the melding's pupil, for the parent's inzage
    _require_gemeente(who, gemeente, listed.subject if listed is not None and listed.kind == KIND else None)
    melding, entry = _of_my_gemeente(p, who, record_id)
    at = now()
    presented = None
    if receipt is not None:
        presented = check_receipt(p, keys, who, receipt, purpose=CASE_PURPOSE, subject=melding.subject, at=at)
    decision, log = decide(
        who,
        CASE_PURPOSE,
        replace(
            _melding_context(melding, entry.owner_org, involved_with(p, melding.subject, at)),
            swv=p.swv_of(entry.owner_org),  # a consent the school's SWV recorded reaches the school's melding
        ),
        CASE_FIELDS,
        presented=presented,
        last_changed=melding.modified_on,
        record_id=melding.id,
        at=at,
    )
    p.log([log])
    values = melding_values(melding)
    values["casus.verzuimhistorie"] = _history(p, gemeente, melding.subject)
    return Answer(
        200,
        {
            "id": str(melding.id),
            "doel": CASE_PURPOSE,
            "gegevens": released(values, decision),
            "achtergehouden": withheld_view(decision),
            "afweging": log.afweging,
        },
    )


def _history(p: Persistence, gemeente: str, subject: str) -> list[dict[str, Any]]:
    """The pupil's meldingen routed to this gemeente, oldest first: kind and period only."""
    history = []
    for entry in p.of_subject(subject):
        if entry.kind != KIND or entry.gemeente != gemeente:
            continue
        try:
            m = load_as(p, Verzuimmelding, entry.record_id)
        except RecordGone:
            continue
        history.append(
            {
                "soort": m.classified_kind.value,
                "begin": m.details.period_start.isoformat(),
                "eind": m.details.period_end.isoformat(),
                "status": m.status.value,
            }
        )
    return history


def _of_my_gemeente(p: Persistence, who: Requester, record_id: UUID) -> tuple[Verzuimmelding, DirectoryEntry]:
    entry = p.directory_entry(record_id)
    subject = entry.subject if entry is not None and entry.kind == KIND else None
    require_role(who, Role.LEERPLICHT, subject)
    if entry is None or subject is None or entry.gemeente != who.org.code:
        raise NotFound(f"no verzuimmelding {record_id} for {who.org.code}", subject=subject, record_id=str(record_id))
    return load_listed(p, Verzuimmelding, entry), entry


@logs_refusals(KIND)
def record_actie(p: Persistence, who: Requester, record_id: UUID, body: ActieIn) -> Answer:
    """Leerplicht of the woongemeente records its MAS route; another gemeente gets 404."""
    melding, _ = _of_my_gemeente(p, who, record_id)
    try:
        melding.record_actie(body.route, by_gemeente=who.org.code, note=body.toelichting)
    except DomainError as e:
        raise domain_refusal(e, PATHS) from e
    p.commit([melding], log=[write_entry(who, melding, ("acties.leerplicht",), KIND, BASIS)])
    return Answer(201, {"id": str(melding.id), "status": melding.status.value, "acties": len(melding.actions)})
