"""The purpose-encrypting mapper: every event's state sealed under its (purpose, pupil) key.

Hooked into eventsourcing as a `Mapper` (not a `Cipher`: a cipher sees only bytes,
never the event, so it cannot choose the key). Stored state is

    b"KH" 0x01 | key id (16 bytes) | nonce (24) | XChaCha20-Poly1305 ciphertext

with the aggregate id, version, topic and purpose bound as associated data, so a
ciphertext copied into another row fails to open. The header names the key, so
reading needs no guessing and a rotation can proceed record by record.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    Transcoding,
)

from infra.keystore import KeyStore
from infra.sealing import SealError, seal, unseal

MAGIC = b"KH\x01"
_KEY_ID_BYTES = 16
_HEADER_BYTES = len(MAGIC) + _KEY_ID_BYTES


class TamperedRecord(MapperDeserialisationError):
    """A stored event failed authentication: changed bytes or moved from another row."""


class UnsealedEvent(TypeError):
    """An event that declares no purpose and pupil: the hub refuses to store it."""


class DateAsISO(Transcoding):
    """Dates as ISO strings in event state (the library handles datetimes, not dates)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def key_context(domain_event: Any) -> tuple[str, str]:
    """The (purpose, subject) an event is sealed under; snapshots carry it in their state."""
    purpose = getattr(domain_event, "purpose", None)
    subject = getattr(domain_event, "subject", None)
    if purpose is None and isinstance(getattr(domain_event, "state", None), dict):
        purpose = domain_event.state.get("purpose")
        subject = domain_event.state.get("subject")
    if not purpose or not subject:
        raise UnsealedEvent(f"{type(domain_event).__name__} declares no purpose and subject")
    return str(purpose), str(subject)


def _aad(originator_id: uuid.UUID | str, version: int, topic: str, purpose: str) -> bytes:
    oid = originator_id.bytes if isinstance(originator_id, uuid.UUID) else str(originator_id).encode()
    return b"|".join((oid, struct.pack(">q", version), topic.encode(), purpose.encode()))


def key_id_of(state: bytes) -> str:
    """The data key id named in a stored state's header."""
    if len(state) < _HEADER_BYTES or state[: len(MAGIC)] != MAGIC:
        raise TamperedRecord("stored state has no Ketenhub header")
    return state[len(MAGIC) : _HEADER_BYTES].hex()


def key_ids_of(stored_events: Iterable[StoredEvent]) -> set[str]:
    return {key_id_of(s.state) for s in stored_events}


class SealingMapper(Mapper):
    """Transcodes, then seals under the data key of the event's (purpose, pupil)."""

    def __init__(self, transcoder: Transcoder, keystore: KeyStore) -> None:
        super().__init__(transcoder=transcoder)
        self.keystore = keystore

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        purpose, subject = key_context(domain_event)
        plain = super().to_stored_event(domain_event)
        data_key = self.keystore.key_for_write(purpose, subject)
        aad = _aad(plain.originator_id, plain.originator_version, plain.topic, purpose)
        state = MAGIC + bytes.fromhex(data_key.key_id) + seal(data_key.key, plain.state, aad)
        return StoredEvent(plain.originator_id, plain.originator_version, plain.topic, state)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        # RecordErased (a shredded key) propagates as itself: callers answer 410 Gone.
        data_key = self.keystore.key_for_read(key_id_of(stored_event.state))
        aad = _aad(
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.topic,
            data_key.purpose,
        )
        try:
            plain = unseal(data_key.key, stored_event.state[_HEADER_BYTES:], aad)
        except SealError as e:
            raise TamperedRecord(
                f"event {stored_event.originator_id} v{stored_event.originator_version} does not "
                "authenticate: its bytes were changed or copied from another record"
            ) from e
        return super().to_domain_event(
            StoredEvent(
                stored_event.originator_id,
                stored_event.originator_version,
                stored_event.topic,
                plain,
            )
        )
