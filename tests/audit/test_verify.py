"""verify_log: every kind of tampering is found, named, and placed at the right entry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import SigningKey

import audit.verify
from audit.chain import ChainedEntry
from audit.treehead import TreeHead, sign_tree_head
from audit.verify import FailureKind, VerifyReport, verify_log
from tests.audit.factories import (
    KEY_ID,
    VERIFY_KEYS,
    build_log,
    flip_body_byte,
    forged,
    relink,
    sign_heads,
)

LOG = build_log(50)
HEAD_SIZES = [10, 20, 30, 40, 50]
HEADS = sign_heads(LOG, HEAD_SIZES)


@pytest.fixture(autouse=True, params=[4096, 3], ids=["chunk-4096", "chunk-3"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run every test with the real batch size and with batches that cut anywhere."""
    monkeypatch.setattr(audit.verify, "_CHUNK", request.param)
    return request.param


def once(entries: list[ChainedEntry]) -> Iterator[ChainedEntry]:
    """The log as a stream that can be read only once, as from a database cursor."""
    yield from entries


def check(entries: list[ChainedEntry], heads: list[TreeHead] = HEADS) -> VerifyReport:
    return verify_log(once(entries), heads, VERIFY_KEYS)


def assert_failure(report: VerifyReport, kind: FailureKind, seq: int | None) -> None:
    assert not report.ok
    assert report.failure is not None
    assert (report.failure.kind, report.failure.seq) == (kind, seq), report.failure.detail


# -- an intact log --------------------------------------------------------------------
def test_an_intact_log_verifies() -> None:
    assert check(LOG) == VerifyReport(True, 50, 5, None)


def test_an_intact_log_with_entries_after_the_last_head_verifies() -> None:
    assert check(LOG, sign_heads(LOG, [7, 33])) == VerifyReport(True, 50, 2, None)


def test_an_empty_log() -> None:
    assert check([], []) == VerifyReport(True, 0, 0, None)
    assert check([], sign_heads([], [0])) == VerifyReport(True, 0, 1, None)


def test_progress_is_reported_up_to_the_end(chunk: int) -> None:
    seen: list[int] = []
    verify_log(once(LOG), HEADS, VERIFY_KEYS, seen.append)
    assert seen == sorted(seen) and seen[-1] == 50
    assert len(seen) >= 50 // chunk


# -- the five tamperings of the brief ---------------------------------------------------
def test_a_changed_byte_in_a_body() -> None:
    report = check(flip_body_byte(LOG, 17))
    assert_failure(report, FailureKind.CHANGED, 17)
    assert (report.entries_checked, report.heads_checked) == (17, 1)


def test_a_deleted_entry() -> None:
    report = check(LOG[:23] + LOG[24:])
    assert_failure(report, FailureKind.REMOVED, 23)
    assert "entry 23 is missing" in report.failure.detail


def test_several_deleted_entries() -> None:
    report = check(LOG[:23] + LOG[26:])
    assert_failure(report, FailureKind.REMOVED, 23)
    assert "entries 23..25 are missing" in report.failure.detail


@pytest.mark.parametrize(("first", "second"), [(12, 31), (12, 13), (0, 49)])
def test_two_swapped_entries(first: int, second: int) -> None:
    swapped = list(LOG)
    swapped[first], swapped[second] = swapped[second], swapped[first]
    assert_failure(check(swapped), FailureKind.REORDERED, first)


def test_an_entry_moved_later() -> None:
    moved = LOG[:12] + LOG[13:31] + [LOG[12]] + LOG[31:]
    assert_failure(check(moved), FailureKind.REORDERED, 12)


def test_an_entry_moved_earlier_whose_predecessor_was_deleted() -> None:
    # Entry 31's predecessor is gone, so only the seqs 12..29 further on show a reorder.
    moved = [*LOG[:12], LOG[31], *LOG[12:30], *LOG[32:]]
    assert_failure(check(moved), FailureKind.REORDERED, 12)


