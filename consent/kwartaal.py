"""Small-cell suppression for the quarterly thuiszitter report, holding across every quarter.

Quarters are linked: the cases open at the end of a quarter are those open at its start, plus the
new ones, less the closed ones (thuis(q) = thuis(q-1) + nieuw(q) - beeindigd(q)). Whoever holds
every report knows all these identities, so a figure hidden in one report must not follow from
the figures of the others. The rule, applied to the SWV's whole timeline (every quarter from its
first case to now) so that every report shows the same figure for the same quarter:

- primary: a count of 1 .. minimum-1 is hidden, the stocks (`thuis`) and the flows alike;
- secondary: when any member of a quarter's identity is hidden, both its flows are hidden too.

Why it holds: each quarter's flows occur in that quarter's identity alone. A hidden flow shares
it with the other, hidden too, so no identity tells more than their difference. A hidden stock
sits in two identities, each with two hidden flows of its own, so neither pins it. The groups of
pupils the published figures can describe are, as linear combinations, sums of whole quarters'
flows less others (every count on cases that opened by one quarter and did not close in some
others); each is 0 or at least the minimum whenever all its terms show, and undetermined when one
is hidden. tests/consent/test_kwartaal_differencing.py searches for a derivation over every report
and finds none; it finds plenty against suppression without the secondary rule.

The breakdowns split populations that never overlap across quarters (reason: the cases registered
in the quarter; result, duration band and stage: the cases closed in it), each suppressed as a
single table whose total is the flow's: where the flow is hidden, every cell is too, zeros included
(a table of zeros would tell the hidden flow is 0, and one non-zero cell what all its cases share). The
duration bands and the stages are two partitions of one population that coincide but for the cases
closed between twelve weeks and the region's deadline, so they are suppressed as one
(`_duur_en_stadium`). `termijn_verstreken` counts the cases whose deadline passed in the quarter
while open, shown when 0 or at least the minimum. Left open: a running quarter (`voorlopig`)
changes as cases arrive, so the same quarter asked on two days tells what came in between; a
quarter that has passed never changes, for its figures depend on it and the quarter before alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from consent.monitoring import MINIMUM_CELL_SIZE, breakdown, suppress_small_cells
from domain.casusklok import Stadium
from domain.casuslijsten import Reden, Resultaat
from domain.kwartaalrapportage import DUURKLASSEN, Casusfeit

TREND = 5  # the chart's quarter ends: the asked quarter's and the four before it


@dataclass(frozen=True)
class Stand:
    """One quarter of the timeline: its flows and the cases open at its end; None where hidden."""

    nieuw: int | None
    beeindigd: int | None
    thuis: int | None


def standen(feiten: Sequence[Casusfeit], kwartalen: Sequence[str]) -> dict[str, Stand]:
    """The true figures of every quarter in `kwartalen` (consecutive, the first before any case)."""
    nieuw = Counter(f.geopend for f in feiten)
    beeindigd = Counter(f.gesloten for f in feiten)
    return {q: Stand(nieuw[q], beeindigd[q], sum(f.thuis_aan_het_eind_van(q) for f in feiten)) for q in kwartalen}


def suppressed(timeline: Mapping[str, Stand], minimum: int = MINIMUM_CELL_SIZE) -> dict[str, Stand]:
    """The timeline as it may be shown: the primary and the secondary rule, quarter by quarter in order."""

    def small(value: int | None) -> bool:
        return value is not None and 0 < value < minimum

    shown: dict[str, Stand] = {}
    stock_before_hidden = False  # before the first case there is nothing, and that is known
    for q, s in timeline.items():
        stock_hidden = small(s.thuis)
        flows_hidden = stock_before_hidden or stock_hidden or small(s.nieuw) or small(s.beeindigd)
        shown[q] = Stand(
            None if flows_hidden else s.nieuw,
            None if flows_hidden else s.beeindigd,
            None if stock_hidden else s.thuis,
        )
        stock_before_hidden = stock_hidden
    return shown


def report(feiten: Sequence[Casusfeit], kwartaal: str, kwartalen: Sequence[str]) -> dict[str, object]:
    """The report's figures for `kwartaal`, read from the suppressed timeline `kwartalen` (which holds it)."""
    shown = suppressed(standen(feiten, kwartalen))
    here = shown[kwartaal]
    trend = kwartalen[max(kwartalen.index(kwartaal) - TREND + 1, 0) : kwartalen.index(kwartaal) + 1]
    opened = [f for f in feiten if f.geopend == kwartaal]
    closed = [f for f in feiten if f.gesloten == kwartaal]
    verstreken = sum(f.termijn_verstreken == kwartaal for f in feiten)
    return {
        "thuis_aan_het_eind_van": {q: shown[q].thuis for q in trend},
        "nieuw": {"totaal": here.nieuw, "per_reden": _table(opened, lambda f: f.reden, list(Reden), here.nieuw)},
        "beeindigd": {
            "totaal": here.beeindigd,
            "per_resultaat": _table(closed, lambda f: f.resultaat, list(Resultaat), here.beeindigd),
            **_duur_en_stadium(closed, here.beeindigd),
        },
        "termijn_verstreken": verstreken if verstreken == 0 or verstreken >= MINIMUM_CELL_SIZE else None,
        "minimum": MINIMUM_CELL_SIZE,
    }


