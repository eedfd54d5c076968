"""The workload's dates: every push it makes must be on time, whatever day the run is."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.verzuim import is_melding_late
from hub.bench.workload import last_school_week


@pytest.mark.parametrize("offset", range(14))
def test_the_last_school_week_ended_before_today_and_is_still_on_time(offset: int) -> None:
    today = date(2026, 11, 23) + timedelta(days=offset)  # two weeks from a Monday, weekends included
    begin, end = last_school_week(today)
    assert begin.weekday() == 0 and end == begin + timedelta(days=4)
    assert end < today
    assert not is_melding_late(end, today)
