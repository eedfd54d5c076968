"""RFC 6962/9162 known answers: Certificate Transparency leaves, roots and proofs.

Vectors from transparency-dev/merkle: testonly/constants.go (leaves, node and root
hashes), rfc6962/rfc6962_test.go (hasher) and proof/verify_test.go (proofs and the
corruptions every verifier must reject). Go's leaf numbers there are 1-based; ours
are 0-based.
"""

from __future__ import annotations

import hashlib

import pytest

from audit.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
LEAVES = [leaf_hash(d) for d in LEAF_INPUTS]

# NodeHashes(): complete subtrees per level (0 = leaves).
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

# RootHashes(): index = tree size.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (index, size, proof); Go's {1,8}, {6,8}, {3,3}, {2,5}.
INCLUSION = [
    (0, 8, [NODE_HASHES[0][1], NODE_HASHES[1][1], NODE_HASHES[2][1]]),
    (5, 8, [NODE_HASHES[0][4], NODE_HASHES[1][3], NODE_HASHES[2][0]]),
    (2, 3, [NODE_HASHES[1][0]]),
    (1, 5, [NODE_HASHES[0][0], NODE_HASHES[1][1], NODE_HASHES[0][4]]),
]

# (size1, size2, proof)
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [NODE_HASHES[0][1], NODE_HASHES[1][1], NODE_HASHES[2][1]]),
    (6, 8, [NODE_HASHES[1][2], NODE_HASHES[1][3], NODE_HASHES[2][0]]),
    (2, 5, [NODE_HASHES[1][1], NODE_HASHES[0][4]]),
    (6, 7, [NODE_HASHES[1][2], NODE_HASHES[0][6], NODE_HASHES[2][0]]),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def test_hasher_known_answers() -> None:
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == ROOTS[0]
    assert leaf_hash(b"") == h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456") == h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    assert node_hash(b"N123", b"N456") == h("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")


def test_leaf_hashes_of_the_ct_leaves() -> None:
    assert [leaf_hash(d) for d in LEAF_INPUTS] == NODE_HASHES[0]


@pytest.mark.parametrize("size", range(9))
def test_root_of_every_prefix(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size]
    assert MerkleTree(LEAVES).root(size) == ROOTS[size]


def test_root_of_size_8_is_the_published_one() -> None:
    assert root(LEAVES).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("level", range(1, 4))
def test_complete_subtrees_per_level(level: int) -> None:
    width = 1 << level
    got = [root(LEAVES[i : i + width]) for i in range(0, 8, width)]
    assert got == NODE_HASHES[level]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proof_known_answers(index: int, size: int, proof: list[bytes]) -> None:
    assert MerkleTree(LEAVES).inclusion_proof(index, size) == proof
    assert inclusion_proof(LEAVES[:size], index) == proof
    assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("size1", "size2", "proof"), CONSISTENCY)
def test_consistency_proof_known_answers(size1: int, size2: int, proof: list[bytes]) -> None:
    assert MerkleTree(LEAVES).consistency_proof(size1, size2) == proof
    assert consistency_proof(LEAVES[:size2], size1) == proof
    assert verify_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)


def _flip(proof: list[bytes], i: int, mask: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ mask]) + out[i][1:]
    return out


def _corrupt_inclusion(index: int, size: int, proof: list[bytes], rt: bytes, leaf: bytes) -> dict[str, tuple]:
    """corruptInclusionProof from proof/verify_test.go."""
    probes: dict[str, tuple] = {
        "index - 1": (leaf, index - 1, size, proof, rt),
        "index + 1": (leaf, index + 1, size, proof, rt),
        "index ^ 2": (leaf, index ^ 2, size, proof, rt),
        "size * 2": (leaf, index, size * 2, proof, rt),
        "size // 2": (leaf, index, size // 2, proof, rt),
        "wrong leaf": (b"WrongLeaf", index, size, proof, rt),
        "empty root": (leaf, index, size, proof, EMPTY_ROOT),
        "random root": (leaf, index, size, proof, SOME_HASH),
        "trailing garbage": (leaf, index, size, [*proof, b""], rt),
        "trailing root": (leaf, index, size, [*proof, rt], rt),
        "preceding garbage": (leaf, index, size, [b"", *proof], rt),
        "preceding root": (leaf, index, size, [rt, *proof], rt),
    }
    for i in range(len(proof)):
        probes[f"modified proof[{i}] bit 3"] = (leaf, index, size, _flip(proof, i, 8), rt)
    if proof:
        probes["removed component"] = (leaf, index, size, proof[:-1], rt)
    if len(proof) > 1:
        probes["inserted component"] = (leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], rt)
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_proofs_fail(index: int, size: int, proof: list[bytes]) -> None:
    probes = _corrupt_inclusion(index, size, proof, ROOTS[size], LEAVES[index])
    accepted = [name for name, args in probes.items() if verify_inclusion(*args)]
    assert accepted == []


