"""The quarterly report's suppression, rule by rule (consent/kwartaal.py).

Sources: 002_9975c357e8165dd2.txt step 18 ("Deze registratie wordt gebruikt voor
kwartaalreportages naar de inspectie"); 004_45b01860e536524f.txt ch. 15 (the SWV reports
thuiszitters as counts, not names); domain.md (suppressed below a minimum cell size).
"""

from __future__ import annotations

from consent.kwartaal import Stand, report, standen, suppressed
from domain.kwartaalrapportage import OPEN, Casusfeit
from domain.periods import kwartalen
from tests.consent.kwartaal_data import realistic_feiten

Q = kwartalen("2026-Q1", "2026-Q4")


def cases(n: int, opened: str, closed: str = OPEN, reden: str = "overig", **more: str | None) -> list[Casusfeit]:
    at_closing = (None, None, None) if closed == OPEN else ("terug_naar_school", "4 tot 8 weken", "casusregie")
    values = dict(zip(("resultaat", "duurklasse", "stadium"), at_closing, strict=True)) | {"termijn_verstreken": None}
    return [Casusfeit(opened, closed, reden, **(values | more)) for _ in range(n)]


def test_a_small_count_is_hidden_and_a_zero_is_not() -> None:
    """Source: domain.md, small cells suppressed; a 0 describes no one (consent/monitoring.py)."""
    shown = suppressed(standen(cases(3, "2026-Q2") + cases(6, "2026-Q3", "2026-Q3"), Q))
    assert shown["2026-Q1"] == Stand(0, 0, 0)
    assert shown["2026-Q2"].thuis is None


def test_a_hidden_count_hides_both_flows_of_its_quarter_and_of_the_next() -> None:
    """Source: 002 step 18, quarterly reports: open(q) = open(q-1) + new(q) - closed(q) links them,
    so a small open count must not follow from its neighbours."""
    timeline = standen(cases(7, "2026-Q2", "2026-Q3") + cases(3, "2026-Q2") + cases(9, "2026-Q3", "2026-Q4"), Q)
    shown = suppressed(timeline)
    assert timeline["2026-Q2"] == Stand(10, 0, 10) and shown["2026-Q2"] == Stand(10, 0, 10)
    assert timeline["2026-Q3"] == Stand(9, 7, 12) and shown["2026-Q3"] == Stand(9, 7, 12)
    small = standen(cases(7, "2026-Q2", "2026-Q2") + cases(3, "2026-Q2") + cases(9, "2026-Q3"), Q)
    hidden = suppressed(small)
    assert small["2026-Q2"] == Stand(10, 7, 3)
    assert hidden["2026-Q2"] == Stand(None, None, None) and hidden["2026-Q3"] == Stand(None, None, 12)
    assert hidden["2026-Q4"] == Stand(0, 0, 12)


def test_a_quarter_that_has_passed_never_changes_when_later_cases_arrive() -> None:
    """Source: 002 step 18: what was reported to the inspectie stays what it was."""
    before = realistic_feiten(4, 7)
    later = before + cases(2, "2026-Q4") + cases(30, "2026-Q4", "2026-Q4")
    timeline = kwartalen("2024-Q4", "2026-Q4")
    assert report(before, "2026-Q3", timeline) == report(later, "2026-Q3", timeline)
    assert report(before, "2026-Q3", timeline) == report(before, "2026-Q3", timeline[:-1])


def test_a_breakdown_of_a_hidden_total_hides_every_cell_zeros_too() -> None:
    """Source: domain.md (small cells suppressed); 004_45b01860e536524f.txt ch. 15 (no names): with its
    zeros shown, a hidden table of three new cases would say all three sit at home for school refusal,
    and a table of zeros that its hidden flow is 0 (found by an outside attack)."""
    figures = report(cases(3, "2026-Q4", reden="schoolweigering"), "2026-Q4", Q)
    nieuw, beeindigd = figures["nieuw"], figures["beeindigd"]
    assert isinstance(nieuw, dict) and isinstance(beeindigd, dict)
    assert nieuw["totaal"] is None and set(nieuw["per_reden"]["aantallen"].values()) == {None}
    assert beeindigd["totaal"] is None and set(beeindigd["per_resultaat"]["aantallen"].values()) == {None}


def test_a_breakdown_hides_its_small_cells_and_enough_others() -> None:
    """Source: domain.md; consent/monitoring.py suppress_small_cells (secondary suppression)."""
    feiten = cases(8, "2026-Q4", reden="wachtlijst_zorg") + cases(2, "2026-Q4", reden="thuissituatie")
    nieuw = report(feiten, "2026-Q4", Q)["nieuw"]
    assert isinstance(nieuw, dict) and nieuw["totaal"] == 10
    cells = nieuw["per_reden"]["aantallen"]
    assert cells["thuissituatie"] is None and cells["wachtlijst_zorg"] is None


def test_cases_past_their_deadline_show_as_0_or_at_least_five() -> None:
    """Source: 003_4d76ddd5121ac97c.txt §2.4 (passend aanbod within three months); domain.md (minimum)."""
    few = cases(3, "2026-Q3", termijn_verstreken="2026-Q4") + cases(6, "2026-Q3", "2026-Q3")
    many = few + cases(2, "2026-Q3", termijn_verstreken="2026-Q4")
    assert report(few, "2026-Q4", Q)["termijn_verstreken"] is None
    assert report(many, "2026-Q4", Q)["termijn_verstreken"] == 5
    assert report(few, "2026-Q3", Q)["termijn_verstreken"] == 0
