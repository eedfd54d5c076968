"""Keyed pseudonyms for pupil identifiers.

An unkeyed hash of a BSN is no pseudonym: there are only about 10^9 BSNs, so it
falls to a dictionary in minutes. BLAKE2b keyed with a secret pepper that lives
apart from the data makes the mapping one-way for anyone without the pepper.
"""

from __future__ import annotations

import hashlib

PEPPER_BYTES = 32


class Pseudonymiser:
    """Turns a pupil identifier into the opaque pseudonym the hub stores and indexes."""

    def __init__(self, pepper: bytes) -> None:
        if len(pepper) != PEPPER_BYTES:
            raise ValueError("pepper must be 32 bytes")
        self._pepper = pepper

    def of(self, kind: str, identifier: str) -> str:
        """The pseudonym of `identifier` of the given kind (bsn, onderwijsnummer)."""
        # The kind is hashed too, so a BSN and an onderwijsnummer with the same digits
        # never collide.
        data = f"{kind}:{identifier}".encode()
        return hashlib.blake2b(data, key=self._pepper, digest_size=32, person=b"ketenhub-pupil").hexdigest()
