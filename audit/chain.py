"""The hash chain of the access log: each entry commits to its body and its predecessor."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from audit.merkle import HASH_SIZE, leaf_hash

GENESIS = bytes(HASH_SIZE)


@dataclass(frozen=True, slots=True)
class ChainedEntry:
    """One stored log entry; body is canonical JSON bytes made elsewhere.

    seq is not hashed: it must equal the entry's position, and the position is what
    the Merkle tree (and so every signed tree head) commits to.
    """

    seq: int
    body: bytes
    prev_hash: bytes
    entry_hash: bytes


def chain_hash(prev_hash: bytes, body: bytes) -> bytes:
    """SHA-256(prev_hash || body)."""
    return hashlib.sha256(prev_hash + body).digest()


def link(prev: ChainedEntry | None, seq: int, body: bytes) -> ChainedEntry:
    """The entry that follows prev (None: the first entry, seq 0)."""
    expected = 0 if prev is None else prev.seq + 1
    if seq != expected:
        raise ValueError(f"seq {seq} does not follow {expected - 1}")
    prev_hash = GENESIS if prev is None else prev.entry_hash
    return ChainedEntry(seq, body, prev_hash, chain_hash(prev_hash, body))


def merkle_leaf(entry_hash: bytes) -> bytes:
    """The Merkle leaf hash of an entry: leaf_hash(entry_hash).

    Why the entry hash, and neither the body nor prev_hash || body:
    - It commits to exactly what the chain commits to (body and predecessor), so the
      tree and the chain cannot disagree about an entry.
    - A verifier has the entry hash already; hashing 33 bytes instead of the body a
      second time is most of what keeps verifying within reach of a bare chain.
    - Audit paths hand out neighbours' leaves. leaf_hash(body) would let anyone who
      holds a path test guesses of a neighbour's low-entropy body; through the entry
      hash such a guess also needs that neighbour's prev_hash, which no path contains.
    """
    return leaf_hash(entry_hash)