def _table(
    feiten: Sequence[Casusfeit],
    key: Callable[[Casusfeit], str | None],
    labels: Sequence[str],
    total: int | None,
    also_hidden: Collection[str] = (),
) -> dict[str, object]:
    if total is None:
        # Every cell, zeros too: a table of zeros would give the hidden flow away as 0 (and with the
        # quarter ends the other flow), and one non-zero cell would say what all its cases share.
        return breakdown(dict.fromkeys(map(str, labels)), None)
    counts: Mapping[str, int] = Counter(key(f) or "" for f in feiten)
    full = {str(label): counts.get(label, 0) for label in labels}
    hidden = set(also_hidden) | suppress_small_cells(full).suppressed
    return breakdown({label: None if n and label in hidden else n for label, n in full.items()}, total)


def _duur_en_stadium(closed: Sequence[Casusfeit], total: int | None) -> dict[str, dict[str, object]]:
    """The duration bands and the stages of the closed cases: two partitions of one population that
    mostly coincide (band i, stage i), so they are suppressed as one. The i-th band and the i-th
    stage hide together; and where the cases whose band and stage differ (a case closed between
    twelve weeks and a deadline of three months, or ten weeks in Rotterdam) are 1 .. minimum-1,
    every band and stage they fall in hides, for subtracting the twin cells would count them."""
    hidden = _twins(closed, lambda f: f.duurklasse, _BANDS) | _twins(closed, lambda f: f.stadium, _STAGES)
    apart = [pair for pair in map(_band_and_stage, closed) if pair[0] != pair[1]]
    if 0 < len(apart) < MINIMUM_CELL_SIZE:
        hidden |= {i for pair in apart for i in pair}
    return {
        "per_duurklasse": _table(closed, lambda f: f.duurklasse, _BANDS, total, [_BANDS[i] for i in hidden]),
        "per_stadium": _table(closed, lambda f: f.stadium, _STAGES, total, [_STAGES[i] for i in hidden]),
    }


_BANDS = tuple(band for _, band in DUURKLASSEN)
_STAGES = tuple(stage.value for stage in Stadium)


def _twins(closed: Sequence[Casusfeit], key: Callable[[Casusfeit], str | None], labels: Sequence[str]) -> set[int]:
    counts = Counter(key(f) for f in closed)
    return {labels.index(label) for label in suppress_small_cells({lb: counts[lb] for lb in labels}).suppressed}


def _band_and_stage(closed: Casusfeit) -> tuple[int, int]:
    """The positions of a closed case's band and stage (a closed case has both)."""
    return _BANDS.index(closed.duurklasse or ""), _STAGES.index(closed.stadium or "")
