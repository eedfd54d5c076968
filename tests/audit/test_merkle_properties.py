"""Properties of the Merkle tree against a naive RFC 9162 reference written from the text."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


# -- the reference: RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 on lists, nothing shared ----------
def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256().digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def flip(data: bytes, at: int) -> bytes:
    at %= len(data)
    return data[:at] + bytes([data[at] ^ 0x80]) + data[at + 1 :]


sizes = st.integers(min_value=1, max_value=260)


@given(st.integers(min_value=0, max_value=260))
def test_root_matches_reference(n: int) -> None:
    d = leaves(n)
    assert root(d) == ref_mth(d) == MerkleTree(d).root() == CompactRange(d).root()


@given(sizes, st.data())
def test_inclusion_proofs_match_reference_and_verify(n: int, data: st.DataObject) -> None:
    d = leaves(n)
    size = data.draw(st.integers(1, n), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = MerkleTree(d).inclusion_proof(index, size)
    assert proof == ref_path(index, d[:size])
    assert verify_inclusion(d[index], index, size, proof, ref_mth(d[:size]))


@given(sizes, st.data())
def test_a_flipped_byte_breaks_an_inclusion_proof(n: int, data: st.DataObject) -> None:
    d = leaves(n)
    index = data.draw(st.integers(0, n - 1), label="index")
    proof, rt = inclusion_proof(d, index), root(d)
    at = data.draw(st.integers(0, 31), label="byte")
    assert not verify_inclusion(flip(d[index], at), index, n, proof, rt)
    assert not verify_inclusion(d[index], index, n, proof, flip(rt, at))
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1), label="element")
        bad = [*proof[:i], flip(proof[i], at), *proof[i + 1 :]]
        assert not verify_inclusion(d[index], index, n, bad, rt)


@given(sizes, st.data())
def test_an_inclusion_proof_is_for_one_index(n: int, data: st.DataObject) -> None:
    d = leaves(n)
    index = data.draw(st.integers(0, n - 1), label="index")
    other = data.draw(st.integers(0, n - 1).filter(lambda i: i != index), label="other")
    assert not verify_inclusion(d[index], other, n, inclusion_proof(d, index), root(d))


@given(sizes, st.data())
def test_consistency_proofs_match_reference_and_verify(n: int, data: st.DataObject) -> None:
    d = leaves(n)
    size2 = data.draw(st.integers(1, n), label="size2")
    size1 = data.draw(st.integers(0, size2), label="size1")
    proof = MerkleTree(d).consistency_proof(size1, size2)
    expected = [] if size1 in (0, size2) else ref_subproof(size1, d[:size2], True)
    assert proof == expected
    assert verify_consistency(size1, size2, ref_mth(d[:size1]), ref_mth(d[:size2]), proof)


@given(st.integers(2, 260), st.data())
def test_a_flipped_byte_breaks_a_consistency_proof(n: int, data: st.DataObject) -> None:
    d = leaves(n)
    size1 = data.draw(st.integers(1, n - 1), label="size1")
    proof, root1, root2 = consistency_proof(d, size1), root(d[:size1]), root(d)
    at = data.draw(st.integers(0, 31), label="byte")
    i = data.draw(st.integers(0, len(proof) - 1), label="element")
    bad = [*proof[:i], flip(proof[i], at), *proof[i + 1 :]]
    assert not verify_consistency(size1, n, root1, root2, bad)
    assert not verify_consistency(size1, n, flip(root1, at), root2, proof)
    assert not verify_consistency(size1, n, root1, flip(root2, at), proof)


@given(st.lists(st.integers(0, 40), max_size=12))
def test_appending_one_by_one_or_in_batches_gives_the_same_tree(batches: list[int]) -> None:
    d = leaves(sum(batches))
    one_by_one, batched, compact = MerkleTree(), MerkleTree(), CompactRange()
    for h in d:
        one_by_one.append(h)
    start = 0
    for count in batches:
        batched.extend(d[start : start + count])
        compact.extend(d[start : start + count])
        start += count
        assert compact.root() == ref_mth(d[:start])
    assert len(one_by_one) == len(batched) == len(compact) == len(d)
    assert all(one_by_one.root(s) == batched.root(s) == ref_mth(d[:s]) for s in range(len(d) + 1))


def test_compact_range_copy_is_independent() -> None:
    d = leaves(10)
    original = CompactRange(d[:5])
    copy = original.copy()
    copy.extend(d[5:])
    assert original.root() == ref_mth(d[:5])
    assert copy.root() == ref_mth(d)


def test_leaf_reads_back() -> None:
    d = leaves(37)
    tree = MerkleTree(d)
    assert [tree.leaf(i) for i in range(37)] == d
    with pytest.raises(IndexError):
        tree.leaf(37)


def test_empty_tree() -> None:
    assert root([]) == MerkleTree().root() == CompactRange().root() == EMPTY_ROOT
    assert MerkleTree(leaves(3)).root(0) == EMPTY_ROOT


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("root", (4,)),
        ("root", (-1,)),
        ("inclusion_proof", (3, 3)),
        ("inclusion_proof", (0, 4)),
        ("inclusion_proof", (-1, 2)),
        ("consistency_proof", (3, 2)),
        ("consistency_proof", (1, 4)),
        ("consistency_proof", (-1, 2)),
    ],
)
def test_out_of_range_requests_are_refused(call: str, args: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        getattr(MerkleTree(leaves(3)), call)(*args)


def test_leaf_hashes_must_be_32_bytes() -> None:
    with pytest.raises(ValueError):
        MerkleTree([b"short"])
    with pytest.raises(ValueError):
        MerkleTree().append(bytes(33))
    with pytest.raises(ValueError):
        CompactRange().extend([bytes(32), bytes(31)])


@given(st.integers(0, 70), st.integers(0, 9))
def test_compact_range_survives_pack_and_unpack(first: int, more: int) -> None:
    # The access log keeps its range packed in a state row and appends to the unpacked one.
    d = leaves(first + more)
    stored = CompactRange(d[:first]).pack()
    restored = CompactRange.unpack(first, stored)
    assert restored.root() == ref_mth(d[:first])
    restored.extend(d[first:])
    assert restored.root() == ref_mth(d)


def test_unpack_refuses_the_wrong_number_of_hashes() -> None:
    with pytest.raises(ValueError):
        CompactRange.unpack(3, bytes(32))
