"""The differencing search: no count of 1..4 can be derived from all answers an SWV can get.

An attacker asks every answer the monitoring API gives (every fixed period, every set of its
schools, every breakdown) and combines them: by subtracting nested answers, and by linear
algebra over all of them. Issue 16: "The window 02-23 Nov showed both kinds suppressed, total 6.
The window 02-22 Nov showed `overig: 5`, total 5." 004_45b01860e536524f.txt ch. 15 (counts
instead of names), 002_9975c357e8165dd2.txt steps 4 and 18 (the quarterly report).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent.monitoring import MINIMUM_CELL_SIZE, Atom, protected, release, suppress_small_cells, tables
from domain.periods import Periode, kwartaal, maand, schooljaar
from domain.verzuim import VerzuimKind

KINDS = tuple(sorted(k.value for k in VerzuimKind))
# The atom soorten as adapters/swv.py counts them: each soort, and each marked as a thuiszitter.
THUISZITTER = "+thuiszitter"
API_SOORTEN = {k: (k, k + THUISZITTER) for k in KINDS}
API_SITTING = tuple(k + THUISZITTER for k in KINDS)
SCHOOLS = ("school:12AB00", "school:34CD01", "school:56EF02", "school:78GH03")
# July 2026 to July 2027: two school years and the quarter Q3 that straddles them.
MONTHS = tuple(maand(y, m).naam for y, m in [(2026, m) for m in range(7, 13)] + [(2027, m) for m in range(1, 8)])
SMALL = range(1, MINIMUM_CELL_SIZE)

Figure = tuple[int, int]  # (bitmask over the atoms, value)
Answerer = Callable[[Sequence[str], Sequence[str]], dict[str, dict[str, dict[str, object]]]]


@dataclass(frozen=True)
class Space:
    """The atoms of a data set as bit positions, and every query the API allows over them."""

    schools: tuple[str, ...]
    soorten: Mapping[str, tuple[str, ...]]  # a soort of the answers -> the atom soorten it sums
    months: tuple[str, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The atom soorten."""
        return tuple(sorted({k for parts in self.soorten.values() for k in parts}))

    @property
    def sitting(self) -> tuple[str, ...]:
        return tuple(k for k in self.kinds if k.endswith(THUISZITTER))

    def bit(self, atom: Atom) -> int:
        s, k, m = atom
        index = (self.schools.index(s) * len(self.kinds) + self.kinds.index(k)) * len(self.months)
        return 1 << (index + self.months.index(m))

    def mask(self, schools: Sequence[str], kinds: Sequence[str], months: Sequence[str]) -> int:
        return sum(self.bit(a) for a in product(schools, kinds, months))

    def size(self) -> int:
        return len(self.schools) * len(self.kinds) * len(self.months)

    def periods(self) -> list[tuple[str, ...]]:
        """Every fixed period that overlaps the data's months, cut to them."""
        years = sorted({int(m[:4]) for m in self.months})
        candidates: list[Periode] = [maand(int(m[:4]), int(m[5:])) for m in self.months]
        candidates += [kwartaal(y, q) for y in years for q in range(1, 5)]
        candidates += [schooljaar(y) for y in [years[0] - 1, *years]]
        cut = {tuple(m for m in p.months() if m in self.months) for p in candidates}
        return sorted(c for c in cut if c)

    def subsets(self) -> Iterator[tuple[str, ...]]:
        for n in range(1, len(self.schools) + 1):
            yield from combinations(self.schools, n)


def figures(space: Space, answer: Answerer, hidden: set[int] | None = None) -> set[Figure]:
    """Every number any answer shows, with the atoms it counts; the suppressed cells' atoms go to `hidden`."""
    found: set[Figure] = set()
    for schools, months in product(space.subsets(), space.periods()):
        body = answer(schools, months)
        for (table, breakdown), (masks, total_mask) in _cells(space, schools, months).items():
            shown = body[table][breakdown]
            aantallen = shown["aantallen"]
            assert isinstance(aantallen, dict) and set(aantallen) == set(masks)
            found |= {(masks[key], v) for key, v in aantallen.items() if v is not None}
            if isinstance(shown["totaal"], int):
                found.add((total_mask, shown["totaal"]))
            if hidden is not None:
                hidden |= {masks[key] for key, v in aantallen.items() if v is None}
    return found


