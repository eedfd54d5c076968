"""The SWV's monitoring: counts of meldingen and thuiszitters of its own schools, small cells suppressed.

No names leave the hub for this purpose (`swv-monitoring` releases aggregates only);
counts of 1 to 4 are hidden, and enough others that none can be derived
(consent/monitoring.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

from adapters.answers import Answer
from adapters.common import require_role
from adapters.disclosure import decide
from adapters.errors import Invalid
from adapters.ports import Persistence, RecordGone, Requester, load_as
from consent.monitoring import suppress_small_cells
from consent.request import SubjectContext
from domain.parties import Role
from domain.verzuim import VerzuimKind
from domain.verzuimmelding import Verzuimmelding

PURPOSE = "swv-monitoring"
FIELDS = ("aggregaat.verzuimmeldingen", "aggregaat.thuiszitters")
# Long-lasting relative verzuim and absolute verzuim are the pupils who sit at home (domain.md).
THUISZITTER_KINDS = frozenset({VerzuimKind.LANGDURIG_RELATIEF, VerzuimKind.ABSOLUUT})
_PAGE = 1000


def monitoring(p: Persistence, who: Requester, schools: list[str], start: date, end: date) -> Answer:
    """Counts per kind, per school and per month for meldingen whose period starts in [start, end]."""
    require_role(who, Role.SWV)
    if end < start:
        raise Invalid("tot", "must not lie before van")
    decision, entry = decide(
        who, PURPOSE, SubjectContext(swv=who.org.org_id), FIELDS, presented=None, last_changed=None, record_id=None
    )
    p.log([entry])
    per_kind: Counter[str] = Counter()
    per_school: Counter[str] = Counter()
    per_month: Counter[str] = Counter()
    thuiszitters: dict[str, set[str]] = {}
    for melding, school in _meldingen(p, schools):
        d = melding.details
        if not start <= d.period_start <= end or melding.is_withdrawn:
            continue
        per_kind[melding.classified_kind.value] += 1
        per_school[school] += 1
        per_month[d.period_start.strftime("%Y-%m")] += 1
        if melding.classified_kind in THUISZITTER_KINDS:
            thuiszitters.setdefault(school, set()).add(melding.subject)
    body: dict[str, Any] = {
        "periode": {"van": start.isoformat(), "tot": end.isoformat()},
        "scholen": len(schools),
        "afweging": entry.afweging,
    }
    if "aggregaat.verzuimmeldingen" in decision.released:
        body["verzuimmeldingen"] = {
            "per_soort": _shown(per_kind),
            "per_school": _shown(per_school),
            "per_maand": _shown(per_month),
        }
    if "aggregaat.thuiszitters" in decision.released:
        body["thuiszitters"] = {"per_school": _shown(Counter({s: len(v) for s, v in thuiszitters.items()}))}
    return Answer(200, body)


def _meldingen(p: Persistence, schools: list[str]) -> Iterator[tuple[Verzuimmelding, str]]:
    for school in schools:
        after = 0
        while page := p.owned("verzuimmelding", school, after, _PAGE):
            for _, entry in page:
                try:
                    yield load_as(p, Verzuimmelding, entry.record_id), school
                except RecordGone:
                    continue
            after = page[-1][0]


def _shown(counts: Counter[str]) -> dict[str, Any]:
    result = suppress_small_cells(dict(sorted(counts.items())))
    return {
        "aantallen": {k: result.cells[k] for k in sorted(counts)},
        "totaal": result.total,
        "onderdrukt": sorted(result.suppressed),
    }