def _corrupt_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]) -> dict[str, tuple]:
    """corruptConsistencyProof from proof/verify_test.go."""
    wrong = hashlib.sha256(b"WrongRoot").digest()
    probes: dict[str, tuple] = {
        "size1 - 1": (size1 - 1, size2, root1, root2, proof),
        "size1 + 1": (size1 + 1, size2, root1, root2, proof),
        "size1 ^ 2": (size1 ^ 2, size2, root1, root2, proof),
        "size2 * 2": (size1, size2 * 2, root1, root2, proof),
        "size2 // 2": (size1, size2 // 2, root1, root2, proof),
        "wrong root1": (size1, size2, wrong, root2, proof),
        "wrong root2": (size1, size2, root1, wrong, proof),
        "swapped roots": (size1, size2, root2, root1, proof),
        "empty proof": (size1, size2, root1, root2, []),
        "trailing garbage": (size1, size2, root1, root2, [*proof, b""]),
        "trailing root1": (size1, size2, root1, root2, [*proof, root1]),
        "trailing root2": (size1, size2, root1, root2, [*proof, root2]),
        "preceding garbage": (size1, size2, root1, root2, [b"", *proof]),
        "preceding root1": (size1, size2, root1, root2, [root1, *proof]),
        "preceding root2": (size1, size2, root1, root2, [root2, *proof]),
        "preceding proof[0]": (size1, size2, root1, root2, [proof[0], *proof]),
        "truncated proof": (size1, size2, root1, root2, proof[:-1]),
    }
    for i in range(len(proof)):
        probes[f"modified proof[{i}] bit 4"] = (size1, size2, root1, root2, _flip(proof, i, 16))
    return probes


@pytest.mark.parametrize(("size1", "size2", "proof"), [c for c in CONSISTENCY if c[2]])
def test_corrupted_consistency_proofs_fail(size1: int, size2: int, proof: list[bytes]) -> None:
    probes = _corrupt_consistency(size1, size2, ROOTS[size1], ROOTS[size2], proof)
    accepted = [name for name, args in probes.items() if verify_consistency(*args)]
    assert accepted == []


def test_inclusion_in_a_single_leaf_tree() -> None:
    leaf = leaf_hash(b"data")
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], leaf)
    assert not verify_inclusion(b"", 0, 1, [], b"")  # wrong hash size, even if equal


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_rejects_impossible_positions(index: int, size: int) -> None:
    assert not verify_inclusion(SOME_HASH, index, size, [], b"")
    assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
    assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


# Go's TestVerifyConsistency table; its "don't care" roots are 12 bytes, which we reject
# as malformed, so they are 32-byte hashes here.
CARE1, CARE2 = hashlib.sha256(b"don't care 1").digest(), hashlib.sha256(b"don't care 2").digest()


@pytest.mark.parametrize(
    ("size1", "size2", "root1", "root2", "proof", "ok"),
    [
        (0, 0, CARE1, CARE2, [], False),
        (1, 1, CARE1, CARE2, [], False),
        (0, 0, CARE1, CARE1, [], True),
        (0, 1, CARE1, CARE2, [], True),
        (1, 1, CARE2, CARE2, [], True),
        (1, 0, CARE1, CARE2, [], False),
        (2, 1, CARE1, CARE2, [], False),
        (1, 2, CARE1, CARE2, [], False),
        (0, 0, EMPTY_ROOT, CARE2, [], False),
        (1, 1, EMPTY_ROOT, CARE2, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    ],
)
def test_consistency_edge_cases(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes], ok: bool
) -> None:
    assert verify_consistency(size1, size2, root1, root2, proof) is ok
