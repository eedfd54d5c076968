"""The auditor's export: JSON Lines with the entries, the signed tree heads and the proofs to check it offline.

Lines, in this order:
  {"type": "export", "version": 1, "origin", "van", "tot", "sleutels": {key_id: base64 Ed25519 key}}
  {"type": "entry", "seq", "prev_hash", "entry_hash", "body"}        one per entry, seq van..tot-1;
                                                                     body is the canonical JSON text
  {"type": "tree_head", "size", "root", "timestamp", "key_id", "signature"}   every head up to the anchor
  {"type": "inclusion", "seq", "size", "path"}                       first and last entry in the anchor
  {"type": "consistency", "from", "to", "path"}                      between each two successive heads

Why two inclusion proofs suffice: each entry hash is SHA-256(0x00 || prev_hash || body),
so the last entry's hash, proven to be leaf tot-1 of a signed head, fixes every entry
before it through the chain; the first entry's proof pins where the range starts.
The anchor is the smallest signed head covering the range. Hashes are standard base64.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from nacl.signing import VerifyKey

from audit.chain import ChainedEntry, chain_hash
from audit.merkle import verify_consistency, verify_inclusion
from audit.treehead import ORIGIN, TreeHead, verify_tree_head

VERSION = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"bad base64: {e}") from None


@dataclass(frozen=True)
class Proofs:
    """What the store hands the exporter besides entries and heads."""

    inclusion: Mapping[int, list[bytes]] = field(default_factory=dict)  # seq -> path in the anchor head
    consistency: Mapping[tuple[int, int], list[bytes]] = field(default_factory=dict)  # (from, to) -> path


def anchor_of(heads: Sequence[TreeHead], stop: int) -> TreeHead | None:
    """The smallest head that covers entries up to stop (exclusive)."""
    return min((h for h in heads if h.size >= stop), key=lambda h: h.size, default=None)


def export_lines(
    start: int,
    stop: int,
    entries: Iterable[ChainedEntry],
    heads: Sequence[TreeHead],
    proofs: Proofs,
    keys: Mapping[str, VerifyKey],
) -> Iterator[str]:
    """The export, line by line (each without its newline)."""
    header = {
        "type": "export",
        "version": VERSION,
        "origin": ORIGIN,
        "van": start,
        "tot": stop,
        "sleutels": {kid: _b64(key.encode()) for kid, key in sorted(keys.items())},
    }
    yield json.dumps(header)
    for e in entries:
        yield json.dumps(
            {
                "type": "entry",
                "seq": e.seq,
                "prev_hash": _b64(e.prev_hash),
                "entry_hash": _b64(e.entry_hash),
                "body": e.body.decode(),
            },
            ensure_ascii=False,
        )
    ordered = sorted(heads, key=lambda h: h.size)
    for head in ordered:
        yield json.dumps({"type": "tree_head", **head.to_json()})
    anchor = anchor_of(ordered, stop)
    for seq, path in sorted(proofs.inclusion.items()):
        assert anchor is not None
        yield json.dumps({"type": "inclusion", "seq": seq, "size": anchor.size, "path": [_b64(p) for p in path]})
    for (size1, size2), path in sorted(proofs.consistency.items()):
        yield json.dumps({"type": "consistency", "from": size1, "to": size2, "path": [_b64(p) for p in path]})


@dataclass(frozen=True)
class ExportCheck:
    """Outcome of check_export; seq names the first entry that fails, when one does."""

    ok: bool
    entries: int
    heads: int
    detail: str = ""
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "heads": self.heads, "detail": self.detail, "seq": self.seq}


class _Bad(Exception):
    def __init__(self, detail: str, seq: int | None = None) -> None:
        super().__init__(detail)
        self.detail, self.seq = detail, seq


def check_export(lines: Iterable[str], trusted_keys: Mapping[str, VerifyKey] | None = None) -> ExportCheck:
    """Check an export offline: chain, head signatures, inclusion of the range and consistency of the heads.

    trusted_keys pins the hub's key(s); without them the keys in the export's own header
    are used, which proves integrity against that key only, not who holds it.
    """
    state = _Reading()
    try:
        for number, line in enumerate(lines, 1):
            if line.strip():
                state.take(number, line)
        return state.finish(trusted_keys)
    except _Bad as bad:
        return ExportCheck(False, state.checked, len(state.heads), bad.detail, bad.seq)


class _Reading:
    def __init__(self) -> None:
        self.header: dict[str, Any] | None = None
        self.checked = 0
        self.first: ChainedEntry | None = None
        self.last: ChainedEntry | None = None
        self.heads: list[TreeHead] = []
        self.inclusion: dict[int, tuple[int, list[bytes]]] = {}
        self.consistency: dict[tuple[int, int], list[bytes]] = {}

    def take(self, number: int, line: str) -> None:
        try:
            item = json.loads(line)
            kind = item["type"]
            if self.header is None:
                if kind != "export" or item.get("version") != VERSION:
                    raise _Bad("the first line is not a version 1 export header")
                self.header = item
            elif kind == "entry":
                self._entry(
                    ChainedEntry(
                        int(item["seq"]), item["body"].encode(), _unb64(item["prev_hash"]), _unb64(item["entry_hash"])
                    )
                )
            elif kind == "tree_head":
                self.heads.append(TreeHead.from_json(item))
            elif kind == "inclusion":
                self.inclusion[int(item["seq"])] = (int(item["size"]), [_unb64(p) for p in item["path"]])
            elif kind == "consistency":
                self.consistency[(int(item["from"]), int(item["to"]))] = [_unb64(p) for p in item["path"]]
            else:
                raise _Bad(f"line {number}: unknown type {kind!r}")
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise _Bad(f"line {number} is malformed: {e}") from None

    def _entry(self, entry: ChainedEntry) -> None:
        assert self.header is not None
        expected = self.header["van"] + self.checked
        if entry.seq != expected:
            raise _Bad(f"entry {expected} is missing: entry {entry.seq} stands in its place", expected)
        if chain_hash(entry.prev_hash, entry.body) != entry.entry_hash:
            raise _Bad(
                f"entry {entry.seq}: its hash is not SHA-256(0x00 || prev_hash || body): it was changed", entry.seq
            )
        if self.last is not None and entry.prev_hash != self.last.entry_hash:
            raise _Bad(f"entry {entry.seq} does not link to entry {self.last.seq}", entry.seq)
        self.first = self.first or entry
        self.last = entry
        self.checked += 1

    def finish(self, trusted: Mapping[str, VerifyKey] | None) -> ExportCheck:
        if self.header is None:
            raise _Bad("the export is empty")
        start, stop = int(self.header["van"]), int(self.header["tot"])
        if start + self.checked != stop:
            raise _Bad(
                f"the export ends after entry {start + self.checked - 1}, not {stop - 1}: entries are missing",
                start + self.checked,
            )
        keys = (
            trusted
            if trusted is not None
            else {kid: VerifyKey(_unb64(raw)) for kid, raw in self.header.get("sleutels", {}).items()}
        )
        heads = sorted(self.heads, key=lambda h: h.size)
        for head in heads:
            key = keys.get(head.key_id)
            if key is None or not verify_tree_head(key, head):
                raise _Bad(f"tree head {head.size}: its signature does not verify under the trusted keys")
        for older, newer in pairwise(heads):
            path = self.consistency.get((older.size, newer.size))
            if path is None or not verify_consistency(older.size, newer.size, older.root, newer.root, path):
                raise _Bad(f"tree heads {older.size} and {newer.size} are not consistent: the log was rewritten")
        if self.first is not None and self.last is not None:
            anchor = anchor_of(heads, stop)
            if anchor is None:
                raise _Bad(f"no signed tree head covers entry {stop - 1}")
            for entry in (self.first, self.last):
                size, path = self.inclusion.get(entry.seq, (-1, []))
                if size != anchor.size or not verify_inclusion(entry.entry_hash, entry.seq, size, path, anchor.root):
                    raise _Bad(f"entry {entry.seq} is not in tree head {anchor.size}: the range was altered", entry.seq)
        return ExportCheck(True, self.checked, len(heads))
