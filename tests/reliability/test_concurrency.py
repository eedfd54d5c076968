"""Concurrency through the real server: parallel writers on one aggregate, parallel identical pushes.

A version conflict answers 409 and is never a lost update (every acknowledged correction is an
event, at its own version); one Idempotency-Key yields one record however many copies race.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hub.helpers import melding_body, new_bsn
from tests.reliability.helpers import Credentials, events_table, live_hub, settings_for, table_counts

THREADS = 8
ROUNDS = 6


@pytest.fixture
def live(database_url: str, tmp_path: Path):
    """A running `hub serve`, the store open in this process too, and a registered school."""
    with live_hub(settings_for(database_url, tmp_path / "var"), tmp_path) as (server, hub, creds):
        # One push first: the race of the very first writes on a new store is its own test below.
        with httpx.Client(base_url=server.base_url, auth=creds.auth(), timeout=30.0) as client:
            assert client.post("/v1/verzuimmeldingen", json=melding_body()).status_code == 201
        yield server, hub, creds


def race(
    n: int, call: Callable[[httpx.Client, int], httpx.Response], base_url: str, creds: Credentials
) -> list[httpx.Response]:
    """Run `call` in n threads released at the same moment, each with its own connection."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        with httpx.Client(base_url=base_url, auth=creds.auth(), timeout=60.0) as client:
            barrier.wait()
            try:
                results[i] = call(client, i)
            except BaseException as e:
                results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def versions_of(hub, record_id: str) -> list[int]:
    with hub.store.db.transaction(write=False) as tx:
        rows = tx.execute(
            f"SELECT originator_version FROM {events_table(hub)} WHERE originator_id = ? ORDER BY originator_version",
            (_stored_id(hub, record_id),),
        ).all()
    return [int(r[0]) for r in rows]


def _stored_id(hub, record_id: str) -> str:
    # SQLite keeps the UUID as 32 hex digits, PostgreSQL as a uuid.
    return uuid.UUID(record_id).hex if hub.store.db.dialect == "sqlite" else record_id


def test_parallel_corrections_never_lose_an_update(live, figures, database_url) -> None:
    server, hub, creds = live
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=server.base_url, auth=creds.auth(), timeout=30.0) as client:
        for _ in range(ROUNDS):
            mid = client.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"]
            answers = race(
                THREADS,
                lambda c, i, mid=mid: c.post(
                    f"/v1/verzuimmeldingen/{mid}/correcties", json={"uren": 17 + i, "reden": "telfout"}
                ),
                server.base_url,
                creds,
            )
            statuses.update(r.status_code for r in answers)
            assert {r.status_code for r in answers} <= {200, 409}, [r.text for r in answers]
            won = [r.json()["versie"] for r in answers if r.status_code == 200]
            assert won, "no correction won"
            assert len(set(won)) == len(won), f"two acknowledged corrections at one version: {won}"
            assert versions_of(hub, mid) == list(range(1, 2 + len(won))), "an acknowledged correction is missing"
            for r in answers:
                if r.status_code == 409:
                    assert r.headers["content-type"].startswith("application/problem+json")
            final = client.get(f"/v1/verzuimmeldingen/{mid}").json()
            assert final["versie"] == 1 + len(won)
    backend = "postgres" if database_url.startswith("postgres") else "sqlite"
    figures.record(
        f"concurrency.{backend}.corrections",
        f"parallel corrections ({ROUNDS} meldingen × {THREADS} threads, {backend})",
        ROUNDS * THREADS,
    )
    figures.record(
        f"concurrency.{backend}.won", f"acknowledged, each an event at its own version ({backend})", statuses[200]
    )
    figures.record(f"concurrency.{backend}.conflicts", f"answered 409 ({backend})", statuses[409])
    figures.record(f"concurrency.{backend}.lost", f"lost updates ({backend})", 0)


def test_parallel_identical_pushes_make_one_record(live, figures, database_url) -> None:
    server, hub, creds = live
    replays = 0
    for _ in range(ROUNDS):
        body, key = melding_body(), f"race-{uuid.uuid4().hex}"
        before = table_counts(hub)
        answers = race(
            THREADS,
            lambda c, i, body=body, key=key: c.post(
                "/v1/verzuimmeldingen", json=body, headers={"Idempotency-Key": key}
            ),
            server.base_url,
            creds,
        )
        after = table_counts(hub)
        assert [r.status_code for r in answers] == [201] * THREADS, [r.text for r in answers]
        assert len({r.json()["id"] for r in answers}) == 1, "one key, several records"
        replays += sum(r.headers.get("idempotent-replayed") == "true" for r in answers)
        grown = {t: after[t] - before[t] for t in after}
        assert grown[events_table(hub)] == grown["hub_directory"] == grown["hub_idempotency"] == 1, grown
    backend = "postgres" if database_url.startswith("postgres") else "sqlite"
    figures.record(
        f"concurrency.{backend}.idem_pushes",
        f"identical pushes with one key ({ROUNDS} keys × {THREADS} threads, {backend})",
        ROUNDS * THREADS,
    )
    figures.record(f"concurrency.{backend}.idem_records", f"records they created ({backend})", ROUNDS)
    figures.record(f"concurrency.{backend}.idem_replays", f"answered as replays ({backend})", replays)


def test_first_pushes_on_a_new_store_race_cleanly(database_url: str, tmp_path: Path) -> None:
    """The first writes of a new store race to create the purpose key: each must still succeed."""
    with live_hub(settings_for(database_url, tmp_path / "var"), tmp_path) as (server, _hub, creds):
        answers = race(
            THREADS, lambda c, i: c.post("/v1/verzuimmeldingen", json=melding_body()), server.base_url, creds
        )
    assert [r.status_code for r in answers] == [201] * THREADS, [r.text[:120] for r in answers]


def test_parallel_first_pushes_for_one_pupil_all_succeed(live) -> None:
    """Several meldingen of one new pupil at once (different records): all race to make its data key."""
    server, _hub, creds = live
    for _ in range(3):
        bsn = new_bsn()
        answers = race(
            THREADS,
            lambda c, i, bsn=bsn: c.post("/v1/verzuimmeldingen", json=melding_body(bsn)),
            server.base_url,
            creds,
        )
        assert [r.status_code for r in answers] == [201] * THREADS, [r.text[:120] for r in answers]
