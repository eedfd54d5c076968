"""The hash chain and signed tree heads."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from nacl.signing import SigningKey

from audit.chain import GENESIS, ChainedEntry, chain_hash, link, merkle_leaf
from audit.merkle import leaf_hash
from audit.treehead import ORIGIN, TreeHead, checkpoint, sign_tree_head, utc_timestamp, verify_tree_head
from tests.audit.factories import KEY_ID, SIGNING_KEY, build_log

ROOT = hashlib.sha256(b"some root").digest()


# -- chain ------------------------------------------------------------------------------
def test_first_entry_links_to_genesis() -> None:
    first = link(None, 0, b'{"a":1}')
    assert first == ChainedEntry(0, b'{"a":1}', GENESIS, hashlib.sha256(b"\x00" + bytes(32) + b'{"a":1}').digest())


def test_each_entry_links_to_its_predecessor() -> None:
    entries = build_log(5)
    assert [e.seq for e in entries] == [0, 1, 2, 3, 4]
    for prev, entry in pairwise(entries):
        assert entry.prev_hash == prev.entry_hash
        assert entry.entry_hash == chain_hash(prev.entry_hash, entry.body)


@pytest.mark.parametrize("seq", [0, 2, -1])
def test_link_refuses_a_seq_that_does_not_follow(seq: int) -> None:
    with pytest.raises(ValueError):
        link(link(None, 0, b"x"), seq, b"y")


def test_the_entry_hash_is_the_rfc9162_leaf_hash_of_prev_hash_and_body() -> None:
    first = link(None, 0, b"body")
    second = link(first, 1, b"more")
    assert second.entry_hash == leaf_hash(first.entry_hash + b"more")
    assert merkle_leaf(second.entry_hash) == second.entry_hash


def test_entries_are_immutable() -> None:
    with pytest.raises(AttributeError):
        link(None, 0, b"x").body = b"y"  # type: ignore[misc]


# -- tree heads -------------------------------------------------------------------------
def test_signed_message_is_the_checkpoint_text() -> None:
    head = sign_tree_head(SIGNING_KEY, KEY_ID, 42, ROOT, "2026-11-23T09:00:00Z")
    expected = f"ketenhub.nl/audit/v1\n42\n{base64.b64encode(ROOT).decode()}\n2026-11-23T09:00:00Z\n"
    assert ORIGIN == "ketenhub.nl/audit/v1"
    assert head.message() == checkpoint(42, ROOT, "2026-11-23T09:00:00Z") == expected.encode()
    SIGNING_KEY.verify_key.verify(expected.encode(), head.signature)  # raises if not


def test_a_signed_head_verifies() -> None:
    head = sign_tree_head(SIGNING_KEY, KEY_ID, 42, ROOT, "2026-11-23T09:00:00Z")
    assert verify_tree_head(SIGNING_KEY.verify_key, head)


@pytest.mark.parametrize(
    "change",
    [
        {"size": 43},
        {"root": hashlib.sha256(b"other").digest()},
        {"timestamp": "2026-11-23T09:00:01Z"},
        {"signature": bytes(64)},
    ],
)
def test_any_changed_field_breaks_the_signature(change: dict[str, object]) -> None:
    head = sign_tree_head(SIGNING_KEY, KEY_ID, 42, ROOT, "2026-11-23T09:00:00Z")
    assert not verify_tree_head(SIGNING_KEY.verify_key, replace(head, **change))


def test_another_key_does_not_verify() -> None:
    head = sign_tree_head(SIGNING_KEY, KEY_ID, 42, ROOT, "2026-11-23T09:00:00Z")
    assert not verify_tree_head(SigningKey(bytes(32)).verify_key, head)


def test_json_round_trip() -> None:
    head = sign_tree_head(SIGNING_KEY, KEY_ID, 42, ROOT, "2026-11-23T09:00:00.250Z")
    published = json.loads(json.dumps(head.to_json()))
    assert published["root"] == base64.b64encode(ROOT).decode()
    assert TreeHead.from_json(published) == head


@pytest.mark.parametrize(
    "change",
    [
        {"root": "not base64!"},
        {"root": base64.b64encode(bytes(31)).decode()},
        {"signature": base64.b64encode(bytes(63)).decode()},
        {"size": -1},
        {"size": "42"},
        {"size": True},
        {"timestamp": "2026-11-23 09:00:00"},
        {"timestamp": "2026-11-23T10:00:00+01:00"},
        {"timestamp": "2026-02-30T09:00:00Z"},
        {"key_id": ""},
        {"key_id": "a\nb"},
        {"key_id": 7},
    ],
)
def test_from_json_refuses_malformed_heads(change: dict[str, object]) -> None:
    good = sign_tree_head(SIGNING_KEY, KEY_ID, 42, ROOT, "2026-11-23T09:00:00Z").to_json()
    with pytest.raises(ValueError):
        TreeHead.from_json({**good, **change})


def test_from_json_refuses_missing_fields() -> None:
    good = sign_tree_head(SIGNING_KEY, KEY_ID, 42, ROOT, "2026-11-23T09:00:00Z").to_json()
    del good["signature"]
    with pytest.raises(ValueError, match="signature"):
        TreeHead.from_json(good)


def test_utc_timestamp() -> None:
    amsterdam = timezone(timedelta(hours=1))
    assert utc_timestamp(datetime(2026, 11, 23, 10, 0, 0, 999, tzinfo=amsterdam)) == "2026-11-23T09:00:00Z"
    assert utc_timestamp(datetime(2026, 11, 23, 9, tzinfo=UTC)) == "2026-11-23T09:00:00Z"
    with pytest.raises(ValueError):
        utc_timestamp(datetime(2026, 11, 23, 9))
