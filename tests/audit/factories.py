"""Logs, tree heads and tampering for the audit tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from nacl.signing import SigningKey

from audit.chain import GENESIS, ChainedEntry, chain_hash, link, merkle_leaf
from audit.merkle import MerkleTree
from audit.treehead import TreeHead, sign_tree_head

KEY_ID = "ketenhub-log-2026"
SIGNING_KEY = SigningKey(bytes(range(32)))
VERIFY_KEYS = {KEY_ID: SIGNING_KEY.verify_key}


def subject(n: int) -> str | None:
    """The pupil of the n-th entry (every seventh names none, as a key entry)."""
    return None if n % 7 == 6 else f"pupil-{n % 5}"


def body(n: int, tag: str = "") -> bytes:
    """A canonical-JSON-like body, as audit.entries would make."""
    data = {"action": "disclose", "org_id": f"org-{n % 7}", "n": n, "purpose": "verzuim", "subject": subject(n)}
    data["tag"] = tag
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def build_log(n: int) -> list[ChainedEntry]:
    entries: list[ChainedEntry] = []
    for seq in range(n):
        entries.append(link(entries[-1] if entries else None, seq, body(seq), subject(seq)))
    return entries


def sign_heads(entries: Sequence[ChainedEntry], sizes: Sequence[int], key_id: str = KEY_ID) -> list[TreeHead]:
    tree = MerkleTree(merkle_leaf(e.entry_hash) for e in entries)
    return [
        sign_tree_head(SIGNING_KEY, key_id, size, tree.root(size), f"2026-11-23T09:{size // 60:02d}:{size % 60:02d}Z")
        for size in sizes
    ]


def relink(entries: Sequence[ChainedEntry], start: int = 0) -> list[ChainedEntry]:
    """What an editor with write access does: renumber and recompute every hash from start on."""
    out = list(entries[:start])
    for entry in entries[start:]:
        prev_hash = out[-1].entry_hash if out else GENESIS
        out.append(ChainedEntry(len(out), entry.body, prev_hash, chain_hash(prev_hash, entry.body), entry.subject))
    return out


def flip_body_byte(entries: Sequence[ChainedEntry], seq: int, offset: int = 3) -> list[ChainedEntry]:
    out = list(entries)
    data = bytearray(out[seq].body)
    data[offset % len(data)] ^= 0x01
    out[seq] = replace(out[seq], body=bytes(data))
    return out


def forged(seq: int, prev_hash: bytes) -> ChainedEntry:
    data = body(seq, tag="forged")
    return ChainedEntry(seq, data, prev_hash, chain_hash(prev_hash, data), subject(seq))