def _cells(
    space: Space, schools: Sequence[str], months: Sequence[str]
) -> dict[tuple[str, str], tuple[dict[str, int], int]]:
    """Per table of an answer: the atoms of each cell, and of its total."""
    sitting = space.sitting
    everything = space.mask(schools, space.kinds, months)
    per_soort = {k: space.mask(schools, parts, months) for k, parts in space.soorten.items()}
    return {
        ("verzuimmeldingen", "per_soort"): (per_soort, everything),
        ("verzuimmeldingen", "per_school"): ({s: space.mask([s], space.kinds, months) for s in schools}, everything),
        ("verzuimmeldingen", "per_maand"): ({m: space.mask(schools, space.kinds, [m]) for m in months}, everything),
        ("thuiszitters", "per_school"): (
            {s: space.mask([s], sitting, months) for s in schools},
            space.mask(schools, sitting, months),
        ),
    }


def subtraction_search(found: set[Figure]) -> list[tuple[int, int]]:
    """Every figure, and every difference of two nested figures, that counts 1..4."""
    derived = [(mask, v) for mask, v in found if v in SMALL]
    ordered = sorted(found, key=lambda f: f[0].bit_count())
    for i, (big, big_value) in enumerate(ordered):
        for small, small_value in ordered[:i]:
            if small != big and small & ~big == 0 and big_value - small_value in SMALL:
                derived.append((big & ~small, big_value - small_value))
    return derived


def linear_search(found: set[Figure], groups: Sequence[int], hidden: Collection[int] = ()) -> list[tuple[int, int]]:
    """Every group whose count follows from all figures together (any linear combination) and is 1..4.

    Exact elimination modulo a large prime (no numpy here): a group in the figures' row space has
    one count for every data set that fits them all. Atoms shown alone, and the atoms of a figure
    of 0, are substituted first. An atom left alone in a suppressed cell (`hidden`) is known to lie
    in 1..4, and the attacker uses that too.
    """
    known = {_bits(mask)[0]: v for mask, v in found if mask.bit_count() == 1}
    # Counts are never negative, so every atom of a figure of 0 is known to be 0.
    known |= {b: 0 for mask, v in found if v == 0 for b in _bits(mask)}
    known_mask = sum(1 << b for b in known)
    small = 0
    for rest in (mask & ~known_mask for mask in hidden):
        small |= rest if rest.bit_count() == 1 else 0
    basis = _Basis()
    for mask, value in found:
        rest, value_of_known = _substitute(mask, known, known_mask)
        basis.add({b: 1 for b in _bits(rest)}, (value - value_of_known) % _P)
    derived = []
    for group in groups:
        rest, value = _substitute(group, known, known_mask)
        follows = basis.value_of({b: 1 for b in _bits(rest)})
        if follows is None:
            continue
        # The group, and its atoms not shown alone, are both groups of pupils.
        derived += [(g, v) for g, v in [(group, (value + follows) % _P), (rest, follows)] if g and v in SMALL]
        if rest and rest & ~small == 0 and follows in (rest.bit_count(), rest.bit_count() * SMALL[-1]):
            derived.append((rest, follows))  # n atoms of 1..4 summing to n (or 4n): each one is known
    return derived


_P = (1 << 61) - 1


def _bits(mask: int) -> list[int]:
    result = []
    while mask:
        low = mask & -mask
        result.append(low.bit_length() - 1)
        mask ^= low
    return result


def _substitute(mask: int, known: Mapping[int, int], known_mask: int) -> tuple[int, int]:
    return mask & ~known_mask, sum(known[b] for b in _bits(mask & known_mask))


class _Basis:
    """Rows in reduced echelon form modulo _P: pivot column -> (row, value)."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[dict[int, int], int]] = {}

    def _reduce(self, row: dict[int, int], value: int) -> tuple[dict[int, int], int]:
        row = dict(row)
        for col in [c for c in row if c in self.rows]:
            factor = row.get(col, 0)
            if factor:
                pivot_row, pivot_value = self.rows[col]
                for c, v in pivot_row.items():
                    row[c] = (row.get(c, 0) - factor * v) % _P
                value = (value - factor * pivot_value) % _P
        return {c: v for c, v in row.items() if v}, value

    def add(self, row: dict[int, int], value: int) -> None:
        row, value = self._reduce(row, value)
        if not row:
            return
        col = min(row)
        inverse = pow(row[col], -1, _P)
        row = {c: v * inverse % _P for c, v in row.items()}
        value = value * inverse % _P
        for other, (other_row, other_value) in list(self.rows.items()):
            factor = other_row.get(col, 0)
            if factor:
                merged = dict(other_row)
                for c, v in row.items():
                    merged[c] = (merged.get(c, 0) - factor * v) % _P
                self.rows[other] = ({c: v for c, v in merged.items() if v}, (other_value - factor * value) % _P)
        self.rows[col] = (row, value)

    def value_of(self, row: dict[int, int]) -> int | None:
        """The combination's value if it lies in the row space, else None."""
        rest, value = self._reduce(row, 0)
        return None if rest else (-value) % _P


