"""Keys under failure: a lost or wrong master key, rotation during pushes, a rolled-back first key.

A lost master key file must stop the hub with a clear message (never a fresh key that makes
every record unreadable); a wrong one must read nothing; a rotation while pushes go on must
lose nothing, also after a restart; and a purpose key whose transaction rolled back must never
wrap a stored data key.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from domain.parties import Role
from hub.app import create_app
from hub.container import Hub, build_hub
from infra.keystore import KeyRef, KeyStore, KeyStoreError, MasterKeyMismatch
from infra.sealing import SealError
from infra.secretfiles import SecretMissing
from tests.hub.helpers import melding_body, new_bsn
from tests.reliability.helpers import (
    HUB_BIN,
    Credentials,
    events_table,
    free_port,
    hub_env,
    register_org,
    settings_for,
)

PURPOSE = "verzuimmelding"


def client_for(hub: Hub | FastAPI, creds: Credentials) -> TestClient:
    client = TestClient(hub if isinstance(hub, FastAPI) else create_app(hub), raise_server_exceptions=False)
    client.auth = creds.auth()
    return client


@pytest.fixture
def filled(database_url: str, tmp_path: Path):
    """A store holding a few meldingen; the hub is closed again (as after a shutdown)."""
    settings = settings_for(database_url, tmp_path / "var")
    hub = build_hub(settings)
    creds = register_org(hub, Role.SCHOOL, "12AB00")
    with client_for(hub, creds) as client:
        ids = [client.post("/v1/verzuimmeldingen", json=melding_body()).json()["id"] for _ in range(3)]
    hub.close()
    return settings, creds, ids


def serve_once(settings, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Start `hub serve` and return how it ended (a refusal ends it at once)."""
    return subprocess.run(
        [str(HUB_BIN), "serve", "--port", str(free_port())],
        env=hub_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_lost_master_key_file_stops_the_hub_clearly(filled, tmp_path: Path) -> None:
    settings, creds, ids = filled
    kept = settings.master_key_file.read_bytes()
    settings.master_key_file.unlink()
    with pytest.raises(SecretMissing, match="restore the key file"):
        build_hub(settings)
    ended = serve_once(settings, tmp_path)
    said = " ".join(ended.stderr.split())
    assert ended.returncode != 0
    assert "master.key is missing" in said and "restore the key file" in said, said[-800:]
    assert not settings.master_key_file.exists(), "a new master key was invented for a store with data"
    assert kept.hex() not in ended.stderr
    settings.master_key_file.write_bytes(kept)  # restored from the backup: everything is there
    settings.master_key_file.chmod(0o600)  # as docs/operations.md says; a looser file refuses the start
    hub = build_hub(settings)
    try:
        with client_for(hub, creds) as client:
            assert [client.get(f"/v1/verzuimmeldingen/{i}").status_code for i in ids] == [200] * len(ids)
    finally:
        hub.close()


def test_wrong_master_key_reads_nothing(filled, tmp_path: Path) -> None:
    settings, _creds, _ids = filled
    right = settings.master_key_file.read_bytes()
    wrong = os.urandom(32)
    settings.master_key_file.write_bytes(wrong)
    with pytest.raises(MasterKeyMismatch, match="does not match"):
        build_hub(settings)
    ended = serve_once(settings, tmp_path)
    assert ended.returncode != 0 and "master key does not match" in " ".join(ended.stderr.split())
    # Past the start-up check, at the key store itself: no data key opens under the wrong key.
    settings.master_key_file.write_bytes(right)
    hub = build_hub(settings)
    try:
        with hub.store.db.transaction(write=False) as tx:
            refs = [KeyRef(str(r[0]), str(r[1])) for r in tx.execute("SELECT key_id, subject FROM hub_data_keys").all()]
        assert len(refs) == 3
        keys = KeyStore(hub.store.db, wrong)
        for ref in refs:
            with pytest.raises((SealError, KeyStoreError)):
                keys.key_for_read(ref)
    finally:
        hub.close()


def test_startup_refusal_is_a_clear_message_not_a_traceback(filled, tmp_path: Path) -> None:
    """An operator who lost the key file should read one sentence, not a source listing."""
    settings, _creds, _ids = filled
    settings.master_key_file.unlink()
    ended = serve_once(settings, tmp_path)
    assert ended.returncode != 0
    assert "Traceback" not in ended.stderr, ended.stderr[-1500:]


def test_rotation_while_pushing_loses_nothing(database_url: str, tmp_path: Path, figures) -> None:
    settings = settings_for(database_url, tmp_path / "var")
    hub = build_hub(settings)
    creds = register_org(hub, Role.SCHOOL, "12AB00")
    acked: list[str] = []
    errors: list[str] = []
    refused: list[str] = []
    stop = threading.Event()
    app = create_app(hub)  # one app for every thread: routes built concurrently race inside FastAPI

    def push() -> None:
        with client_for(app, creds) as client:
            while not stop.is_set():
                r = client.post("/v1/verzuimmeldingen", json=melding_body(new_bsn()))
                if r.status_code == 201:
                    acked.append(r.json()["id"])
                elif r.status_code == 409:  # a lost race: the client's to retry
                    refused.append(r.text)
                else:
                    errors.append(f"{r.status_code} {r.text[:200]}")

    with client_for(hub, creds) as client:
        assert client.post("/v1/verzuimmeldingen", json=melding_body()).status_code == 201
    threads = [threading.Thread(target=push) for _ in range(3)]
    for t in threads:
        t.start()
    rotations, deadline = 0, time.monotonic() + 60
    try:  # rotate until enough pushes went on in between (a bound on the time, not on the pushes)
        while (rotations < 8 or len(acked) < 40) and time.monotonic() < deadline and not errors:
            hub.store.keys.rotate(PURPOSE)
            rotations += 1
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    hub.close()
    assert not errors, errors[:5]
    restarted = build_hub(settings)  # nothing cached: every key is unwrapped from the store again
    try:
        with client_for(restarted, creds) as client:
            unreadable = [i for i in acked if client.get(f"/v1/verzuimmeldingen/{i}").status_code != 200]
        with restarted.store.db.transaction(write=False) as tx:
            versions = tx.execute("SELECT COUNT(*) FROM hub_purpose_keys WHERE purpose = ?", (PURPOSE,)).one()
    finally:
        restarted.close()
    assert not unreadable, f"{len(unreadable)} of {len(acked)} acknowledged pushes unreadable after rotation"
    assert versions == (1,)
    backend = "postgres" if database_url.startswith("postgres") else "sqlite"
    figures.record(f"keys.{backend}.rotations", f"rotations while 3 threads pushed ({backend})", rotations)
    figures.record(
        f"keys.{backend}.pushes", f"pushes acknowledged meanwhile, all readable after restart ({backend})", len(acked)
    )
    figures.record(f"keys.{backend}.refused", f"pushes answered 409 meanwhile, to be retried ({backend})", len(refused))


def test_a_rolled_back_purpose_key_never_wraps_a_stored_key(database_url: str, tmp_path: Path) -> None:
    """Two hub processes (workers) on a new store: the first write of one rolls back after it made
    the purpose key, the other then makes and commits its own. A later push through the first
    must be sealed under the stored purpose key, or it is unreadable after a restart."""
    settings = settings_for(database_url, tmp_path / "var")
    first = build_hub(settings)
    creds = register_org(first, Role.SCHOOL, "12AB00")
    second = build_hub(settings)
    # A stray row where the first write's access-log entry goes makes that transaction fail
    # late, after the purpose key was made in it (as a deadlock or lost race would).
    with first.store.db.transaction() as tx:
        tx.execute(
            "INSERT INTO hub_access_log (seq, subject, body, prev_hash, entry_hash) VALUES (0, NULL, ?, ?, ?)",
            (b"{}", b"\0" * 32, b"\0" * 32),
        )
    try:
        with client_for(first, creds) as a, client_for(second, creds) as b:
            assert a.post("/v1/verzuimmeldingen", json=melding_body()).status_code >= 400
            with first.store.db.transaction() as tx:
                tx.execute("DELETE FROM hub_access_log WHERE seq = 0")
                assert tx.execute(f"SELECT COUNT(*) FROM {events_table(first)}").one() == (0,)
            assert b.post("/v1/verzuimmeldingen", json=melding_body()).status_code == 201
            r = a.post("/v1/verzuimmeldingen", json=melding_body())
            assert r.status_code == 201, r.text
            mid = r.json()["id"]
    finally:
        first.close()
        second.close()
    restarted = build_hub(settings)
    try:
        with client_for(restarted, creds) as client:
            r = client.get(f"/v1/verzuimmeldingen/{mid}")
        assert r.status_code == 200, f"an acknowledged push is unreadable after a restart: {r.status_code} {r.text}"
    finally:
        restarted.close()


def test_master_rotation_rewraps_purpose_keys_and_touches_no_data(filled, tmp_path: Path) -> None:
    """`hub keys rotate-master` (hub stopped): the old key no longer opens the store, the new one
    opens every record, and an idempotent retry from before the rotation still gets its answer."""
    settings, creds, ids = filled
    hub = build_hub(settings)
    with client_for(hub, creds) as client:
        body = melding_body()
        first = client.post("/v1/verzuimmeldingen", json=body, headers={"Idempotency-Key": "before-rotation-1"})
    with hub.store.db.transaction(write=False) as tx:
        data_keys = tx.execute("SELECT key_id, wrapped FROM hub_data_keys ORDER BY key_id").all()
        purpose_keys = tx.execute("SELECT purpose, version, wrapped FROM hub_purpose_keys").all()
        events = tx.execute(f"SELECT state FROM {events_table(hub)} ORDER BY state").all()
    hub.close()
    old = settings.master_key_file.read_bytes()
    new_file = tmp_path / "master-2.key"
    ran = subprocess.run(
        [str(HUB_BIN), "keys", "rotate-master", "--new-key-file", str(new_file), "--yes"],
        env=hub_env(settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr[-800:]
    assert "re-wrapped 1 purpose key(s)" in ran.stdout
    assert new_file.stat().st_mode & 0o777 == 0o600 and new_file.read_bytes() != old
    assert old.hex() not in ran.stdout + ran.stderr and new_file.read_bytes().hex() not in ran.stdout + ran.stderr

    with pytest.raises(MasterKeyMismatch, match="does not match"):
        build_hub(settings)  # the old key is refused at the start
    settings.master_key_file.write_bytes(new_file.read_bytes())
    hub = build_hub(settings)
    try:
        with hub.store.db.transaction(write=False) as tx:
            assert tx.execute("SELECT key_id, wrapped FROM hub_data_keys ORDER BY key_id").all() == data_keys
            assert tx.execute(f"SELECT state FROM {events_table(hub)} ORDER BY state").all() == events
            rewrapped = tx.execute("SELECT purpose, version, wrapped FROM hub_purpose_keys").all()
        assert [r[:2] for r in rewrapped] == [r[:2] for r in purpose_keys]
        assert rewrapped[0][2] != purpose_keys[0][2]
        with client_for(hub, creds) as client:
            assert [client.get(f"/v1/verzuimmeldingen/{i}").status_code for i in ids] == [200] * len(ids)
            again = client.post("/v1/verzuimmeldingen", json=body, headers={"Idempotency-Key": "before-rotation-1"})
            assert (again.status_code, again.json()["id"]) == (first.status_code, first.json()["id"])
            assert client.post("/v1/verzuimmeldingen", json=melding_body()).status_code == 201
    finally:
        hub.close()


def test_a_process_left_running_through_a_master_rotation_answers_503_not_500(filled) -> None:
    settings, creds, ids = filled
    running, operator = build_hub(settings), build_hub(settings)
    try:
        with client_for(running, creds) as client:
            assert client.get(f"/v1/verzuimmeldingen/{ids[0]}").status_code == 200
            assert operator.store.keys.rotate_master(os.urandom(32)) == 1
            stale = client.get(f"/v1/verzuimmeldingen/{ids[1]}")
            assert stale.status_code == 503, stale.text
            assert stale.headers["content-type"] == "application/problem+json"
            assert "master key" in stale.json()["detail"]
            assert int(stale.headers["retry-after"]) == settings.retry_after_seconds
            refused = client.post("/v1/verzuimmeldingen", json=melding_body())
            assert refused.status_code == 503, refused.text
    finally:
        running.close()
        operator.close()


def test_master_rotation_refuses_the_same_or_a_malformed_key(filled) -> None:
    settings, _creds, _ids = filled
    hub = build_hub(settings)
    try:
        with pytest.raises(KeyStoreError, match="the one in use"):
            hub.store.keys.rotate_master(settings.master_key_file.read_bytes())
        with pytest.raises(KeyStoreError, match="32 bytes"):
            hub.store.keys.rotate_master(os.urandom(16))
    finally:
        hub.close()
    build_hub(settings).close()  # still its key: a refused rotation changed nothing (else MasterKeyMismatch)
