"""Test helper: store events and snapshots the way the application would, then load them.

Uses eventsourcing's own `Mapper` with only the library's default transcodings (UUID,
Decimal, datetime), so a test fails if an event or a snapshot carries a value the default
transcoder cannot handle (a `date`, an enum that does not survive the round trip).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)


def default_mapper() -> Mapper[Any]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def round_trip(events: Sequence[Any]) -> list[Any]:
    """Encode and decode every event through the default mapper."""
    mapper = default_mapper()
    return [mapper.to_domain_event(mapper.to_stored_event(e)) for e in events]


def replay(events: Sequence[Any]) -> Any:
    """The aggregate rebuilt from stored-and-loaded events."""
    aggregate = None
    for event in round_trip(events):
        aggregate = event.mutate(aggregate)
    return aggregate


def snapshot_round_trip(aggregate: Any) -> Any:
    """The aggregate rebuilt from a stored-and-loaded snapshot."""
    mapper = default_mapper()
    snapshot = mapper.to_domain_event(mapper.to_stored_event(Snapshot.take(aggregate)))
    return snapshot.mutate(None)
