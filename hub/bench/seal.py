"""The seal's own cost: infra/sealing.py (PyNaCl's public `nacl.bindings`) beside the same
XChaCha20-Poly1305 called through PyNaCl's compiled module directly (`nacl._sodium`, what
infra/sealing.py did before), over the very plaintexts and associated data the ingest sides seal.

The direct calls live here, as the peer, and nowhere in the hub: they skip the binding's
argument checks and its error formatting, which is all the difference measures.
"""

from __future__ import annotations

import importlib
import os
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from types import ModuleType
from uuid import UUID

from eventsourcing.application import Application

from domain.verzuimmelding import Verzuimmelding
from hub.bench.core import BenchResult, Options, alternate
from infra.mapper import key_context
from infra.sealing import NONCE_BYTES, SealError, new_key, seal, unseal

UNIT = "events/s"
PUBLIC_SEAL = "seal through nacl.bindings (infra/sealing.py)"
DIRECT_SEAL = "the same seals through nacl._sodium directly"
PUBLIC_OPEN = "open through nacl.bindings (infra/sealing.py)"
DIRECT_OPEN = "the same opens through nacl._sodium directly"
REPEAT = 20  # passes over the workload's events per side per round: a round of a few tenths of a second
_TAG_BYTES = 16
_PLAIN_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo", "CIPHER_TOPIC": "", "COMPRESSOR_TOPIC": ""}

_sodium: ModuleType | None = None


def _binding() -> ModuleType:
    """PyNaCl's compiled module (cffi `ffi` and `lib`), imported on first use."""
    global _sodium
    if _sodium is None:
        _sodium = importlib.import_module("nacl._sodium")
    return _sodium


def direct_seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """`infra.sealing.seal` as it was: libsodium called directly, the arguments checked once."""
    if type(key) is not bytes or len(key) != 32 or type(plaintext) is not bytes or type(aad) is not bytes:
        raise TypeError("key must be 32 bytes; the data and the associated data must be bytes")
    sodium = _binding()
    ffi, lib = sodium.ffi, sodium.lib
    nonce = os.urandom(NONCE_BYTES)
    size = len(plaintext) + _TAG_BYTES
    out = ffi.new("unsigned char[]", size)
    if lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ffi.NULL, plaintext, len(plaintext), aad, len(aad), ffi.NULL, nonce, key
    ):
        raise SealError("encryption failed")
    return nonce + bytes(ffi.buffer(out, size))


def direct_unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """`infra.sealing.unseal` as it was: libsodium called directly."""
    if type(key) is not bytes or len(key) != 32 or type(sealed) is not bytes or type(aad) is not bytes:
        raise TypeError("key must be 32 bytes; the data and the associated data must be bytes")
    if len(sealed) < NONCE_BYTES + _TAG_BYTES:
        raise SealError("ciphertext too short")
    sodium = _binding()
    ffi, lib = sodium.ffi, sodium.lib
    size = len(sealed) - NONCE_BYTES - _TAG_BYTES
    out = ffi.new("unsigned char[]", max(size, 1))
    body = sealed[NONCE_BYTES:]
    if lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ffi.NULL, ffi.NULL, body, len(body), aad, len(aad), sealed[:NONCE_BYTES], key
    ):
        raise SealError("authentication failed")
    return bytes(ffi.buffer(out, size))


Seal = Callable[[bytes, bytes, bytes], bytes]


@dataclass(frozen=True)
class SealInput:
    """What a new pupil's event is sealed from: its state under the data key, the data key under
    the purpose key (the key's wrap, in the same transaction), each with its associated data."""

    state: bytes
    state_aad: bytes
    data_key: bytes
    key_aad: bytes


