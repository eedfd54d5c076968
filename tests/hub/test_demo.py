"""`hub demo` plays the whole scenario through signed HTTP and ends with an intact log."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub import demo


def test_demo_runs_every_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.run(tmp_path) == 0
    out = capsys.readouterr().out
    assert "Stap 17." in out and "log intact: True" in out
    # The thuiszitter case: opened in the voorfase, past four weeks on the peildatum, closed read-only.
    assert "stadium voorfase" in out and "stadium casusregie" in out and "GEMARKEERD" in out
    assert "regel 2: mdo" in out and "Jeugdteam: vraagt de casus" in out and "409 (alleen-lezen)" in out
    assert "403: de toestemming is ingetrokken" in out
    # The quarterly report counts the closed case, the single case hidden as a small cell.
    assert "kwartaalrapportage" in out and "passend aanbod: x (onderdrukt)" in out
    assert "warme items: ['leren']" in out  # only the consented item
    assert "eigen feed: 0 meldingen" in out  # the other gemeente sees nothing
