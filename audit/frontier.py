"""The compact frontier of an append-only Merkle tree: O(log n) state for the current root.

The frontier holds the roots of the perfect subtrees that make up a tree of size n
(one per set bit of n, largest first). Appending merges equal-sized subtrees; the
RFC 9162 root folds the frontier from the right. The access log keeps this beside its
last entry, so signing a tree head never rereads the log.
"""

from __future__ import annotations

from audit.merkle import EMPTY_ROOT, node_hash

HASH_BYTES = 32


def push(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """The frontier of size + 1 after appending the leaf hash `leaf`."""
    merged = list(frontier)
    node = leaf
    s = size
    while s & 1:
        node = node_hash(merged.pop(), node)
        s >>= 1
    merged.append(node)
    return merged


def root(frontier: list[bytes]) -> bytes:
    """The RFC 9162 Merkle tree hash of the tree the frontier describes."""
    if not frontier:
        return EMPTY_ROOT
    acc = frontier[-1]
    for left in reversed(frontier[:-1]):
        acc = node_hash(left, acc)
    return acc


def pack(frontier: list[bytes]) -> bytes:
    return b"".join(frontier)


def unpack(data: bytes) -> list[bytes]:
    return [data[i : i + HASH_BYTES] for i in range(0, len(data), HASH_BYTES)]
