"""Measure verify_log against a plain SHA-256 chain over the same entries (not a test).

    .venv/bin/python -m tests.audit.measure_verify [entries] [heads]

Both sides read the same in-memory ChainedEntry list; the plain chain is
SHA-256(prev || body) per entry, nothing else. CPU time (best of 5, interleaved)
keeps other processes on a shared machine out of the figures.
"""

from __future__ import annotations

import hashlib
import sys
import time

from audit.chain import ChainedEntry, link
from audit.entries import AccessEntry, Action
from audit.merkle import MerkleTree
from audit.treehead import sign_tree_head
from audit.verify import verify_log
from tests.audit.factories import KEY_ID, SIGNING_KEY, VERIFY_KEYS


def subject(n: int) -> str:
    return hashlib.blake2b(n.to_bytes(8, "big"), digest_size=16).hexdigest()


def entry(n: int) -> bytes:
    return AccessEntry(
        action=Action.DISCLOSE,
        org_id=f"leerplicht:GM{n % 400:04d}",
        role="leerplicht",
        purpose="verzuimmelding",
        legal_basis="wettelijke_plicht",
        subject=subject(n),
        record_id=f"{n:032x}",
        actor="medewerker-17",
        fields=("leerling.id", "leerling.naam", "verzuim.soort"),
        requested=("leerling.id", "leerling.naam", "verzuim.soort"),
        decision="allow",
        afweging={"outcome": "allow", "proportionaliteit": {"passed": True, "reden": "binnen de minimale set"}},
        request_id=f"{n:032x}",
        at="2026-11-23T09:00:00.000Z",
    ).body()


def plain_chain(entries: list[ChainedEntry]) -> bytes:
    """The head of SHA-256(prev || body) over the bodies: the floor any verifier pays."""
    last = bytes(32)
    sha = hashlib.sha256
    for e in entries:
        last = sha(last + e.body).digest()
    return last


def main(n: int = 1_000_000, head_count: int = 10) -> None:
    log: list[ChainedEntry] = []
    prev = None
    for seq in range(n):
        prev = link(prev, seq, entry(seq), subject(seq))
        log.append(prev)
    tree = MerkleTree(e.entry_hash for e in log)
    sizes = [n * (i + 1) // head_count for i in range(head_count)]
    heads = [sign_tree_head(SIGNING_KEY, KEY_ID, s, tree.root(s), "2026-11-23T09:00:00Z") for s in sizes]
    del tree
    size = sum(len(e.body) for e in log)
    expected = plain_chain(log)
    best_plain = best_verify = float("inf")
    for _ in range(5):
        t = time.process_time()
        assert plain_chain(log) == expected
        best_plain = min(best_plain, time.process_time() - t)
        t = time.process_time()
        report = verify_log(iter(log), heads, VERIFY_KEYS)
        best_verify = min(best_verify, time.process_time() - t)
        assert report.ok, report
    print(f"{n} entries, {size / n:.0f} B per body, {len(heads)} signed heads (best of 5, CPU time)")
    print(f"plain SHA-256 chain: {n / best_plain:,.0f} entries/s")
    print(f"verify_log:          {n / best_verify:,.0f} entries/s")
    print(f"ratio:               {best_plain / best_verify:.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