def inputs(aggregates: Sequence[Verzuimmelding]) -> list[SealInput]:
    """The states the sealing mapper encrypts (the library's own transcoding, which
    `SealingMapper` calls before sealing) and associated data laid out as the mapper and the key
    store lay it out, so both sides seal exactly the bytes a push seals."""
    app = Application[UUID](env=_PLAIN_ENV)
    try:
        found: list[SealInput] = []
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                purpose, subject = key_context(event)
                stored = app.mapper.to_stored_event(event)
                oid = stored.originator_id
                ident = oid.bytes if isinstance(oid, UUID) else str(oid).encode()
                version = struct.pack(">q", stored.originator_version)
                aad = b"|".join((ident, version, stored.topic.encode(), purpose.encode()))
                key_aad = f"dek|{os.urandom(16).hex()}|{purpose}|{subject}".encode()
                found.append(SealInput(stored.state, aad, new_key(), key_aad))
        return found
    finally:
        app.close()


def _sealing(seal_one: Seal, items: Sequence[SealInput], kek: bytes) -> Callable[[int], float]:
    """A side: new pupils' events sealed per second (the state, and the data key's wrap)."""

    def side(_round: int) -> float:
        start = perf_counter()
        for _ in range(REPEAT):
            for item in items:
                seal_one(item.data_key, item.state, item.state_aad)
                seal_one(kek, item.data_key, item.key_aad)
        return REPEAT * len(items) / (perf_counter() - start)

    return side


def _opening(open_one: Seal, items: Sequence[SealInput], sealed: Sequence[bytes]) -> Callable[[int], float]:
    """A side: stored events opened per second (the state under its cached data key)."""

    def side(_round: int) -> float:
        start = perf_counter()
        for _ in range(REPEAT):
            for item, body in zip(items, sealed, strict=True):
                open_one(item.data_key, body, item.state_aad)
        return REPEAT * len(items) / (perf_counter() - start)

    return side


def extra_seconds(result: BenchResult) -> float:
    """What ours takes more than the peer per event, from the two medians (negative if less)."""
    return 1 / result.ours - 1 / result.peer


def seal_results(aggregates: Sequence[Verzuimmelding], options: Options) -> list[BenchResult]:
    """The seal and the open of the same events through both bindings, sides alternating."""
    items = inputs(aggregates)
    kek = new_key()
    sealed = [seal(i.data_key, i.state, i.state_aad) for i in items]
    for item, body in zip(items, sealed, strict=True):  # both sides open what the other sealed
        if direct_unseal(item.data_key, body, item.state_aad) != item.state:
            raise AssertionError("the direct peer does not open what infra.sealing sealed")
    sides = {
        PUBLIC_SEAL: _sealing(seal, items, kek),
        DIRECT_SEAL: _sealing(direct_seal, items, kek),
        PUBLIC_OPEN: _opening(unseal, items, sealed),
        DIRECT_OPEN: _opening(direct_unseal, items, sealed),
    }
    for warm in sides.values():  # untimed: the first cffi calls and allocations
        warm(-1)
    rates = alternate(options.rounds, sides, options.progress, "ingest seal")
    sizes = [len(i.state) for i in items]
    common = (
        f"{len(items)} events of the ingest workload (states {min(sizes)}-{max(sizes)} bytes, mean "
        f"{sum(sizes) // len(sizes)}), {REPEAT} passes per side per round, {options.rounds} rounds; in memory, "
        "no database: the seal's own cost",
    )
    return [
        BenchResult.from_rounds(
            "ingest: seal of a new pupil's event (state + data-key wrap), public binding",
            UNIT,
            rates[PUBLIC_SEAL],
            DIRECT_SEAL,
            rates[DIRECT_SEAL],
            extra=(
                "infra/sealing.py calls nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt; the peer is "
                "the same libsodium call through nacl._sodium with one argument check (hub/bench/seal.py)",
                *common,
            ),
        ),
        BenchResult.from_rounds(
            "ingest: open of a stored event, public binding",
            UNIT,
            rates[PUBLIC_OPEN],
            DIRECT_OPEN,
            rates[DIRECT_OPEN],
            extra=("one open per event read, under its (cached) data key", *common),
        ),
    ]