def test_a_forged_entry_with_the_chain_after_it_recomputed() -> None:
    # The forger cannot make the forged entry link without showing in a signed head, so
    # it links to nothing; everything after it is renumbered and relinked onto it.
    tampered = relink([*LOG[:30], forged(30, b"\x42" * 32), *LOG[30:]], start=31)
    assert_failure(check(tampered), FailureKind.INSERTED, 30)


def test_a_truncated_tail() -> None:
    report = check(LOG[:45])
    assert_failure(report, FailureKind.TRUNCATED, 45)
    assert (report.entries_checked, report.heads_checked) == (45, 4)
    assert "entries 45..49 are missing" in report.failure.detail


# -- an editor who recomputes the chain is caught by the signed heads --------------------
def test_a_changed_entry_with_the_whole_chain_recomputed() -> None:
    tampered = relink(flip_body_byte(LOG, 23), start=23)
    report = check(tampered)
    assert_failure(report, FailureKind.BAD_TREE_HEAD, 20)
    assert report.heads_checked == 2
    assert "recomputed" in report.failure.detail and "tree head 30" in report.failure.detail


def test_a_deleted_entry_with_the_whole_chain_recomputed() -> None:
    report = check(relink(LOG[:23] + LOG[24:], start=23))
    assert_failure(report, FailureKind.BAD_TREE_HEAD, 20)


def test_a_linked_forged_entry_with_the_whole_chain_recomputed() -> None:
    tampered = relink([*LOG[:33], forged(33, LOG[32].entry_hash), *LOG[33:]], start=33)
    report = check(tampered)
    assert_failure(report, FailureKind.BAD_TREE_HEAD, 30)
    assert report.heads_checked == 3
    assert "entries 30..39" in report.failure.detail


# -- variations --------------------------------------------------------------------------
def test_a_linked_forged_entry_in_front_of_an_untouched_one() -> None:
    tampered = [*LOG[:33], forged(33, LOG[32].entry_hash), *LOG[33:]]
    assert_failure(check(tampered), FailureKind.INSERTED, 33)


def test_a_linked_forged_entry_with_the_seqs_after_it_renumbered() -> None:
    tampered = [*LOG[:33], forged(33, LOG[32].entry_hash), *(replace(e, seq=e.seq + 1) for e in LOG[33:])]
    assert_failure(check(tampered), FailureKind.INSERTED, 33)


def test_a_duplicated_entry() -> None:
    assert_failure(check([*LOG[:34], LOG[33], *LOG[34:]]), FailureKind.INSERTED, 33)


def test_a_swap_with_the_seqs_renumbered() -> None:
    swapped = list(LOG)
    swapped[12], swapped[31] = swapped[31], swapped[12]
    renumbered = [replace(e, seq=i) for i, e in enumerate(swapped)]
    assert_failure(check(renumbered), FailureKind.REORDERED, 12)


def test_a_stored_hash_changed() -> None:
    tampered = list(LOG)
    tampered[17] = replace(LOG[17], entry_hash=bytes(32))
    assert_failure(check(tampered), FailureKind.CHANGED, 17)


def test_a_changed_seq_number() -> None:
    tampered = list(LOG)
    tampered[17] = replace(LOG[17], seq=99)
    assert_failure(check(tampered), FailureKind.CHANGED, 17)


def test_entries_after_the_last_head_are_guarded_by_the_chain() -> None:
    assert_failure(check(flip_body_byte(LOG, 45), HEADS[:4]), FailureKind.CHANGED, 45)


# -- bad tree heads ----------------------------------------------------------------------
def test_a_head_with_a_broken_signature() -> None:
    heads = list(HEADS)
    heads[2] = replace(heads[2], signature=bytes(64))
    report = check(LOG, heads)
    assert_failure(report, FailureKind.BAD_TREE_HEAD, None)
    assert report.entries_checked == 0


def test_a_head_signed_by_an_unknown_key() -> None:
    heads = [*HEADS, sign_tree_head(SigningKey(bytes(32)), "someone-else", 50, HEADS[-1].root, "2026-11-23T10:00:00Z")]
    assert_failure(check(LOG, heads), FailureKind.BAD_TREE_HEAD, None)


