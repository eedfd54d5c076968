"""AccessLogStore on SQLite and PostgreSQL: the stored state, tree heads on demand, when due and every N appends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from audit.merkle import MerkleTree, verify_consistency, verify_inclusion
from audit.treehead import verify_tree_head
from audit.verify import verify_log
from hub.container import Hub
from infra import accesslog
from infra.accesslog import AccessLogStore, HeadSigner
from tests.audit.test_audit_cli import entry


def test_heads_and_proofs_match_a_tree_built_from_the_entries(hub: Hub) -> None:
    log = hub.persistence.access_log
    for n in range(0, 21, 3):  # appends in batches of 3, as pushes with several entries do
        log.append([entry(n), entry(n + 1), entry(n + 2)])
    tree = MerkleTree(e.entry_hash for e in log.entries())
    head = log.sign_head(hub.signing_key, hub.signing_key_id)
    assert (head.size, head.root) == (21, tree.root())
    assert verify_tree_head(hub.signing_key.verify_key, head)
    leaf, path = log.inclusion_proof(13, 21)
    assert verify_inclusion(leaf, 13, 21, path, head.root)
    assert verify_consistency(8, 21, tree.root(8), head.root, log.consistency_proof(8, 21))
    with pytest.raises(ValueError):
        log.inclusion_proof(0, 22)


def test_signing_twice_at_one_size_keeps_the_first_head(hub: Hub) -> None:
    log = hub.persistence.access_log
    log.append([entry(0)])
    first = log.sign_head(hub.signing_key, hub.signing_key_id)
    assert log.sign_head(hub.signing_key, hub.signing_key_id) == first
    assert log.heads() == [first] and log.latest_head() == first and log.head(1) == first


def test_a_signer_signs_a_head_every_n_appends_in_the_append_transaction(hub: Hub) -> None:
    log = AccessLogStore(hub.store.db, HeadSigner(hub.signing_key, hub.signing_key_id, every=4))
    log.append([entry(n) for n in range(3)])
    assert log.heads() == []
    log.append([entry(3), entry(4)])  # passes 4: a head of the size after the append
    log.append([entry(n) for n in range(5, 13)])  # passes 8 and 12: one head, of 13
    assert [h.size for h in log.heads()] == [5, 13]
    assert verify_log(log.entries(), log.heads(), {hub.signing_key_id: hub.signing_key.verify_key}).ok


def test_sign_if_due(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    log, key, kid = hub.persistence.access_log, hub.signing_key, hub.signing_key_id
    assert log.sign_if_due(key, kid) is not None  # no head at all yet: due (of size 0)
    log.append([entry(0)])
    assert log.sign_if_due(key, kid) is None  # grown, but neither old nor far behind
    later = datetime.now(UTC) + accesslog.HEAD_MAX_AGE + timedelta(seconds=1)
    assert log.sign_if_due(key, kid, now=later).size == 1
    assert log.sign_if_due(key, kid, now=later + accesslog.HEAD_MAX_AGE) is None  # not grown
    monkeypatch.setattr(accesslog, "HEAD_EVERY", 2)
    log.append([entry(1), entry(2)])
    assert log.sign_if_due(key, kid).size == 3


def test_two_workers_and_a_rolled_back_append_keep_one_tree(hub: Hub) -> None:
    """Each store reuses the range it last wrote only while the stored state is exactly that one:
    appends by another worker, or an append whose transaction rolled back, must not fork the tree."""
    first, second = hub.persistence.access_log, AccessLogStore(hub.store.db)
    first.append([entry(0)])
    second.append([entry(1), entry(2)])  # first's remembered range is stale now
    first.append([entry(3)])
    with pytest.raises(RuntimeError), hub.store.db.transaction() as tx:
        second.append_in(tx, [entry(99)])  # remembered, then rolled back
        raise RuntimeError("the push fails after its entry")
    second.append([entry(4)])
    first.append([entry(5)])
    tree = MerkleTree(e.entry_hash for e in first.entries())
    head = second.sign_head(hub.signing_key, hub.signing_key_id)
    assert (head.size, head.root) == (6, tree.root())
    assert verify_log(first.entries(), first.heads(), {hub.signing_key_id: hub.signing_key.verify_key}).ok
