"""docs/reliability.md is what `make reliability-report` would write from this run's figures.

This test runs last (tests/reliability/conftest.py orders it so), after every test of the session
recorded its figures; it fails when one of them measured another value than the committed
document holds, or measured a figure the document lacks. A run of only some of the tests checks
only their figures.
"""

from __future__ import annotations

import pytest

from tests.reliability.conftest import DOC, Figures, merged, parse, render, report_path

STALE = "docs/reliability.md is stale: run `make reliability-report` and commit it"


def stale_figures(committed_text: str, measured: Figures) -> list[str]:
    """What differs between the committed document and the one this run would write, one line each."""
    committed = parse(committed_text)
    lines = []
    for key, figure in merged({}, measured.items).items():
        before = committed.get(key)
        if before is None:
            lines.append(f"{key}: measured, not in the document")
        elif before != figure:
            lines.append(f"{key}: the document says {before.value!r} ({before.label}), measured {figure.value!r}")
    if not lines and render(merged(committed, measured.items)) != committed_text:
        lines.append("the text around the figures is not what tests/reliability/conftest.py writes")
    return lines


def test_the_committed_report_is_current(figures: Figures, request: pytest.FixtureRequest) -> None:
    if report_path(request.config) is not None:
        pytest.skip("this run writes the report")
    assert DOC.exists(), STALE
    differences = stale_figures(DOC.read_text(encoding="utf-8"), figures)
    assert not differences, STALE + ":\n" + "\n".join(differences)
