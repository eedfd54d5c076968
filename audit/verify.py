"""One-pass verification of the access log against its hash chain and signed tree heads.

Every stored column is checked: body, prev_hash and entry_hash by the chain, seq against
the position, and the subject column (what the inzage selects by) against the body's subject.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain, islice
from json.encoder import encode_basestring
from operator import attrgetter

from nacl.signing import VerifyKey

from audit.chain import GENESIS, LEAF_PREFIX, ChainedEntry, chain_hash
from audit.entries import SUBJECT_KEY, names_subject
from audit.merkle import HASH_SIZE, CompactRange
from audit.treehead import TreeHead, verify_tree_head

# What the chain alone proves and what it cannot: anyone who can write the store can
# edit an entry and recompute every hash after it, leaving a flawless chain. Only the
# signed tree heads, over a Merkle root the editor cannot re-sign, catch that; entries
# after the last head are protected by the chain alone.

_CHUNK = 4096  # entries hashed per batch
_LOOKBACK = 4096  # how many entries back a link that skips inserted entries is traced
_LEAF_CONTEXT = hashlib.sha256(LEAF_PREFIX)  # copied, never updated itself


class FailureKind(StrEnum):
    """What the first failure shows was done to the log."""

    CHANGED = "changed"
    REMOVED = "removed"
    REORDERED = "reordered"
    INSERTED = "inserted"
    TRUNCATED = "truncated"
    BAD_TREE_HEAD = "bad_tree_head"


@dataclass(frozen=True, slots=True)
class Failure:
    """The first failure: seq is the first entry it implicates (None: only a tree head is)."""

    kind: FailureKind
    seq: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Outcome of verify_log; counts are of entries and heads found sound before any failure."""

    ok: bool
    entries_checked: int
    heads_checked: int
    failure: Failure | None

    def __post_init__(self) -> None:
        if self.ok != (self.failure is None):
            raise ValueError("a report is ok exactly when it has no failure")


