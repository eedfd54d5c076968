"""The casussen benchmark: its store holds what the API writes, and its pages are the right ones.

Correctness only, never speed: the fill against the use cases, the SWV's pages against the plan
(open cases of its own pupils, none of another SWV, none of a pupil who left), both sides'
figures present, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters import casus
from adapters.casusmodellen import CasusIn, case_values
from adapters.school.inschrijving import InschrijvingIn, register
from domain.casuslijsten import Reden
from domain.parties import Role
from hub.bench import casussen
from hub.bench.core import Options
from hub.bench.ingest import hub_persistence
from hub.bench.suite import benchmarks
from infra.persistence import StorePersistence

SIZE = 300  # cases of the SWV; half as many of others


@pytest.fixture
def filled(database_url: str, tmp_path: Path) -> Any:
    with hub_persistence(database_url, tmp_path) as p:
        yield casussen.fill(p, SIZE)


def _log(p: StorePersistence, start: int) -> list[dict[str, Any]]:
    return [json.loads(e.body) for e in p.access_log.entries(start)]


def test_the_benchmark_is_registered_with_what_it_reads() -> None:
    assert benchmarks()["casussen"] is casussen.casussen


def test_the_plan_spreads_the_swv_among_others_with_a_third_open() -> None:
    planned = casussen.plan(3000, random.Random(1), date.today())
    own = [c for c in planned if c.swv == casussen.SWV]
    assert len(own) == 3000 and len(planned) == 4500
    assert {c.school for c in own} == set(casussen.SCHOOLS)
    assert 0.28 < sum(c.open for c in own) / len(own) < 0.39
    assert any(c.open and not c.registered for c in own) and any(not c.open and not c.registered for c in own)
    first_others = min(i for i, c in enumerate(planned) if c.swv != casussen.SWV)
    last_others = max(i for i, c in enumerate(planned) if c.swv != casussen.SWV)
    assert first_others < 50 and last_others > 4400  # spread through the directory, not appended
    assert len({c.subject for c in planned}) == len(planned)


def test_the_fill_writes_what_the_api_writes(database_url: str, tmp_path: Path) -> None:
    """A case opened by `adapters.casus.open_` and one by the fill: the same directory row, the
    same case, the same write entry, apart from ids and pupils."""
    today = date.today()
    with hub_persistence(database_url, tmp_path) as p:
        casussen.register_parties(p)
        school = casussen.party(Role.SCHOOL, casussen.SCHOOLS[0])
        code = school.org.code
        pupil = {"leerling": {"bsn": "999990019"}, "school": {"brin": code[:4], "vestiging": code[4:]}}
        enrolled = register(p, school, InschrijvingIn.model_validate(pupil))
        assert enrolled.status == 201, enrolled.body
        body = pupil | {"woongemeente": casussen.GEMEENTEN[0]}
        body |= {"thuis_sinds": (today - timedelta(weeks=6)).isoformat(), "reden": Reden.WACHTLIJST_ZORG.value}
        start = p.access_log.size()
        via_api = UUID(casus.open_(p, school, CasusIn.model_validate(body)).body["id"])
        [api_entry] = _log(p, start)

        planned = casussen.Case(
            subject="ab" * 32,
            swv=casussen.SWV,
            school=school.org.code,
            gemeente=casussen.GEMEENTEN[0],
            thuis_sinds=today - timedelta(weeks=6),
            reden=Reden.WACHTLIJST_ZORG,
            actions=0,
            open=True,
            registered=True,
        )
        start = p.access_log.size()
        [via_fill] = casussen.store(p, [planned], random.Random(2))
        fill_entries = [e for e in _log(p, start) if e["purpose"] == casus.PURPOSE]

        api_row, fill_row = p.directory_entry(via_api), p.directory_entry(via_fill)
        assert api_row is not None and fill_row is not None
        assert replace(fill_row, record_id=via_api, subject=api_row.subject) == api_row
        assert (api_row.owner_org, api_row.receiver_org) == (f"swv:{casussen.SWV}", school.org.org_id)
        api_case, fill_case = p.load(via_api), p.load(via_fill)
        assert [type(e).__name__ for e in p.store.records.events.get(via_fill)] == ["Created"]
        values = {k: v for k, v in case_values(api_case, today).items() if k != "leerling.referentie"}
        assert {k: v for k, v in case_values(fill_case, today).items() if k != "leerling.referentie"} == values
        [fill_entry] = fill_entries
        differ = {"record_id", "subject", "at", "request_id", "trace_id", "actor"}
        assert {k: v for k, v in fill_entry.items() if k not in differ} == {
            k: v for k, v in api_entry.items() if k not in differ
        }


def test_the_swv_lists_exactly_its_open_cases_of_pupils_still_registered(filled: casussen.Filled) -> None:
    p = filled.persistence
    own = {i: c for i, c in filled.cases.items() if c.swv == casussen.SWV}
    listed: list[UUID] = []
    after, pages = 0, 0
    while True:
        start = p.access_log.size()
        answer = casussen.listing(p, after)
        items = answer["items"]
        for item in items:
            assert item["gegevens"]["casus.resultaat"]["status"] == "open"
            assert "casus.klok" in item["gegevens"] and "afweging" in item
        assert len(_log(p, start)) == len(items)  # every released item weighed and logged
        listed += [UUID(i["id"]) for i in items]
        pages += 1
        if answer["volgende"] == after:
            break
        after = answer["volgende"]
    assert pages > len(own) // casussen.PAGE
    assert listed == [i for i, c in own.items() if c.open and c.registered]  # in directory order
    assert any(c.open and not c.registered for c in own.values())


def test_the_pages_each_side_must_list(filled: casussen.Filled) -> None:
    first, halfway = casussen.pages(filled)
    assert first.after == 0 < halfway.after
    for page in (first, halfway):
        assert page.rows == casussen.PAGE
        assert page.ours and set(page.ours) < set(page.peer)  # the peer lists pupils who left too
        assert all(filled.cases[i].open and filled.cases[i].swv == casussen.SWV for i in page.peer)
    left = set(first.peer) - set(first.ours)
    assert left and not any(filled.cases[i].registered for i in left)
    assert [UUID(i["id"]) for i in casussen.listing(filled.persistence, first.after)["items"]] == first.ours


def test_another_swv_sees_none_of_these_cases(filled: casussen.Filled) -> None:
    other = next(iter(casussen.OTHER_SWVS))
    ids = {UUID(i["id"]) for i in casussen.listing(filled.persistence, 0, swv=other)["items"]}
    assert ids and all(filled.cases[i].swv == other for i in ids)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_benchmark_gives_both_sides_figures(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "postgres":
        request.getfixturevalue("pg_cluster")  # skips where PostgreSQL is not installed
    results = casussen.casussen(Options.quick(rounds=2, backend=backend, cases=SIZE))
    assert [r.name for r in results] == [
        f"casussen {backend}: first page of the SWV's open cases at {SIZE} cases",
        f"casussen {backend}: page halfway of the SWV's open cases at {SIZE} cases",
    ]
    for r in results:
        assert r.ours > 0 and r.peer > 0 and math.isfinite(r.ratio)
        assert len(r.ours_rounds) == len(r.peer_rounds) == 2 and not r.higher_is_better
        assert r.ours_latency and r.peer_latency and r.ours_latency.count == 2 * casussen.LISTINGS
        assert r.ours_latency.p50 <= r.ours_latency.p99 and r.peer_latency.p50 <= r.peer_latency.p99
        assert r.extra[0].startswith("goal (issue 17): p50 below 50 ms on each backend: ")


def test_an_absolute_goal_bounds_our_own_figure_and_the_report_says_so() -> None:
    from hub.bench.core import BenchResult
    from hub.bench.report import goal_text, met_text

    within = BenchResult("list", "ms/page", 37.5, "peer", 20.0, higher_is_better=False, limit=50)
    over = BenchResult("list", "ms/page", 51.0, "peer", 60.0, higher_is_better=False, limit=50)
    assert (within.meets_goal, over.meets_goal) == (True, False)
    assert goal_text(within) == "≤ 50 ms/page (ours)" and met_text(over) == "NO"
