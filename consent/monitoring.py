"""Small-cell suppression for the SWV monitoring view (purpose `swv-monitoring`).

The SWV must report thuiszitters and vrijstellingen, but may not learn names
(004_45b01860e536524f.txt ch. 15): it gets counts only. A count of 1 to 4 at one
school can still point at a child everyone knows, so such cells are hidden
(domain.md: "suppressed below a minimum cell size").

Hiding small cells in each answer is not enough: an SWV can ask many answers (months within
quarters within school years, per soort / per school / per maand, any set of its schools) and
subtract them (issue 16). So no answer is suppressed on its own. Every answer is read from one
`Release` of all the SWV's data, which does not depend on what is asked:

- The atoms are the finest cells any answer can be split into: meldingen of one atom soort at
  one school whose period starts in one calendar month (every fixed period is whole months,
  domain/periods.py). An atom soort is a soort, or a soort whose melding shows a thuiszitter, so
  that the per-soort and the thuiszitter tables are both sums of atoms. An atom of 0 or at least
  the minimum is safe and released as it is.
- The small atoms (1 .. minimum-1) of one month, over all the SWV's schools, are that month's
  rest, released per soort and in all only where `protected`: not small, and not a value that
  pins its parts down (n small atoms summing to n are all 1), with a margin so that being
  hidden does not pin them either. When the month's whole rest shows, the hidden soorten
  together must be protected as well (secondary suppression).
- A figure in an answer is shown only when it is a sum of released parts (safe atoms, whole
  released rests); otherwise it is None.

Why this holds against every combination: whatever an SWV subtracts or solves, it only combines
released parts. Safe atoms and the rests of different months share no atoms; within a month
the rest per soort and in all are one table with its total, whose remainder (the hidden
soorten) is protected too. So what can be derived is a sum of safe atoms and protected rests,
each 0 or at least the minimum, and none pins a small atom down. What it learns of a small atom is
what a suppression mark says: 1 .. minimum-1. tests/consent/test_differencing.py searches for a
derivation over every answer the API gives. The price: a figure with a small atom outside a
released rest (one school's small month, for instance) is suppressed in every period containing it.
Left open: one who reasons about why the secondary suppression hid what it hid can narrow a hidden
remainder further than 1..4 in contrived cases; and a running period's figures change as
meldingen arrive, so the same period asked on two days tells what came in between.

`suppress_small_cells` is the single-table rule of the first version, kept for one-off tables.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, TypeVar

# The sources ask for suppression below "a minimum cell size" without a number; 5 is
# the threshold common in Dutch (CBS-style) statistics and the one the brief names.
MINIMUM_CELL_SIZE = 5

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class SuppressedCounts(Generic[K]):
    """Counts safe to show: suppressed cells are None, as is a total below the minimum."""

    cells: Mapping[K, int | None]
    total: int | None
    suppressed: frozenset[K]
    minimum: int


def suppress_small_cells(counts: Mapping[K, int], minimum: int = MINIMUM_CELL_SIZE) -> SuppressedCounts[K]:
    """Hide every count from 1 to `minimum - 1`, and enough others that none can be derived.

    - Primary: a count of 1 .. minimum-1 is suppressed. A zero stays visible: it
      describes no one.
    - Total: the sum is shown only when it is 0 or at least `minimum`; a smaller
      total is suppressed with all its non-zero cells.
    - Secondary: since the total is shown, the suppressed cells together must add up
      to at least `minimum` (else subtraction reveals a small group, or the one
      hidden cell): the smallest visible non-zero cells are added until they do.
    """
    if minimum < 1:
        raise ValueError("minimum must be at least 1")
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in counts.values()):
        raise ValueError("counts must be non-negative integers")
    total = sum(counts.values())
    nonzero = [k for k, v in counts.items() if v > 0]
    if 0 < total < minimum:
        hidden = set(nonzero)
        shown_total: int | None = None
    else:
        hidden = {k for k in nonzero if counts[k] < minimum}
        # Ties are broken by the order of `counts`, so the result is deterministic.
        visible = sorted((k for k in nonzero if k not in hidden), key=lambda k: counts[k])
        while hidden and sum(counts[k] for k in hidden) < minimum and visible:
            hidden.add(visible.pop(0))
        shown_total = total
    cells = {k: (None if k in hidden else v) for k, v in counts.items()}
    return SuppressedCounts(
        cells=MappingProxyType(cells),
        total=shown_total,
        suppressed=frozenset(hidden),
        minimum=minimum,
    )


# -- the release: suppression that holds across every period, breakdown and school set -----

Atom = tuple[str, str, str]  # (school, soort, maand): meldingen of one kind at one school starting in one month


@dataclass(frozen=True)
class Release:
    """What the SWV may learn of its atoms: every safe atom, and per month the protected rests.

    An atom is safe when its count is 0 or at least the minimum. The small atoms of a month, over
    all the SWV's schools, form that month's rest: per soort and in all; a rest is released only
    when `protected` (consent.monitoring.protected) says no part of it can be pinned down.
    """

    atoms: Mapping[Atom, int]
    rests: Mapping[tuple[str, str | None], int]  # (maand, soort) or (maand, None) for the month's whole rest
    minimum: int
    by_month: Mapping[str, Mapping[Atom, int]]

    def is_safe(self, atom: Atom) -> bool:
        return self.atoms.get(atom, 0) == 0 or self.atoms[atom] >= self.minimum

    def figure(self, schools: Collection[str], kinds: Collection[str], months: Collection[str]) -> int | None:
        """The count of the meldingen of `schools` x `kinds` x `months`, or None when it is not
        a sum of released parts (a safe atom, a released rest) and so could be differenced."""
        total = 0
        for month in months:
            part = self._month_figure(set(schools), set(kinds), month)
            if part is None:
                return None
            total += part
        return total

    def _month_figure(self, schools: set[str], kinds: set[str], month: str) -> int | None:
        atoms = self.by_month.get(month, {})
        mine = {a: v for a, v in atoms.items() if a[0] in schools and a[1] in kinds}
        small = {a for a in mine if not self.is_safe(a)}
        exact = sum(v for a, v in mine.items() if a not in small)
        if not small:
            return exact
        month_rest = {a for a in atoms if not self.is_safe(a)}
        if small == month_rest and (month, None) in self.rests:
            return exact + self.rests[(month, None)]
        for kind in sorted({a[1] for a in small}):
            kind_rest = {a for a in month_rest if a[1] == kind}
            if {a for a in small if a[1] == kind} != kind_rest or (month, kind) not in self.rests:
                return None
            exact += self.rests[(month, kind)]
        return exact


def protected(value: int, parts: int, minimum: int = MINIMUM_CELL_SIZE) -> bool:
    """Whether a sum of `parts` small atoms (each 1 .. minimum-1) may be shown as `value`.

    It must not be small itself, and it must not pin its parts down: `parts` atoms summing to
    `parts` are all 1, summing to `parts * (minimum - 1)` all minimum-1; any value strictly
    between leaves every part and every group of parts at least two possible values. One more
    value is kept back at each end, so that a hidden rest does not tell by being hidden that its
    parts are all equal: the attacker knows this rule too.
    """
    return value == 0 or (value >= minimum and parts + 1 < value < parts * (minimum - 1) - 1)


def release(atoms: Mapping[Atom, int], minimum: int = MINIMUM_CELL_SIZE) -> Release:
    """Build the release of all the SWV's atoms (independent of what one answer asks)."""
    if any(v < 0 for v in atoms.values()):
        raise ValueError("counts must be non-negative integers")
    kept = {a: v for a, v in atoms.items() if v > 0}
    small = {a: v for a, v in kept.items() if v < minimum}
    rests: dict[tuple[str, str | None], int] = {}
    for month in sorted({a[2] for a in small}):
        rests.update(_month_rests(month, {a: v for a, v in small.items() if a[2] == month}, minimum))
    by_month: dict[str, dict[Atom, int]] = {}
    for atom, v in kept.items():
        by_month.setdefault(atom[2], {})[atom] = v
    return Release(MappingProxyType(kept), MappingProxyType(rests), minimum, MappingProxyType(by_month))