def test_a_properly_signed_head_of_another_log() -> None:
    other = build_log(50)[:20] + relink(flip_body_byte(LOG, 25), 25)[20:]
    heads = [*HEADS[:2], *sign_heads(other, [30])]
    report = check(LOG, heads)
    assert_failure(report, FailureKind.BAD_TREE_HEAD, 20)
    assert report.heads_checked == 2


def test_two_heads_of_one_size_that_disagree() -> None:
    other = relink(flip_body_byte(LOG, 5), 5)
    report = check(LOG, [*HEADS, *sign_heads(other, [30])])
    assert_failure(report, FailureKind.BAD_TREE_HEAD, None)
    assert "split view" in report.failure.detail


def test_a_head_of_size_zero_must_have_the_empty_root() -> None:
    head = sign_tree_head(SigningKey(bytes(range(32))), KEY_ID, 0, HEADS[0].root, "2026-11-23T09:00:00Z")
    assert_failure(check(LOG, [head]), FailureKind.BAD_TREE_HEAD, None)


# -- properties --------------------------------------------------------------------------
logs = st.integers(min_value=3, max_value=60)


@settings(max_examples=60)
@given(logs, st.data())
def test_any_changed_body_is_found_where_it_is(n: int, data: st.DataObject) -> None:
    log = build_log(n)
    seq = data.draw(st.integers(0, n - 1))
    offset = data.draw(st.integers(0, 200))
    heads = sign_heads(log, data.draw(st.lists(st.integers(0, n), max_size=4)))
    assert_failure(check(flip_body_byte(log, seq, offset), heads), FailureKind.CHANGED, seq)


@settings(max_examples=60)
@given(logs, st.data())
def test_any_deleted_entry_is_found_where_it_was(n: int, data: st.DataObject) -> None:
    log = build_log(n)
    seq = data.draw(st.integers(0, n - 2))  # deleting the last one is truncation
    heads = sign_heads(log, data.draw(st.lists(st.integers(0, n), max_size=4)))
    assert_failure(check(log[:seq] + log[seq + 1 :], heads), FailureKind.REMOVED, seq)


@settings(max_examples=60)
@given(logs, st.data())
def test_any_swap_is_found_at_the_first_of_the_two(n: int, data: st.DataObject) -> None:
    log = build_log(n)
    first = data.draw(st.integers(0, n - 2))
    second = data.draw(st.integers(first + 1, n - 1))
    log[first], log[second] = log[second], log[first]
    assert_failure(check(log, sign_heads(build_log(n), [n])), FailureKind.REORDERED, first)


def _edited(log: list[ChainedEntry], how: str, at: int) -> list[ChainedEntry]:
    if how == "change":
        return flip_body_byte(log, at)
    if how == "remove":
        return log[:at] + log[at + 1 :]
    prev = log[at - 1].entry_hash if at else bytes(32)
    return [*log[:at], forged(at, prev), *log[at:]]


@settings(max_examples=80)
@given(logs, st.sampled_from(["change", "remove", "insert"]), st.data())
def test_any_edit_behind_a_recomputed_chain_is_caught_by_the_next_head(n: int, how: str, data: st.DataObject) -> None:
    log = build_log(n)
    at = data.draw(st.integers(0, n - 1), label="at")
    sizes = data.draw(st.lists(st.integers(0, n), max_size=4), label="heads")
    report = check(relink(_edited(log, how, at), start=at), sign_heads(log, sizes))
    tampered_len = n - 1 if how == "remove" else n
    later = [s for s in sizes if s > at]
    if not later:
        assert report.ok  # past the last signed head only the chain guards, and it was redone
    elif min(later) <= tampered_len:
        assert_failure(report, FailureKind.BAD_TREE_HEAD, max([s for s in sizes if s <= at], default=0))
    else:
        assert_failure(report, FailureKind.TRUNCATED, tampered_len)
