"""Small-cell suppression for the SWV monitoring view (purpose `swv-monitoring`).

The SWV must report thuiszitters and vrijstellingen, but may not learn names
(004_45b01860e536524f.txt ch. 15): it gets counts only. A count of 1 to 4 at one
school can still point at a child everyone knows, so such cells are hidden
(domain.md: "suppressed below a minimum cell size").
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
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