def verify_log(
    entries: Iterable[ChainedEntry],
    heads: Sequence[TreeHead],
    verify_keys: Mapping[str, VerifyKey],
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Check chain, Merkle tree and signed heads in one pass over entries (in log order).

    Holds O(log n) Merkle hashes and the last few thousand entry hashes, whatever the
    log's length. progress, if given, is called with the number of entries checked.
    """
    ordered = sorted(heads, key=attrgetter("size"))
    failure = _check_signatures(ordered, verify_keys)
    if failure is not None:
        return VerifyReport(False, 0, 0, failure)
    return _Pass(iter(entries), ordered, progress).run()


def _describe(head: TreeHead) -> str:
    return f"tree head {head.size} (signed by {head.key_id!r} at {head.timestamp})"


def _check_signatures(heads: Sequence[TreeHead], keys: Mapping[str, VerifyKey]) -> Failure | None:
    for head in heads:
        key = keys.get(head.key_id)
        if key is None:
            detail = f"{_describe(head)} names a key that is not among the trusted keys"
        elif not verify_tree_head(key, head):
            detail = f"the signature on {_describe(head)} does not verify: the head was altered"
        else:
            continue
        return Failure(FailureKind.BAD_TREE_HEAD, None, detail)
    return None


def _linked_prefix(chunk: list[ChainedEntry], pos: int, last: bytes) -> list[bytes]:
    """Entry hashes of the longest run at the chunk's start that continues the chain at pos.

    One loop checks every column together: seq, link, subject and hash. Each hash copies
    a context that has already taken the 0x00 prefix, which skips OpenSSL's per-call
    set-up and the concatenation of prev_hash and body: cheaper per entry than a bare
    chain's SHA-256(prev || body).
    """
    out: list[bytes] = []
    append, fresh, enc, key = out.append, _LEAF_CONTEXT.copy, encode_basestring, SUBJECT_KEY
    for entry in chunk:
        if entry.seq != pos or entry.prev_hash != last:
            break
        body, subject = entry.body, entry.subject
        h = fresh()
        h.update(last)
        h.update(body)
        last = h.digest()
        # audit.entries.names_subject, inlined (a call per entry would cost more than the check),
        # and after the hash, which has just brought the body into the cache.
        named = key + (b"null" if subject is None else enc(subject).encode())
        if last != entry.entry_hash or not body.startswith(named, body.rfind(key)):
            break
        append(last)
        pos += 1
    return out


def _appears_later(rest: Iterator[ChainedEntry], entry_hash: bytes, seqs: range) -> bool:
    """Whether a later entry has this hash or one of these seqs (reads rest to the end)."""
    return any(e.entry_hash == entry_hash or e.seq in seqs for e in rest)


class _Pass:
    """The state of one verify_log pass; the stream is read once, in chunks."""

    def __init__(
        self,
        entries: Iterator[ChainedEntry],
        heads: list[TreeHead],
        progress: Callable[[int], None] | None,
    ) -> None:
        self.entries = entries
        self.heads = heads
        self.next_head = 0
        self.progress = progress
        self.pos = 0  # entries checked; the seq the next one must carry
        self.last = GENESIS  # entry hash of the last checked entry
        # The Merkle tree is needed only as far as the largest head reaches.
        self.merkle_end = heads[-1].size if heads else 0
        self.tree = CompactRange()
        self.sound_size = 0  # size of the last head that matched
        # Entry hashes of positions recent_start..pos-1, to trace links that skip entries.
        self.recent = bytearray()
        self.recent_start = 0
        self.heads_checked = 0

    def run(self) -> VerifyReport:
        while True:
            failure = self._check_heads()
            if failure is not None:
                return self._report(failure)
            chunk = list(islice(self.entries, self._chunk_size()))
            if not chunk:
                return self._report(self._truncation())
            failure = self._take(chunk)
            if failure is not None:
                return self._report(failure)
            if self.progress is not None:
                self.progress(self.pos)

    def _report(self, failure: Failure | None) -> VerifyReport:
        return VerifyReport(failure is None, self.pos, self.heads_checked, failure)

    def _truncation(self) -> Failure | None:
        if self.next_head == len(self.heads):
            return None
        head, end = self.heads[-1], self.pos
        missing = f"entry {end} is" if head.size == end + 1 else f"entries {end}..{head.size - 1} are"
        detail = f"the log ends after {end} entries, but {_describe(head)} covers {head.size}: {missing} missing"
        return Failure(FailureKind.TRUNCATED, end, detail)

    def _chunk_size(self) -> int:
        # Chunks end where heads are, so each head is checked on a tree of its size.
        if self.next_head < len(self.heads):
            return min(_CHUNK, self.heads[self.next_head].size - self.pos)
        return _CHUNK

    def _take(self, chunk: list[ChainedEntry]) -> Failure | None:
        # The entry hash is also the Merkle leaf: the only hash over the entries' bytes.
        hashes = _linked_prefix(chunk, self.pos, self.last)
        i = len(hashes)
        self._accept(hashes, i == len(chunk) and self.pos < self.merkle_end)
        if i == len(chunk):
            return None
        broken = chunk[i]
        computed = chain_hash(broken.prev_hash, broken.body)
        return self._classify(broken, computed, chain(chunk[i + 1 :], self.entries))

    def _accept(self, hashes: list[bytes], grow_tree: bool) -> None:
        if not hashes:
            return
        if grow_tree:
            self.tree.extend(hashes)
        self.pos += len(hashes)
        self.last = hashes[-1]
        self.recent += b"".join(hashes)
        drop = len(self.recent) // HASH_SIZE - _LOOKBACK
        if drop > 0:
            del self.recent[: drop * HASH_SIZE]
            self.recent_start += drop

    def _check_heads(self) -> Failure | None:
        while self.next_head < len(self.heads) and self.heads[self.next_head].size == self.pos:
            head = self.heads[self.next_head]
            if self.tree.root() != head.root:
                return self._mismatch(head)
            self.next_head += 1
            self.heads_checked += 1
            self.sound_size = head.size
        return None

    # Classification of the first entry that breaks the chain, at position x:
    #   seq jumps ahead and the link breaks -> the missing seqs come later: reordered,
    #                                          else removed
    #   stored hash is not the recomputed   -> changed
    #   links fine but carries another seq  -> changed (seq is not hashed)
    #   links fine, right seq               -> changed: the subject column is not the body's
    #   links to an entry before x-1        -> the entries in between were inserted
    #   links to an entry later in the log  -> reordered
    #   links to no entry at all            -> inserted (a forged entry the chain after
    #                                          was recomputed onto)
    def _classify(self, entry: ChainedEntry, computed: bytes, rest: Iterator[ChainedEntry]) -> Failure:
        x = self.pos
        if entry.seq > x and entry.prev_hash != self.last:
            return self._gap(entry, rest)
        if computed != entry.entry_hash:
            return Failure(
                FailureKind.CHANGED,
                x,
                f"entry {x}: its stored hash is not SHA-256(0x00 || prev_hash || body): its body or hashes were edited",
            )
        if entry.prev_hash == self.last and entry.seq == x and not names_subject(entry.body, entry.subject):
            return Failure(
                FailureKind.CHANGED,
                x,
                f"entry {x}: its subject column is not the subject its hashed body names: the column was "
                "edited, which hides the entry from its pupil's inzage (or shows it in another's)",
            )
        if entry.prev_hash == self.last:
            return Failure(
                FailureKind.CHANGED,
                x,
                f"entry {x} links to entry {x - 1} but carries seq {entry.seq}: its seq was edited",
            )
        earlier = self._find_recent(entry.prev_hash)
        if earlier is not None:
            return Failure(
                FailureKind.INSERTED,
                earlier + 1,
                f"entry {x} links to entry {earlier}, so the entries {earlier + 1}..{x - 1} "
                "before it are not part of the chain: they were inserted",
            )
        if _appears_later(rest, entry.prev_hash, range(0)):
            return Failure(
                FailureKind.REORDERED,
                x,
                f"entry {x} links to an entry that comes later in the log: entries were reordered",
            )
        return Failure(
            FailureKind.INSERTED,
            x,
            f"entry {x} links to no entry of the log: a forged entry was inserted here "
            f"(or entry {x - 1} was edited and its own hash recomputed)",
        )

    def _gap(self, entry: ChainedEntry, rest: Iterator[ChainedEntry]) -> Failure:
        x, s = self.pos, entry.seq
        missing = f"entry {x} is" if s == x + 1 else f"entries {x}..{s - 1} are"
        if _appears_later(rest, entry.prev_hash, range(x, s)):
            return Failure(
                FailureKind.REORDERED,
                x,
                f"entry {s} stands where entry {x} belongs, and {missing} further on: entries were reordered",
            )
        return Failure(FailureKind.REMOVED, x, f"{missing} missing: entry {s} follows entry {x - 1}")

    def _find_recent(self, entry_hash: bytes) -> int | None:
        start = 0
        while (found := self.recent.find(entry_hash, start)) >= 0:
            if found % HASH_SIZE == 0:
                return self.recent_start + found // HASH_SIZE
            start = found + 1
        return None

    def _mismatch(self, head: TreeHead) -> Failure:
        """A head whose root differs from the tree over an intact chain.

        Each leaf commits to its entry hash, so recomputing the chain after an edit
        changes every leaf from there on: no single leaf can be singled out, only the
        span between the last matching head and this one.
        """
        sound, size = self.sound_size, head.size
        if size == sound:
            # No entry lies between: an earlier matching head of this size (or, for size
            # 0, the empty root) already settles the log at this size.
            detail = (
                f"{_describe(head)} contradicts the log at that size, which is already settled: "
                "it is not a head of this log (forged, or a split view)"
            )
            return Failure(FailureKind.BAD_TREE_HEAD, None, detail)
        detail = (
            f"the hash chain is intact up to entry {size - 1}, but the Merkle root of those {size} "
            f"entries is not the one in {_describe(head)}: some of entries {sound}..{size - 1} were "
            "changed, inserted, removed or reordered and every hash after them recomputed to hide it, "
            "which the signed head exposes (or the head is not of this log)"
        )
        return Failure(FailureKind.BAD_TREE_HEAD, sound, detail)
