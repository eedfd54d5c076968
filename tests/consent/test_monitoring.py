"""Small-cell suppression for the SWV view: counts, never names (004 ch. 15)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent.monitoring import MINIMUM_CELL_SIZE, protected, release, suppress_small_cells


@pytest.mark.parametrize(
    ("counts", "cells", "total"),
    [
        ({"12AB00": 12, "34CD01": 7}, {"12AB00": 12, "34CD01": 7}, 19),
        # One small cell: it hides, and so does the next smallest, or the total gives it away.
        ({"12AB00": 12, "34CD01": 3, "56EF02": 9}, {"12AB00": 12, "34CD01": None, "56EF02": None}, 24),
        # Two small cells that together reach the minimum need no third.
        ({"a": 3, "b": 4, "c": 30}, {"a": None, "b": None, "c": 30}, 37),
        # Two small cells below the minimum together: one more hides.
        ({"a": 1, "b": 2, "c": 30, "d": 40}, {"a": None, "b": None, "c": None, "d": 40}, 73),
        # A zero describes no one and stays.
        ({"a": 0, "b": 12}, {"a": 0, "b": 12}, 12),
        # A total below the minimum hides everything that is not zero.
        ({"a": 1, "b": 2, "c": 0}, {"a": None, "b": None, "c": 0}, None),
        ({"a": 5}, {"a": 5}, 5),
        ({"a": 4}, {"a": None}, None),
        ({}, {}, 0),
    ],
)
def test_suppression_table(counts: dict[str, int], cells: dict[str, int | None], total: int | None) -> None:
    """Cells below 5 are suppressed, with enough others that subtraction reveals nothing.

    004_45b01860e536524f.txt ch. 15 (the SWV reports thuiszitters, gemeenten may not give
    names), domain.md (swv-monitoring: suppressed below a minimum cell size).
    """
    result = suppress_small_cells(counts)
    assert dict(result.cells) == cells
    assert result.total == total
    assert result.suppressed == {k for k, v in cells.items() if v is None}
    assert result.minimum == MINIMUM_CELL_SIZE == 5


def test_other_minimum() -> None:
    result = suppress_small_cells({"a": 8, "b": 12}, minimum=10)
    assert dict(result.cells) == {"a": None, "b": None}
    assert result.total == 20


@pytest.mark.parametrize("counts", [{"a": -1}, {"a": 1.5}, {"a": True}])
def test_refuses_impossible_counts(counts: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        suppress_small_cells(counts)  # type: ignore[arg-type]


@given(
    st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 40), max_size=8),
    st.integers(1, 12),
)
def test_no_small_number_can_be_read_or_derived(counts: dict[str, int], minimum: int) -> None:
    """No visible cell lies in 1..minimum-1; hidden cells sum to 0 or ≥ minimum when a total shows."""
    result = suppress_small_cells(counts, minimum)
    visible = [v for v in result.cells.values() if v is not None]
    assert all(v == 0 or v >= minimum for v in visible)
    if result.total is not None:
        assert result.total == sum(counts.values())
        hidden = sum(counts[k] for k in result.suppressed)
        assert hidden == 0 or hidden >= minimum
    else:
        assert 0 < sum(counts.values()) < minimum
    # Nothing is hidden without reason: unsuppressed data stays exact.
    for key, value in result.cells.items():
        assert value is None or value == counts[key]


# -- the release every answer is read from ---------------------------------------------------

A, B, C = "school:12AB00", "school:34CD01", "school:56EF02"
NOV, DEC = "2026-11", "2026-12"


def test_a_safe_atom_shows_and_a_small_one_never_alone() -> None:
    """A school's month of one soort shows when 0 or at least 5; 1..4 is hidden in every answer
    that would isolate it. 004_45b01860e536524f.txt ch. 15; issue 16 (one pupil on 23 Nov)."""
    rel = release({(A, "overig", NOV): 5, (A, "ongeoorloofd_16_uur", NOV): 1})
    assert rel.figure([A], ["overig"], [NOV]) == 5
    assert rel.figure([A], ["luxe"], [NOV]) == 0
    assert rel.figure([A], ["ongeoorloofd_16_uur"], [NOV]) is None
    # The school's total would be 6, and 6 - 5 is the one pupil: it is hidden too.
    assert rel.figure([A], ["overig", "ongeoorloofd_16_uur"], [NOV]) is None
    assert rel.figure([A, B], ["overig", "ongeoorloofd_16_uur"], [NOV, DEC]) is None


def test_small_atoms_of_a_month_show_together_as_its_rest() -> None:
    """Small counts of several schools add up to a rest that shows when it pins no school down.

    004_45b01860e536524f.txt ch. 15; 002_9975c357e8165dd2.txt steps 4 and 18 (the quarterly figure).
    """
    atoms = {(A, "overig", NOV): 3, (B, "overig", NOV): 4, (C, "overig", NOV): 2, (A, "te_laat", NOV): 8}
    rel = release(atoms)
    assert rel.rests == {(NOV, "overig"): 9, (NOV, None): 9}
    assert rel.figure([A, B, C], ["overig"], [NOV]) == 9
    assert rel.figure([A, B, C], ["overig", "te_laat"], [NOV]) == 17
    assert rel.figure([A, B], ["overig"], [NOV]) is None  # would give C's 2 away
    assert rel.figure([A], ["te_laat"], [NOV]) == 8


@pytest.mark.parametrize(
    ("small", "shown"),
    [
        ([1, 1, 1, 1, 1], False),  # five schools with one each: every school is pinned to 1
        ([4, 4], False),  # 8 from two small counts: both are 4
        ([1, 4], True),
        ([2, 2, 2], True),
        ([3], False),
    ],
)
def test_a_rest_that_pins_its_parts_stays_hidden(small: list[int], shown: bool) -> None:
    """Knowing every hidden count lies in 1..4, a sum of n of them equal to n (or 4n) reveals each.

    004_45b01860e536524f.txt ch. 15.
    """
    schools = [f"school:{n:02d}AB00" for n in range(len(small))]
    rel = release({(s, "overig", NOV): v for s, v in zip(schools, small, strict=True)})
    assert (rel.figure(schools, ["overig"], [NOV]) is not None) is shown
    assert protected(sum(small), len(small)) is shown


def test_the_hidden_soorten_of_a_shown_rest_are_protected_too() -> None:
    """Secondary suppression: a month's whole rest minus its shown soorten must not be small.

    004_45b01860e536524f.txt ch. 15; issue 16 (total 6 minus overig 5).
    """
    atoms = {(A, "overig", NOV): 3, (B, "overig", NOV): 3, (A, "luxe", NOV): 2, (B, "luxe", NOV): 1}
    rel = release(atoms)
    assert (NOV, "luxe") not in rel.rests
    assert (NOV, None) in rel.rests
    assert (NOV, "overig") not in rel.rests  # 9 - 6 would give luxe's 3 away
    assert rel.figure([A, B], ["overig", "luxe"], [NOV]) == 9