def candidate_groups(space: Space) -> list[int]:
    """The groups an attacker would aim at: every schools x kinds x months range, and within a
    month every set of soorten."""
    kind_sets = [[k] for k in space.kinds] + [list(p) for p in space.soorten.values()]
    kind_sets += [list(space.kinds), list(space.sitting)]
    ranges = [space.months[i:j] for i in range(len(space.months)) for j in range(i + 1, len(space.months) + 1)]
    groups = {space.mask(s, k, m) for s, k, m in product(space.subsets(), kind_sets, ranges) if k}
    # Within one month, any set of soorten (what a month's total less its shown soorten leaves),
    # and any set of the thuiszitters' atom soorten.
    parts = list(space.soorten.values())
    every_kinds = [sum(c, ()) for n in range(2, len(parts)) for c in combinations(parts, n)]
    every_kinds += [c for n in range(2, len(space.sitting)) for c in combinations(space.sitting, n)]
    groups |= {space.mask(s, k, [m]) for s, k, m in product(space.subsets(), every_kinds, space.months)}
    return sorted(groups)


def safe_answers(space: Space, atoms: Mapping[Atom, int]) -> Answerer:
    rel = release(atoms)
    return lambda schools, months: tables(rel, schools, space.soorten, months, space.sitting)


def naive_answers(space: Space, atoms: Mapping[Atom, int]) -> Answerer:
    """The first version: each answer's own counts, each table suppressed on its own."""

    def answer(schools: Sequence[str], months: Sequence[str]) -> dict[str, dict[str, dict[str, object]]]:
        def count(ss: Sequence[str], ks: Sequence[str], ms: Sequence[str]) -> int:
            return sum(atoms.get(a, 0) for a in product(ss, ks, ms))

        def table(counts: dict[str, int]) -> dict[str, object]:
            result = suppress_small_cells(counts)
            return {"aantallen": dict(result.cells), "totaal": result.total}

        every = space.kinds
        return {
            "verzuimmeldingen": {
                "per_soort": table({k: count(schools, parts, months) for k, parts in space.soorten.items()}),
                "per_school": table({s: count([s], every, months) for s in schools}),
                "per_maand": table({m: count(schools, every, [m]) for m in months}),
            },
            "thuiszitters": {"per_school": table({s: count([s], space.sitting, months) for s in schools})},
        }

    return answer


# Long sick leave, long relative and absolute verzuim are the soorten whose meldingen show thuiszitters.
REALISTIC = Space(
    SCHOOLS,
    {k: (k, k + THUISZITTER) if k in ("absoluut", "langdurig_relatief", "ziekte") else (k,) for k in KINDS},
    MONTHS,
)


def realistic_atoms(seed: int = 16) -> dict[Atom, int]:
    """Four schools of one SWV over July 2026 - July 2027: a big one, two middling, a small one,
    common kinds in most months, rare kinds now and then, and single pupils at the edges."""
    rng = random.Random(seed)
    scale = {SCHOOLS[0]: 3.0, SCHOOLS[1]: 1.5, SCHOOLS[2]: 1.0, SCHOOLS[3]: 0.4}
    common = {"ongeoorloofd_16_uur": 4.0, "te_laat": 3.0, "overig": 1.5}
    atoms: dict[Atom, int] = {}
    for school, month in product(SCHOOLS, MONTHS[1:-1]):
        for kind in REALISTIC.kinds:
            mean = common.get(kind, 0.25) * scale[school]
            count = sum(rng.random() < mean / 12 for _ in range(12))
            if count:
                atoms[(school, kind, month)] = count
    # One pupil at each edge of the window, and one alone in a rare kind in the middle.
    atoms[(SCHOOLS[3], "ongeoorloofd_16_uur", MONTHS[0])] = 1
    atoms[(SCHOOLS[2], "overig", MONTHS[-1])] = 1
    atoms[(SCHOOLS[1], "absoluut", "2026-11")] = 1
    return atoms


