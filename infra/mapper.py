"""The purpose-encrypting mapper: every event's state sealed under its (purpose, pupil) key.

Hooked into eventsourcing as a `Mapper` (not a `Cipher`: a cipher sees only bytes,
never the event, so it cannot choose the key). Stored state is

    b"KH" 0x02 | key id (16 bytes) | n (1 byte) | pupil pseudonym (n bytes, UTF-8)
             | nonce (24) | XChaCha20-Poly1305 ciphertext

with the aggregate id, version, topic and purpose bound as associated data, so a
ciphertext copied into another row fails to open. The header names the key, so
reading needs no guessing and a rotation can proceed record by record; it names the
pupil because the key table is one B-tree keyed by (pupil, purpose) — see KeyStore.
Version 0x01 headers (stores made before 2026-11-29) name the key id alone.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    Transcoding,
)

from infra.keystore import DataKey, KeyRef, KeyStore, RecordErased
from infra.sealing import SealError, seal, unseal

MAGIC = b"KH\x02"
LEGACY_MAGIC = b"KH\x01"
_KEY_ID_BYTES = 16
_KEY_ID_END = len(MAGIC) + _KEY_ID_BYTES
_MAX_SUBJECT_BYTES = 255


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


def _fits_header(subject: str) -> bool:
    return subject.isprintable() and 0 < len(subject.encode()) <= _MAX_SUBJECT_BYTES


def _aad(originator_id: uuid.UUID | str, version: int, topic: str, purpose: str) -> bytes:
    oid = originator_id.bytes if isinstance(originator_id, uuid.UUID) else str(originator_id).encode()
    return b"|".join((oid, struct.pack(">q", version), topic.encode(), purpose.encode()))


def header(key: DataKey) -> bytes:
    """The header naming `key` and its pupil, as `key_ref_of` reads it."""
    subject = key.subject.encode()
    return MAGIC + bytes.fromhex(key.key_id) + bytes((len(subject),)) + subject


def key_ref_of(state: bytes) -> tuple[KeyRef, int]:
    """The data key a stored state's header names, and where its ciphertext starts."""
    magic = state[: len(MAGIC)]
    if len(state) > _KEY_ID_END and magic in (MAGIC, LEGACY_MAGIC):
        key_id = state[len(MAGIC) : _KEY_ID_END].hex()
        if magic == LEGACY_MAGIC:
            return KeyRef(key_id, None), _KEY_ID_END
        end = _KEY_ID_END + 1 + state[_KEY_ID_END]
        if len(state) >= end:
            try:
                subject = state[_KEY_ID_END + 1 : end].decode()
            except UnicodeDecodeError:
                subject = ""
            if _fits_header(subject):  # what key_context lets through, and nothing else
                return KeyRef(key_id, subject), end
    raise TamperedRecord("stored state has no Ketenhub header")


def key_refs_of(stored_events: Iterable[StoredEvent]) -> set[KeyRef]:
    return {key_ref_of(s.state)[0] for s in stored_events}


class SealingMapper(Mapper[uuid.UUID]):
    """Transcodes, then seals under the data key of the event's (purpose, pupil)."""

    def __init__(self, transcoder: Transcoder, keystore: KeyStore) -> None:
        super().__init__(transcoder=transcoder)
        self.keystore = keystore

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        purpose, subject = key_context(domain_event)
        if not _fits_header(subject):  # before a key is made for it
            raise UnsealedEvent(
                f"{type(domain_event).__name__}: a subject is printable text of at most {_MAX_SUBJECT_BYTES} bytes"
            )
        plain = super().to_stored_event(domain_event)
        data_key = self.keystore.key_for_write(purpose, subject)
        aad = _aad(plain.originator_id, plain.originator_version, plain.topic, purpose)
        state = header(data_key) + seal(data_key.key, plain.state, aad)
        return StoredEvent(plain.originator_id, plain.originator_version, plain.topic, state)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        # RecordErased (a shredded key) propagates as itself: callers answer 410 Gone.
        return self._open(stored_event, {})

    def to_domain_events(self, stored_events: Iterable[StoredEvent]) -> list[Any]:
        """Events read together, in one statement: each data key they name is read once (an
        aggregate's events share one), not once per event; the read is as fresh as theirs."""
        keys: dict[KeyRef, DataKey] = {}
        return [self._open(stored_event, keys) for stored_event in stored_events]

    def to_domain_events_of_many(
        self, stored_events: Sequence[StoredEvent]
    ) -> dict[uuid.UUID, list[Any] | RecordErased]:
        """The events of many aggregates read together, in one statement, each aggregate's in the
        order given (its version order): per aggregate its domain events, or the `RecordErased` its
        first event under a shredded key raised, as `to_domain_events` of that aggregate's events
        would — one erased record is no error for the others. The data keys they name are read at
        once (`KeyStore.keys_for_read`), for this call alone: the read is as fresh as the events'."""
        headers = [key_ref_of(stored_event.state) for stored_event in stored_events]
        keys = self.keystore.keys_for_read({ref for ref, _body in headers})
        opened: dict[uuid.UUID, list[Any] | RecordErased] = {}
        for stored_event, (ref, body) in zip(stored_events, headers, strict=True):
            originator = stored_event.originator_id
            assert isinstance(originator, uuid.UUID)
            events = opened.setdefault(originator, [])
            if isinstance(events, RecordErased):
                continue
            key = keys[ref]
            if isinstance(key, RecordErased):
                opened[originator] = key
            else:
                events.append(self._unsealed(stored_event, key, body))
        return opened

    def _open(self, stored_event: StoredEvent, keys: dict[KeyRef, DataKey]) -> Any:
        ref, body = key_ref_of(stored_event.state)
        data_key = keys.get(ref)
        if data_key is None:
            data_key = keys[ref] = self.keystore.key_for_read(ref)
        return self._unsealed(stored_event, data_key, body)

    def _unsealed(self, stored_event: StoredEvent, data_key: DataKey, body: int) -> Any:
        aad = _aad(
            stored_event.originator_id,
            stored_event.originator_version,
            stored_event.topic,
            data_key.purpose,
        )
        try:
            plain = unseal(data_key.key, stored_event.state[body:], aad)
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


class SealedEventStore(EventStore[uuid.UUID]):
    """The event store of the hub's records: an aggregate's events, read in one statement, are
    unsealed with one read of their data key (`SealingMapper.to_domain_events`)."""

    def __init__(self, mapper: SealingMapper, recorder: AggregateRecorder) -> None:
        super().__init__(mapper, recorder)
        self.sealing = mapper

    def get(
        self,
        originator_id: uuid.UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        stored = self.recorder.select_events(originator_id=originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        return iter(self.sealing.to_domain_events(stored))
