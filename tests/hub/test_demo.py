"""`hub demo` plays the whole scenario through signed HTTP and ends with an intact log."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub import demo


def test_demo_runs_every_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.run(tmp_path) == 0
    out = capsys.readouterr().out
    assert "Stap 11." in out and "log intact: True" in out
    assert "403: de toestemming is ingetrokken" in out
    assert "warme items: ['leren']" in out  # only the consented item
    assert "eigen feed: 0 meldingen" in out  # the other gemeente sees nothing
