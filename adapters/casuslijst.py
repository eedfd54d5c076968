"""The caller's thuiszitter cases: the SWV's registration, leerplicht's gemeente, a school's pupils.

Each item shows the stage and flags a case past a threshold (casusregie, doorbraak, the
deadline; domain/casusklok.py). Every item is weighed by `decide` and the page's entries are
logged before it is answered; a case whose pupil the caller is no longer involved with is not
listed, an erased one is listed as erased. With `open`, closed cases are skipped unweighed.
"""

from __future__ import annotations

from typing import Any

from adapters.answers import Answer
from adapters.casusmodellen import case_values
from adapters.casustoegang import KIND, PURPOSE, context, is_involved, require_case_role
from adapters.disclosure import decide, now, withheld_view
from adapters.guard import logs_refusals
from adapters.ports import DirectoryEntry, Persistence, RecordGone, RecordMissing, Requester, load_many_as
from domain.parties import Role
from domain.thuiszittercasus import CasusStatus, Thuiszittercasus

LIST_FIELDS = (
    "leerling.referentie",
    "school.brin",
    "school.vestiging",
    "casus.reden",
    "casus.thuis_sinds",
    "casus.klok",
    "casus.resultaat",
)


def _page(p: Persistence, who: Requester, after: int, limit: int) -> list[tuple[int, DirectoryEntry]]:
    org = who.org
    if org.role is Role.LEERPLICHT:
        return p.feed(KIND, org.code, after, limit)
    if org.role is Role.SWV:
        return p.owned(KIND, org.org_id, after, limit)
    # A school keeps the cases of its pupils outside an SWV and is addressed by the SWV's.
    merged = p.owned(KIND, org.org_id, after, limit) + p.received(KIND, org.org_id, after, limit)
    return sorted(merged, key=lambda row: row[0])[:limit]


@logs_refusals(PURPOSE)
def listing(p: Persistence, who: Requester, after: int, limit: int, only_open: bool) -> Answer:
    """One page of the caller's cases after the cursor, each with its stage and flag."""
    require_case_role(who)
    at = now()
    page = _page(p, who, after, limit)
    involved = p.involved({e.subject for _, e in page}, at)
    listed = [(seq, entry) for seq, entry in page if is_involved(who, entry, involved[entry.subject])]
    # The page's cases at once (their events in one read, their keys in another), loaded as one by one.
    cases = load_many_as(p, Thuiszittercasus, [entry.record_id for _, entry in listed])
    items: list[dict[str, Any]] = []
    entries = []
    for seq, entry in listed:
        case = cases.get(entry.record_id)
        if case is None:
            raise RecordMissing(f"{entry.record_id} is no {Thuiszittercasus.__name__}")
        if isinstance(case, RecordGone):
            items.append({"id": str(entry.record_id), "cursor": seq, "gewist": True})
            continue
        if only_open and case.status is not CasusStatus.OPEN:
            continue
        decision, log = decide(
            who,
            PURPOSE,
            context(entry, involved[entry.subject]),
            LIST_FIELDS,
            presented=None,
            last_changed=case.modified_on,
            record_id=case.id,
            at=at,
        )
        entries.append(log)
        values = case_values(case, at.date())
        released = {name: values[name] for name in sorted(decision.released)}
        items.append(
            {
                "id": str(case.id),
                "cursor": seq,
                "vlag": released["casus.klok"]["vlag"] if "casus.klok" in released else None,
                "gegevens": released,
                "achtergehouden": withheld_view(decision),
                "afweging": log.afweging,
            }
        )
    if entries:
        p.log(entries)  # fail closed: the page leaves only after its entries are stored
    return Answer(200, {"items": items, "volgende": page[-1][0] if page else after})
