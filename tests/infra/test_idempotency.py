"""The idempotency store: a request hash keyed by the hub, and answers a shred turns into tombstones."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from infra.idempotency import GONE, IdempotencyStore, StoredAnswer
from infra.retention import reapply_shreds
from infra.store import Store, open_store
from tests.infra.test_store import _note

ORG = "school:12AB00"
BODY = b'{"leerling": {"bsn": "999990019", "naam": "Noor Testkind"}}'


@pytest.fixture
def answers(store: Store) -> IdempotencyStore:
    return IdempotencyStore(store.db, store.keys.sub_key("idempotency"))


def _remember(store: Store, answers: IdempotencyStore, key: str, purpose: str, subject: str) -> None:
    with store.db.transaction() as tx:
        answers.remember(ORG, key, f"hash-{key}", 201, {"id": key}, subject=subject, purpose=purpose)(tx)


def _raw(store: Store, key: str) -> tuple[str, int, bytes]:
    with store.db.transaction(write=False) as tx:
        row = tx.execute("SELECT request_hash, status, response FROM hub_idempotency WHERE idem_key = ?", (key,)).one()
    assert row is not None
    return str(row[0]), int(row[1]), bytes(row[2])


def test_the_request_hash_is_an_hmac_under_the_hubs_key(answers: IdempotencyStore) -> None:
    keyed = answers.request_hash("POST", "/v1/verzuimmeldingen", BODY)
    assert keyed == answers.request_hash("POST", "/v1/verzuimmeldingen", BODY)
    assert keyed != hashlib.sha256(b"\n".join((b"POST", b"/v1/verzuimmeldingen", BODY))).hexdigest()
    assert keyed != answers.request_hash("POST", "/v1/verzuimmeldingen", BODY + b" ")


def test_another_hub_computes_another_hash(answers: IdempotencyStore, tmp_path: Path) -> None:
    from tests.conftest import make_settings

    other = open_store(make_settings(f"sqlite:///{tmp_path}/other.sqlite", tmp_path / "other-var"))
    try:
        theirs = IdempotencyStore(other.db, other.keys.sub_key("idempotency"))
        assert theirs.request_hash("POST", "/p", BODY) != answers.request_hash("POST", "/p", BODY)
    finally:
        other.close()


def test_a_pupils_shred_leaves_a_tombstone_of_that_pupils_answers_only(store: Store, answers: IdempotencyStore) -> None:
    _remember(store, answers, "a-verzuim", "verzuimmelding", "pupil-a")
    _remember(store, answers, "b-verzuim", "verzuimmelding", "pupil-b")
    _remember(store, answers, "a-overdracht", "warme-overdracht", "pupil-a")

    store.keys.shred("verzuimmelding", "pupil-a", "test")

    assert answers.find(ORG, "a-verzuim") == StoredAnswer("", GONE, {})
    assert _raw(store, "a-verzuim") == ("", GONE, b"")  # neither the hash nor the sealed answer is left
    assert answers.find(ORG, "b-verzuim") == StoredAnswer("hash-b-verzuim", 201, {"id": "b-verzuim"})
    assert answers.find(ORG, "a-overdracht") == StoredAnswer("hash-a-overdracht", 201, {"id": "a-overdracht"})


def test_a_purpose_shred_leaves_tombstones_of_the_whole_purpose(store: Store, answers: IdempotencyStore) -> None:
    _remember(store, answers, "a-verzuim", "verzuimmelding", "pupil-a")
    _remember(store, answers, "b-verzuim", "verzuimmelding", "pupil-b")
    _remember(store, answers, "a-overdracht", "warme-overdracht", "pupil-a")

    store.keys.shred("verzuimmelding", None, "test")

    assert [_raw(store, k) for k in ("a-verzuim", "b-verzuim")] == [("", GONE, b"")] * 2
    assert answers.find(ORG, "a-overdracht") == StoredAnswer("hash-a-overdracht", 201, {"id": "a-overdracht"})


def test_a_shred_list_re_applied_after_a_restore_takes_the_answers_again(
    store: Store, answers: IdempotencyStore
) -> None:
    """A backup from before the shred brings key and answer back: re-applying the list takes both."""
    note = _note(store)
    _remember(store, answers, "restored", "verzuimmelding", note.subject)
    with store.db.transaction(write=False) as tx:
        row = tx.execute("SELECT key_id FROM hub_data_keys WHERE subject = ?", (note.subject,)).one()
    assert row is not None

    assert len(reapply_shreds(store.db, [(str(row[0]), "verzuimmelding", "2026-12-01T09:00:00Z")])) == 1

    assert _raw(store, "restored") == ("", GONE, b"")
