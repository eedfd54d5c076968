"""RFC 9162 §2.1 Merkle tree hashing (SHA-256): roots, inclusion and consistency proofs.

Indexes are 0-based. Proof generation is one recursion over ranges of leaves, written
once against a "complete subtree" lookup; the free functions, `MerkleTree` and
`CompactRange` differ only in which complete subtrees they keep.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from itertools import islice

HASH_SIZE = 32
_PAIR = 2 * HASH_SIZE
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256
_BATCH = 1 << 16

EMPTY_ROOT = _sha256(b"").digest()
_NODE_CONTEXT = _sha256(_NODE_PREFIX)  # copied, never updated itself

# (level, index) -> hash of the complete subtree over leaves [index << level, (index + 1) << level)
_Complete = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return _sha256(_LEAF_PREFIX + data).digest()


def leaf_hashes(items: Iterable[bytes]) -> list[bytes]:
    """leaf_hash of each item (the bulk path)."""
    # leaf_hash inlined: a Python call per item would add about 15% to each hash.
    return [_sha256(_LEAF_PREFIX + data).digest() for data in items]


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _parents(joined: bytes) -> list[bytes]:
    """node_hash of each sibling pair in `joined` (32-byte hashes back to back); an odd last one waits.

    Whole levels at once, and each node hashed by copying a context that has already
    taken the 0x01 prefix: that skips OpenSSL's per-call digest set-up and the prefix
    concatenation, which together cost more than hashing the 64 bytes themselves.
    These calls are what bound append and verify speed.
    """
    out: list[bytes] = []
    append, fresh = out.append, _NODE_CONTEXT.copy
    for i in range(0, len(joined) - HASH_SIZE, _PAIR):
        h = fresh()
        h.update(joined[i : i + _PAIR])
        append(h.digest())
    return out


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_root(complete: _Complete, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for lo < hi, where [lo, hi) is a subtree of the RFC split.

    Along that split a power-of-two range always starts at a multiple of its size, so it
    is a complete subtree and is looked up instead of hashed: O(log n) work.
    """
    n = hi - lo
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return complete(level, lo >> level)
    k = _split(n)
    return node_hash(_subtree_root(complete, lo, lo + k), _subtree_root(complete, lo + k, hi))


def _inclusion_path(complete: _Complete, index: int, lo: int, hi: int) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index - lo, D[lo:hi]), leaf-side sibling first."""
    if hi - lo == 1:
        return []
    mid = lo + _split(hi - lo)
    if index < mid:
        path = _inclusion_path(complete, index, lo, mid)
        path.append(_subtree_root(complete, mid, hi))
    else:
        path = _inclusion_path(complete, index, mid, hi)
        path.append(_subtree_root(complete, lo, mid))
    return path


def _consistency_path(complete: _Complete, size1: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1 SUBPROOF(size1 - lo, D[lo:hi], whole)."""
    if size1 == hi:
        return [] if whole else [_subtree_root(complete, lo, hi)]
    mid = lo + _split(hi - lo)
    if size1 <= mid:
        path = _consistency_path(complete, size1, lo, mid, whole)
        path.append(_subtree_root(complete, mid, hi))
    else:
        path = _consistency_path(complete, size1, mid, hi, False)
        path.append(_subtree_root(complete, lo, mid))
    return path


