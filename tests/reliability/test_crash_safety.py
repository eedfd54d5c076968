"""Crash safety: SIGKILL `hub serve` at random moments while signed pushes and corrections go on.

Afterwards every acknowledged write is there and readable, the tables agree with each other
(events, directory rows, write entries in the access log, idempotency records: all or nothing
per request), retrying each unacknowledged push with its Idempotency-Key yields exactly one
record per push, and the access log verifies. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.parties import Role
from hub.container import build_hub
from tests.hub.helpers import melding_body, new_bsn
from tests.reliability.helpers import (
    HUB_BIN,
    Credentials,
    Server,
    audit_cli_available,
    encodings,
    events_table,
    hub_env,
    register_org,
    settings_for,
    verify_access_log,
    write_entries,
)

KILLS = {"sqlite": 12, "postgres": 10}
WRITERS = 3
MAX_CORRECTIONS = 24  # 16 h plus one hour per correction stays within the 40 lesson hours of a week


@dataclass
class Push:
    """One push as the client saw it: acknowledged (with the id) or not."""

    key: str
    body: dict[str, Any]
    record_id: str | None = None


@dataclass
class Ledger:
    """What the writers sent and what the server acknowledged."""

    pushes: list[Push] = field(default_factory=list)
    corrections_acked: Counter[str] = field(default_factory=Counter)
    corrections_tried: Counter[str] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)  # highest version acknowledged per record
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked(self) -> list[Push]:
        return [p for p in self.pushes if p.record_id is not None]


def writer(base_url: str, creds: Credentials, ledger: Ledger, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base_url, auth=creds.auth(), timeout=15.0) as client:
        while not stop.is_set():
            acked = [p for p in ledger.acked() if ledger.corrections_tried[str(p.record_id)] < MAX_CORRECTIONS]
            try:
                if acked and rng.random() < 0.3:
                    target = str(rng.choice(acked).record_id)
                    with ledger.lock:
                        ledger.corrections_tried[target] += 1
                        # Each correction of a record a value never sent for it before: always a change.
                        hours = 16 + ledger.corrections_tried[target]
                    r = client.post(
                        f"/v1/verzuimmeldingen/{target}/correcties", json={"uren": hours, "reden": "telfout"}
                    )
                    if r.status_code == 200:
                        with ledger.lock:
                            ledger.corrections_acked[target] += 1
                            ledger.versions[target] = max(ledger.versions[target], r.json()["versie"])
                    else:
                        # 409: a concurrent correction of the same melding won; anything else is a bug.
                        assert r.status_code == 409, r.text
                    continue
                push = Push(uuid.uuid4().hex, melding_body(new_bsn()))
                try:
                    r = client.post("/v1/verzuimmeldingen", json=push.body, headers={"Idempotency-Key": push.key})
                except httpx.ConnectError:
                    raise  # never reached the server: not a push
                except httpx.TransportError:
                    with ledger.lock:
                        ledger.pushes.append(push)  # sent, cut off by a kill: unacknowledged
                    raise
                assert r.status_code == 201, r.text
                push.record_id = r.json()["id"]
                with ledger.lock:
                    ledger.pushes.append(push)
            except httpx.TransportError:
                time.sleep(0.02)  # the server is down or was killed mid-request


def run_with_kills(server: Server, creds: Credentials, kills: int, rng: random.Random, ledger: Ledger) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            writer(server.base_url, creds, ledger, stop, rng.randrange(2**32) + i)
        except BaseException as e:  # surfaced in the main thread
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(0.05, 0.7))
            if stop.is_set():
                break
            server.kill()
            time.sleep(rng.uniform(0.0, 0.2))
            server.start()
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    if errors:
        raise errors[0]


def check_consistency(settings, ledger: Ledger) -> dict[str, int]:
    """The tables agree: every record has events, a directory row, one write entry per event."""
    hub = build_hub(settings)
    try:
        with hub.store.db.transaction(write=False) as tx:
            events = Counter(
                {
                    str(uuid.UUID(str(r[0]))): int(r[1])
                    for r in tx.execute(
                        f"SELECT originator_id, COUNT(*) FROM {events_table(hub)} GROUP BY originator_id"
                    ).all()
                }
            )
            directory = {str(uuid.UUID(str(r[0]))) for r in tx.execute("SELECT record_id FROM hub_directory").all()}
            answers = int(tx.execute("SELECT COUNT(*) FROM hub_idempotency").one()[0])  # type: ignore[index]
        writes = Counter(e.record_id for e in write_entries(hub))
        report = verify_access_log(hub)
    finally:
        hub.close()
    assert set(events) == directory, "records with events but no directory row, or the reverse"
    assert events == writes, "a record whose events and write entries in the access log differ"
    assert answers == len(directory), "idempotency records and pushed records differ"
    acked = {p.record_id for p in ledger.acked()}
    assert acked <= directory, f"acknowledged pushes lost: {sorted(acked - directory)[:5]}"
    assert len(directory) <= len(ledger.pushes)
    for record_id, version in ledger.versions.items():
        tried = ledger.corrections_tried[record_id]
        assert version <= events[record_id] <= 1 + tried, f"{record_id}: an acknowledged correction was lost"
    assert report.ok, report.failure
    return {"records": len(directory), "events": sum(events.values()), "entries": report.entries_checked}


@pytest.mark.slow
def test_sigkill_loses_nothing(database_url: str, tmp_path: Path, figures) -> None:
    backend = "postgres" if database_url.startswith("postgres") else "sqlite"
    rng = random.Random(7 if backend == "sqlite" else 11)
    settings = settings_for(database_url, tmp_path / "var")
    hub = build_hub(settings)  # creates the store and its secrets, as `hub serve` would
    creds = register_org(hub, Role.SCHOOL, "12AB00")
    hub.close()
    server = Server(settings, tmp_path)
    server.start()
    try:
        # The first push alone: the race of the very first writes is test_concurrency's to show.
        ledger = Ledger([Push("first-push", melding_body(new_bsn()))])
        with httpx.Client(base_url=server.base_url, auth=creds.auth(), timeout=30.0) as client:
            r = client.post(
                "/v1/verzuimmeldingen", json=ledger.pushes[0].body, headers={"Idempotency-Key": "first-push"}
            )
            assert r.status_code == 201, r.text
            ledger.pushes[0].record_id = r.json()["id"]
        run_with_kills(server, creds, KILLS[backend], rng, ledger)
        before = check_consistency(settings, ledger)
        with httpx.Client(base_url=server.base_url, auth=creds.auth(), timeout=30.0) as client:
            for push in ledger.acked():
                r = client.get(f"/v1/verzuimmeldingen/{push.record_id}")
                assert r.status_code == 200, r.text
                assert r.json()["versie"] >= ledger.versions[str(push.record_id)]
            unacked = [p for p in ledger.pushes if p.record_id is None]
            replayed = 0
            for push in unacked:
                r = client.post("/v1/verzuimmeldingen", json=push.body, headers={"Idempotency-Key": push.key})
                assert r.status_code == 201, r.text
                push.record_id = r.json()["id"]
                replayed += r.headers.get("idempotent-replayed") == "true"
    finally:
        server.stop()
    after = check_consistency(settings, ledger)
    assert after["records"] == len(ledger.pushes) == len({p.record_id for p in ledger.pushes}), "duplicates"
    cli = None
    if audit_cli_available():
        r = subprocess.run(
            [str(HUB_BIN), "audit", "verify"],
            env=hub_env(settings),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        cli = "hub audit verify"
    assert server.kills >= KILLS[backend]
    log = server.log_text()
    for push in ledger.pushes:  # what the server printed, over all its lives
        assert push.body["leerling"]["bsn"] not in log
    assert "Noor Testkind" not in log and "Traceback" not in log
    secrets = [
        settings.master_key_file.read_bytes(),
        settings.pepper_file.read_bytes(),
        settings.signing_key_file.read_bytes(),
        creds.seed,
    ]
    assert not [form for secret in secrets for form in encodings(secret) if form in log], "key material in the log"

    label = f"({backend})"
    figures.record(f"crash.{backend}.kills", f"SIGKILLs survived {label}", server.kills)
    figures.record(
        f"crash.{backend}.acked", f"pushes acknowledged before a retry {label}", len(ledger.pushes) - len(unacked)
    )
    figures.record(
        f"crash.{backend}.unacked", f"pushes cut off by a kill, retried with their key {label}", len(unacked)
    )
    figures.record(f"crash.{backend}.replayed", f"of those, already committed (replayed) {label}", replayed)
    figures.record(
        f"crash.{backend}.corrections", f"corrections acknowledged {label}", sum(ledger.corrections_acked.values())
    )
    figures.record(
        f"crash.{backend}.records", f"records after retries (= pushes, no duplicates) {label}", after["records"]
    )
    figures.record(f"crash.{backend}.lost", f"acknowledged writes lost {label}", 0)
    figures.record(
        f"crash.{backend}.verified",
        f"access-log entries verified {label}" + (f", also by `{cli}`" if cli else ""),
        after["entries"],
    )
    assert before["records"] <= after["records"]
