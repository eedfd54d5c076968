"""Filling a store fast with what the hub writes for each push: for the size-dependent benchmarks.

Each melding is stored as the push use case stores it — its sealed Created event (through
the hub's mapper and recorder, its pupil's data key with it) and its directory row — only
many meldingen to a transaction instead of one, so a million take minutes, not hours.
The pushes' access-log entries are left out: appending costs the same at any log length
(one state row), and they would add a third to the fill's time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from adapters.ports import DirectoryEntry, Requester
from adapters.school.verzuim import KIND
from domain.parties import Organisation, Role, organisation_id
from hub.bench.workload import meldingen
from infra.db import Tx
from infra.directory import Directory
from infra.persistence import StorePersistence
from infra.recorders import SideWrite

BATCH = 2000  # meldingen per transaction
_TEMPLATES = 5000  # distinct melding contents; each stored melding is a new aggregate of one of them
_PUPILS = 1800  # distinct pupils (the test number blocks hold 1818), each with many meldingen
_SCHOOL = "12AB00"
WRITER = Requester(
    org=Organisation(organisation_id(Role.SCHOOL, _SCHOOL), Role.SCHOOL, "Benchmarkschool", _SCHOOL),
    key_id=f"school:{_SCHOOL}#1",
    actor=None,
    request_id="bench-fill",
    trace_id=None,
)


def _directory_rows(rows: list[DirectoryEntry]) -> SideWrite:
    def add(tx: Tx) -> None:
        for row in rows:
            Directory.add_in(tx, row)

    return add


def fill_meldingen(p: StorePersistence, count: int, progress: Callable[[str], None]) -> None:
    """Store `count` meldingen from one school, `BATCH` to a transaction."""
    templates = meldingen(min(count, _TEMPLATES), _PUPILS)
    subjects = [p.pseudonym(m.id_kind.value, m.pupil_id) for m in templates]
    filed_on = date.today()
    for first in range(0, count, BATCH):
        batch = [
            templates[i % len(templates)].aggregate(subjects[i % len(templates)], filed_on)
            for i in range(first, min(count, first + BATCH))
        ]
        rows = [DirectoryEntry(m.id, KIND, KIND, WRITER.org.org_id, m.subject, gemeente=m.recipient) for m in batch]
        p.store.records.save(*batch, side_writes=[_directory_rows(rows)])
        if (first // BATCH) % 50 == 49:
            progress(f"fill: stored {first + BATCH:,} of {count:,} meldingen")