class _Levels:
    """Complete-subtree hashes per level, each level one bytearray of 32-byte hashes.

    Bytearrays rather than lists of bytes: 32 bytes a hash instead of about 80, which is
    what lets a million-leaf tree (two million hashes) stay near 64 MiB.
    """

    __slots__ = ("_base", "_levels", "_size")

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = []
        # Index of the first hash still held on each level (always even, see CompactRange).
        self._base: list[int] = []
        self._size = 0
        self.extend(leaves)

    def __len__(self) -> int:
        return self._size

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash; amortised O(1) node hashes."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("leaf hashes must be 32 bytes")
        self._grow([leaf])

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes (32 bytes each) in order."""
        batches = iter(leaves)
        # Batches bound the transient lists while the levels above are hashed.
        while batch := list(islice(batches, _BATCH)):
            if any(map(HASH_SIZE.__ne__, map(len, batch))):
                raise ValueError("leaf hashes must be 32 bytes")
            self._grow(batch)

    def _grow(self, hashes: list[bytes]) -> None:
        self._size += len(hashes)
        level = 0
        while hashes:
            if level == len(self._levels):
                self._levels.append(bytearray())
                self._base.append(0)
            held = self._levels[level]
            # Held hashes start at an even index: an odd count means the last one is a
            # left sibling still waiting for the first of the new hashes.
            waiting = bytes(held[-HASH_SIZE:]) if len(held) % _PAIR else b""
            joined = b"".join(hashes)
            held += joined
            hashes = _parents(waiting + joined)
            level += 1

    def _complete(self, level: int, index: int) -> bytes:
        offset = (index - self._base[level]) * HASH_SIZE
        if offset < 0:
            raise LookupError(f"subtree ({level}, {index}) is no longer held")
        return bytes(self._levels[level][offset : offset + HASH_SIZE])

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self._size:
            raise ValueError(f"size {size} outside 0..{self._size}")


class MerkleTree(_Levels):
    """An append-only RFC 9162 tree that keeps every complete subtree.

    Roots of any earlier size and inclusion or consistency proofs cost O(log n).
    """

    __slots__ = ()

    def leaf(self, index: int) -> bytes:
        """The leaf hash at index."""
        if not 0 <= index < self._size:
            raise IndexError(index)
        return self._complete(0, index)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first size leaves (default: all)."""
        size = self._size if size is None else size
        self._check_size(size)
        return _subtree_root(self._complete, 0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Audit path of leaf index in the tree of the first size leaves."""
        size = self._size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"index {index} outside 0..{size - 1}")
        return _inclusion_path(self._complete, index, 0, size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Proof that the tree of size1 leaves is a prefix of the tree of size2 leaves."""
        size2 = self._size if size2 is None else size2
        self._check_size(size2)
        if not 0 <= size1 <= size2:
            raise ValueError(f"size1 {size1} outside 0..{size2}")
        if size1 in (0, size2):
            return []
        return _consistency_path(self._complete, size1, 0, size2, True)


class CompactRange(_Levels):
    """The right edge of a tree: one hash per set bit of its size, O(log n) memory.

    Enough to keep appending and to compute the current root, which is all a one-pass
    verifier or a tree-head signer needs.
    """

    __slots__ = ()

    def _grow(self, hashes: list[bytes]) -> None:
        if len(hashes) == 1:  # the access log's usual append: one entry per push
            self._push(hashes[0])
            return
        super()._grow(hashes)
        # Keep only the unpaired last hash of each level: it is the only one a later
        # append or root can still ask for. Keeping an even index keeps pairs aligned.
        for level, held in enumerate(self._levels):
            base = (self._size >> level) & ~1
            del held[: (base - self._base[level]) * HASH_SIZE]
            self._base[level] = base

    def _push(self, leaf: bytes) -> None:
        # One leaf: it merges with the held hash of each level whose bit of the size is set
        # (the size's trailing ones), and lands on the first level whose bit is clear.
        size, level, carried = self._size, 0, leaf
        while size >> level & 1:
            carried = node_hash(bytes(self._levels[level]), carried)
            self._levels[level] = bytearray()
            level += 1
        if level == len(self._levels):
            self._levels.append(bytearray())
            self._base.append(0)
        self._levels[level] = bytearray(carried)
        self._size = size + 1
        for lower in range(level + 1):
            self._base[lower] = (self._size >> lower) & ~1

    def root(self) -> bytes:
        """MTH of all leaves so far."""
        return _subtree_root(self._complete, 0, self._size) if self._size else EMPTY_ROOT

    def copy(self) -> CompactRange:
        """An independent copy (O(log n))."""
        other = CompactRange()
        other._levels = [bytearray(hashes) for hashes in self._levels]
        other._base = list(self._base)
        other._size = self._size
        return other

    def pack(self) -> bytes:
        """The held hashes, lowest level first: with the size, all a later append needs."""
        return b"".join(self._levels)

    @classmethod
    def unpack(cls, size: int, packed: bytes) -> CompactRange:
        """The range pack() stored for a tree of `size` leaves."""
        # Level l holds one hash exactly when bit l of size is set: the root of the
        # perfect subtree of 2**l leaves on the tree's right edge.
        levels = size.bit_length()
        if len(packed) != size.bit_count() * HASH_SIZE:
            raise ValueError(f"a compact range of size {size} holds {size.bit_count()} hashes")
        other = cls()
        hashes = iter(packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE))
        other._levels = [bytearray(next(hashes)) if size >> lvl & 1 else bytearray() for lvl in range(levels)]
        other._base = [(size >> lvl) & ~1 for lvl in range(levels)]
        other._size = size
        return other


def root(leaves: Iterable[bytes]) -> bytes:
    """MTH over the given leaf hashes."""
    return CompactRange(leaves).root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path of leaf index in the tree over all given leaf hashes."""
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], size1: int) -> list[bytes]:
    """Proof that the first size1 leaf hashes form a prefix of the tree over all of them."""
    return MerkleTree(leaves).consistency_proof(size1)


def _valid_hashes(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does proof show leaf_hash at index in the tree of size with root?"""
    if not 0 <= index < size or not _valid_hashes(leaf_hash, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does proof show the tree (size1, root1) is a prefix of (size2, root2)?"""
    if not 0 <= size1 <= size2 or not _valid_hashes(root1, root2, *proof):
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        # Every tree extends the empty one; RFC 9162 defines no proof for it.
        return not proof
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        # The old tree is itself a complete subtree of the new one: its root is the start.
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2
