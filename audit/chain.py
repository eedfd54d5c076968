"""The hash chain of the access log: each entry commits to its body and its predecessor.

One hash serves both structures: entry_hash = SHA-256(0x00 || prev_hash || body) is the
RFC 9162 leaf hash of the leaf data prev_hash || body, so the chain link is also the
entry's Merkle leaf. Verifying costs one hash over the entry's bytes (plus the tree's
small interior nodes), not three.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from audit.merkle import HASH_SIZE

GENESIS = bytes(HASH_SIZE)
LEAF_PREFIX = b"\x00"


@dataclass(frozen=True, slots=True)
class ChainedEntry:
    """One stored log entry, every column of its row; body is canonical JSON bytes made elsewhere.

    seq is not hashed: it must equal the entry's position, and the position is what
    the Merkle tree (and so every signed tree head) commits to. subject is not hashed
    either: it is the row's copy of the body's subject, for look-ups (the inzage selects
    by it), so verify checks it against the body. None where the body names no pupil;
    an entry built without its column therefore fails verify unless its body names none.
    """

    seq: int
    body: bytes
    prev_hash: bytes
    entry_hash: bytes
    subject: str | None = None


def chain_hash(prev_hash: bytes, body: bytes) -> bytes:
    """SHA-256(0x00 || prev_hash || body): the chain link and RFC 9162 leaf hash at once."""
    return hashlib.sha256(LEAF_PREFIX + prev_hash + body).digest()


def link(prev: ChainedEntry | None, seq: int, body: bytes, subject: str | None = None) -> ChainedEntry:
    """The entry that follows prev (None: the first entry, seq 0); subject is its body's."""
    expected = 0 if prev is None else prev.seq + 1
    if seq != expected:
        raise ValueError(f"seq {seq} does not follow {expected - 1}")
    prev_hash = GENESIS if prev is None else prev.entry_hash
    return ChainedEntry(seq, body, prev_hash, chain_hash(prev_hash, body), subject)


def merkle_leaf(entry_hash: bytes) -> bytes:
    """The Merkle leaf hash of an entry: its entry hash itself.

    The entry hash already is leaf_hash(prev_hash || body), so the tree and the chain
    commit to exactly the same bytes and cannot disagree about an entry. Audit paths
    hand out neighbours' leaves, that is their entry hashes; those are served to
    auditors only, who read the log itself anyway.
    """
    return entry_hash
