"""The SWV's quarterly report of its thuiszitter cases to the inspectie: counts only, no pupil.

"Deze registratie wordt gebruikt voor kwartaalreportages naar de inspectie" (002 step 18). The
report is read from the cases the SWV keeps (its schools' registrations, adapters/casus.py) under
the purpose `swv-monitoring`, which releases aggregates alone (004 ch. 15); the request is weighed
and logged like every other. Every figure is suppressed so that it holds across quarters
(consent/kwartaal.py). An erased case is no longer counted, in any quarter.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from adapters.answers import Answer
from adapters.casustoegang import KIND
from adapters.common import require_role, today
from adapters.disclosure import decide
from adapters.errors import Invalid
from adapters.guard import logs_refusals
from adapters.ports import Persistence, RecordGone, Requester, load_many_as
from consent.kwartaal import TREND, report
from consent.request import SubjectContext
from domain.errors import InvalidValue
from domain.kwartaalrapportage import feit
from domain.parties import Role
from domain.periods import Periode, kwartaal_terug, kwartalen, parse_kwartaal, vorig_kwartaal
from domain.thuiszittercasus import Thuiszittercasus

PURPOSE = "swv-monitoring"
# The stock and its flows are thuiszitter counts; the cases past their deadline are tijdigheid.
THUISZITTERS, TIJDIGHEID = "aggregaat.thuiszitters", "aggregaat.tijdigheid"
_PAGE = 1000


@logs_refusals(PURPOSE)
def kwartaalrapport(p: Persistence, who: Requester, kwartaal: str | None) -> Answer:
    """The report over `kwartaal` (`2026-Q4`; default: the last quarter that has ended)."""
    require_role(who, Role.SWV)
    vandaag = today()
    periode = _kwartaal(kwartaal, vandaag)
    decision, entry = decide(
        who,
        PURPOSE,
        SubjectContext(swv=who.org.org_id),
        (THUISZITTERS, TIJDIGHEID),
        presented=None,
        last_changed=None,
        record_id=None,
    )
    p.log([entry])
    feiten = [feit(case, vandaag) for case in _cases(p, who.org.org_id)]
    # The timeline from before the SWV's first case, so that every report reads the same figures.
    first = min([kwartaal_terug(periode.naam, TREND - 1), *(f.geopend for f in feiten)])
    figures = report(feiten, periode.naam, kwartalen(first, periode.naam))
    body: dict[str, Any] = {
        "samenwerkingsverband": who.org.code,
        "kwartaal": {
            "naam": periode.naam,
            "van": periode.van.isoformat(),
            "tot": periode.tot.isoformat(),
            # A quarter still running changes as cases arrive; one that has ended never does.
            "voorlopig": periode.tot >= vandaag,
        },
        "peildatum": vandaag.isoformat(),
        "minimum": figures.pop("minimum"),
        "afweging": entry.afweging,
    }
    verstreken = figures.pop("termijn_verstreken")
    if THUISZITTERS in decision.released:
        body.update(figures)
    if TIJDIGHEID in decision.released:
        body["termijn_verstreken"] = verstreken
    return Answer(200, body)


def _kwartaal(text: str | None, vandaag: date) -> Periode:
    if text is None:
        return vorig_kwartaal(vandaag)
    try:
        periode = parse_kwartaal(text)
    except InvalidValue as e:
        raise Invalid(e.field, e.message) from e
    if periode.van > vandaag:
        raise Invalid("kwartaal", f"{periode.naam} has not begun; give a quarter that has begun")
    return periode


def _cases(p: Persistence, swv: str) -> Iterator[Thuiszittercasus]:
    after = 0
    while page := p.owned(KIND, swv, after, _PAGE):
        loaded = load_many_as(p, Thuiszittercasus, [entry.record_id for _, entry in page])
        yield from (case for case in loaded.values() if not isinstance(case, RecordGone))
        after = page[-1][0]
