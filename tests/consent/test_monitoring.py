"""Small-cell suppression for the SWV view: counts, never names (004 ch. 15)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent.monitoring import MINIMUM_CELL_SIZE, suppress_small_cells


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