def test_no_small_count_can_be_derived_from_every_answer() -> None:
    """Over every period, school set and breakdown: neither subtraction nor linear algebra finds 1..4.

    Issue 16 (the 02-22 / 02-23 Nov windows); 004_45b01860e536524f.txt ch. 15; 002 steps 4 and 18.
    """
    space, hidden = REALISTIC, set[int]()
    found = figures(space, safe_answers(space, realistic_atoms()), hidden)
    assert len(found) > 100  # the answers say something: not everything is suppressed
    assert subtraction_search(found) == []
    assert linear_search(found, candidate_groups(space), hidden) == []


def test_the_search_finds_what_the_first_version_gave_away() -> None:
    """The same search against per-answer suppression (the first version) does find small counts.

    Issue 16: "Together they reveal that one pupil of one school started ongeoorloofd verzuim".
    """
    space, hidden = REALISTIC, set[int]()
    found = figures(space, naive_answers(space, realistic_atoms()), hidden)
    assert subtraction_search(found)
    assert linear_search(found, candidate_groups(space), hidden)


def test_every_figure_shown_is_the_true_count() -> None:
    """Suppression hides, it never alters: a shown figure is the count of its atoms, in every answer.

    004_45b01860e536524f.txt ch. 15; 002_9975c357e8165dd2.txt steps 4 and 18 (the report must be right).
    """
    space = REALISTIC
    atoms = realistic_atoms()
    for mask, value in figures(space, safe_answers(space, atoms)):
        assert value == sum(v for a, v in atoms.items() if space.bit(a) & mask)


_SMALL_SPACE = Space(
    SCHOOLS[:3],
    {"ongeoorloofd_16_uur": ("ongeoorloofd_16_uur",), "ziekte": ("ziekte", "ziekte" + THUISZITTER)},
    MONTHS[:4],
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 9), min_size=_SMALL_SPACE.size(), max_size=_SMALL_SPACE.size()))
def test_no_data_set_gives_a_small_count_away(counts: list[int]) -> None:
    """For any counts over three schools, three kinds and four months: nothing in 1..4 is derivable.

    004_45b01860e536524f.txt ch. 15; issue 16.
    """
    space = _SMALL_SPACE
    atoms = {a: c for a, c in zip(product(space.schools, space.kinds, space.months), counts, strict=True) if c}
    rel = release(atoms)
    hidden = set[int]()
    found = figures(space, lambda schools, months: tables(rel, schools, space.soorten, months, space.sitting), hidden)
    assert subtraction_search(found) == []
    assert linear_search(found, candidate_groups(space), hidden) == []


def _compositions(value: int, parts: int, high: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        if value == 0:
            yield ()
        return
    for first in range(1, min(high, value) + 1):
        for rest in _compositions(value - first, parts - 1, high):
            yield (first, *rest)


def test_a_shown_rest_pins_no_part_down() -> None:
    """Knowing each small atom lies in 1..4 and their sum, no group of them has one possible count.

    004_45b01860e536524f.txt ch. 15 (counts instead of names).
    """
    high = MINIMUM_CELL_SIZE - 1
    for parts in range(1, 7):
        for value in range(parts, parts * high + 1):
            if not protected(value, parts):
                continue
            assert value >= MINIMUM_CELL_SIZE
            ways = list(_compositions(value, parts, high))
            for size in range(1, parts):
                assert len({sum(w[:size]) for w in ways}) > 1, (value, parts, size)


def test_a_hidden_rest_pins_no_part_down_either() -> None:
    """Knowing the rule, an attacker who sees a rest hidden learns which values it may have; those
    still leave every small atom more than one possible count. 004_45b01860e536524f.txt ch. 15."""
    high = MINIMUM_CELL_SIZE - 1
    for parts in range(1, 9):
        hidden = [v for v in range(parts, parts * high + 1) if not protected(v, parts)]
        possible = {w[0] for v in hidden for w in _compositions(v, parts, high)}
        assert len(possible) > 1, (parts, hidden)
        if parts > 1:  # nor are its parts known to be all equal
            assert any(len(set(w)) > 1 for v in hidden for w in _compositions(v, parts, high)), (parts, hidden)