def _month_rests(month: str, small: Mapping[Atom, int], minimum: int) -> dict[tuple[str, str | None], int]:
    """One month's rest table (per soort, and in all), with secondary suppression: when the whole
    rest shows, the hidden soorten together must be protected too, or subtraction gives them away."""
    value: dict[str, int] = {}
    parts: dict[str, int] = {}
    for (_, kind, _), v in small.items():
        value[kind] = value.get(kind, 0) + v
        parts[kind] = parts.get(kind, 0) + 1
    shown = {k for k in value if protected(value[k], parts[k], minimum)}
    whole, all_parts = sum(value.values()), sum(parts.values())
    show_whole = protected(whole, all_parts, minimum)
    # Ties are broken by name, so the same atoms always give the same release.
    visible = sorted(shown, key=lambda k: (value[k], k))
    while show_whole and not _hidden_protected(value, parts, shown, minimum):
        shown.discard(visible.pop(0))
    rests: dict[tuple[str, str | None], int] = {(month, k): value[k] for k in shown}
    if show_whole:
        rests[(month, None)] = whole
    return rests


def _hidden_protected(value: Mapping[str, int], parts: Mapping[str, int], shown: set[str], minimum: int) -> bool:
    hidden = [k for k in value if k not in shown]
    return protected(sum(value[k] for k in hidden), sum(parts[k] for k in hidden), minimum)


def breakdown(figures: Mapping[str, int | None], total: int | None) -> dict[str, object]:
    """One table of an answer: every cell (None when suppressed), the total and what was suppressed."""
    return {
        "aantallen": dict(figures),
        "totaal": total,
        "onderdrukt": sorted(k for k, v in figures.items() if v is None),
    }


def tables(
    rel: Release,
    schools: Sequence[str],
    soorten: Mapping[str, Collection[str]],
    months: Sequence[str],
    sitting: Collection[str],
) -> dict[str, dict[str, dict[str, object]]]:
    """The answer's tables for `schools` over `months`: every figure read from the release alone.

    `soorten` maps each soort of the answer to the atom soorten it sums; `sitting` names the atom
    soorten of the thuiszitters. Every cell is listed, zeros too, so the shape of an answer tells
    nothing of its contents.
    """
    every = sorted({part for parts in soorten.values() for part in parts})
    total = rel.figure(schools, every, months)
    meldingen = {
        "per_soort": breakdown({k: rel.figure(schools, parts, months) for k, parts in soorten.items()}, total),
        "per_school": breakdown({s: rel.figure([s], every, months) for s in schools}, total),
        "per_maand": breakdown({m: rel.figure(schools, every, [m]) for m in months}, total),
    }
    thuiszitters = {
        "per_school": breakdown(
            {s: rel.figure([s], sitting, months) for s in schools}, rel.figure(schools, sitting, months)
        )
    }
    return {"verzuimmeldingen": meldingen, "thuiszitters": thuiszitters}
