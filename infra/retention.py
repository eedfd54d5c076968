"""Erasure by schedule and after a restore: the retention sweep and the shred list.

Retention counts from a record's last change (`hub_directory.changed_at`, written in
the transaction of the record's events). A data key belongs to one (purpose, pupil), so
a key is shredded only when *every* record of that pupil under that purpose is past its
purpose's retention. Each shredded key gets one `erase` entry in the access log, with the
pupil's pseudonym only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from uuid import UUID

from sqlalchemy import bindparam as p
from sqlalchemy import exists, func, literal_column, select

from audit.entries import AccessEntry, Action
from domain.catalogue import PURPOSES
from domain.purpose import Purpose
from infra.accesslog import AccessLogStore, utc_now
from infra.db import Database, Statement, Tx
from infra.keystore import KeyStore, destroy_keys
from infra.schema import data_keys as dk
from infra.schema import directory as d

HUB_ORG = "hub"  # the hub itself, as the actor of the entries it writes on its own
_CHUNK = 10_000  # key ids per statement when re-applying a shred list (SQLite allows 32,766 parameters)

_OF_PUPIL = (d.c.purpose == p("purpose"), d.c.subject == p("subject"))
# Every pupil of a purpose who still has a key, with the last change of their records, if every
# record has one and the newest is at or before a bound.
_EXPIRED = Statement(
    select(d.c.subject, func.max(d.c.changed_at))
    .where(d.c.purpose == p("purpose"), exists().where(dk.c.purpose == d.c.purpose, dk.c.subject == d.c.subject))
    .group_by(d.c.subject)
    .having(func.count() == func.count(d.c.changed_at), func.max(d.c.changed_at) <= p("bound"))
    .order_by(d.c.subject)
)
# The pupil's key, locked FOR UPDATE on PostgreSQL (SQLite renders no lock: its write lock is held from BEGIN).
_LOCK_KEY = Statement(
    select(literal_column("1")).where(dk.c.subject == p("subject"), dk.c.purpose == p("purpose")).with_for_update()
)
# Labelled: PostgreSQL rows come back keyed by column name.
_CHANGES = Statement(
    select(
        func.count().label("n"), func.count(d.c.changed_at).label("known"), func.max(d.c.changed_at).label("last")
    ).where(*_OF_PUPIL)
)
_RECORDS = Statement(select(d.c.record_id).where(*_OF_PUPIL).order_by(d.c.seq))


@lru_cache(maxsize=8)
def _live_keys_of(count: int) -> Statement:
    """(key id, purpose, subject) of those of `count` key ids that still exist, locked FOR UPDATE on
    PostgreSQL: parameters k0 .. k{count - 1}. Chunks are full but for the last: few shapes."""
    return Statement(
        select(dk.c.key_id, dk.c.purpose, dk.c.subject)
        .where(dk.c.key_id.in_([p(f"k{i}") for i in range(count)]))
        .with_for_update()
    )


def iso(moment: datetime) -> str:
    """The timestamp format of the directory and the access log (UTC, milliseconds, Z)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment; one without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Expired:
    """One (purpose, pupil) whose every record is past retention: its key goes."""

    purpose: str
    subject: str  # the pupil's pseudonym, never an identifier
    records: tuple[str, ...]
    last_changed: str
    retention_ended: str

    def to_dict(self) -> dict[str, object]:
        return {
            "doel": self.purpose,
            "pseudoniem": self.subject,
            "records": list(self.records),
            "laatste_wijziging": self.last_changed,
            "bewaartermijn_verstreken": self.retention_ended,
        }


@dataclass(frozen=True)
class Reapplied:
    """A key that a restore brought back and the shred list destroyed again."""

    key_id: str
    purpose: str
    subject: str
    shredded_at: str


def _ended(purpose: Purpose, last_changed: str | None, now: datetime) -> datetime | None:
    """When the retention of a group last changed at `last_changed` ended, if it has by `now`."""
    if last_changed is None:
        return None
    end = purpose.retention.ends(parse_moment(last_changed))
    return end if end is not None and end <= now else None


class RetentionSweep:
    """Finds what has passed its purpose's retention and crypto-shreds it, logged."""

    def __init__(self, db: Database, purposes: Mapping[str, Purpose] = PURPOSES) -> None:
        self._db = db
        self._log = AccessLogStore(db)
        self._purposes = purposes

    def expired(self, now: datetime) -> list[Expired]:
        """Every (purpose, pupil) with a live key whose records are all past retention at `now`."""
        found: list[Expired] = []
        for purpose in self._purposes.values():
            if purpose.retention.years is None:
                continue
            # A coarse bound in SQL (a year lasts at least 365 days), the exact rule below.
            bound = iso(now - timedelta(days=365 * purpose.retention.years) + timedelta(days=1))
            with self._db.transaction(write=False) as tx:
                rows = tx.execute(_EXPIRED, {"purpose": purpose.name, "bound": bound}).all()
                for subject, last in rows:
                    end = _ended(purpose, last, now)
                    if end is not None:
                        found.append(
                            Expired(
                                purpose.name,
                                str(subject),
                                _records(tx, purpose.name, str(subject)),
                                str(last),
                                iso(end),
                            )
                        )
        return found

    def run(self, now: datetime, *, dry_run: bool = False) -> list[Expired]:
        """Shred the key of every expired (purpose, pupil); returns what was (or would be) erased."""
        candidates = self.expired(now)
        if dry_run:
            return candidates
        return [done for c in candidates if (done := self._shred(c, now)) is not None]

    def _shred(self, candidate: Expired, now: datetime) -> Expired | None:
        purpose = self._purposes[candidate.purpose]
        with self._db.transaction() as tx:
            # Lock the key first: a push that still holds it (FOR SHARE) commits before we go
            # on, and then the check below sees its directory row and leaves the key alone. On
            # SQLite the same by the write lock, held from BEGIN (infra/sqlitepool.py).
            pupil = {"purpose": candidate.purpose, "subject": candidate.subject}
            has_key = tx.execute(_LOCK_KEY, pupil).one() is not None
            row = tx.execute(_CHANGES, pupil).one()
            if not has_key or row is None or row[0] != row[1]:
                return None
            end = _ended(purpose, row[2], now)
            if end is None:
                return None
            done = Expired(
                candidate.purpose,
                candidate.subject,
                _records(tx, candidate.purpose, candidate.subject),
                str(row[2]),
                iso(end),
            )
            destroy_keys(tx, purpose.name, candidate.subject, utc_now(), f"retention: {purpose.retention.rationale}")
            self._log.append_in(
                tx,
                [
                    erase_entry(
                        purpose.name,
                        purpose.legal_basis.value,
                        candidate.subject,
                        {
                            "reden": "bewaartermijn verstreken",
                            "bewaartermijn": purpose.retention.rationale,
                            "laatste_wijziging": done.last_changed,
                            "einde_bewaartermijn": done.retention_ended,
                            "records": list(done.records),
                        },
                    )
                ],
            )
        return done


def _records(tx: Tx, purpose: str, subject: str) -> tuple[str, ...]:
    rows = tx.execute(_RECORDS, {"purpose": purpose, "subject": subject}).all()
    return tuple(str(UUID(str(r[0]))) for r in rows)


def legal_basis(purpose: str, purposes: Mapping[str, Purpose] = PURPOSES) -> str:
    """The purpose's legal basis as logged ("" for a purpose this release does not know)."""
    return purposes[purpose].legal_basis.value if purpose in purposes else ""


def shred_logged(keys: KeyStore, log: AccessLogStore, purpose: str, subject: str | None, reason: str) -> int:
    """`hub keys shred`: destroy the key(s) and log an erase entry per pupil in the same transaction.

    The entry names no reason beyond "manual": the shred list holds the operator's category.
    """

    def entries(tx: Tx, subjects: list[str]) -> None:
        log.append_in(
            tx, [erase_entry(purpose, legal_basis(purpose), s, {"reden": "handmatige vernietiging"}) for s in subjects]
        )

    return keys.shred(purpose, subject, reason, entries)


def erase_entry(purpose: str, basis: str, subject: str, why: dict[str, object]) -> AccessEntry:
    """The access-log entry of a crypto-shred: the hub erased this pupil's records of `purpose`."""
    return AccessEntry(
        action=Action.ERASE,
        org_id=HUB_ORG,
        role=HUB_ORG,
        purpose=purpose,
        legal_basis=basis,
        subject=subject,
        actor="hub",
        decision="erased",
        afweging=why,
        at=utc_now(),
    )


def reapply_shreds(
    db: Database, shred_list: Iterable[tuple[str, str, str]], purposes: Mapping[str, Purpose] = PURPOSES
) -> list[Reapplied]:
    """After restoring an older backup: destroy again every key the shred list names.

    `shred_list` holds (key id, purpose, shredded at), as `KeyStore.shredded_key_ids()`
    gave them before the restore. Keys already gone are skipped, so running it twice is harmless.
    """
    listed = list(shred_list)
    done: list[Reapplied] = []
    log = AccessLogStore(db)
    with db.transaction() as tx:
        live = _live_keys(tx, [key_id for key_id, _purpose, _at in listed])
        for key_id, _purpose, shredded_at in listed:
            if key_id not in live:
                continue
            purpose, subject = live.pop(key_id)
            destroy_keys(tx, purpose, subject, shredded_at, "shred list re-applied after a restore")
            done.append(Reapplied(key_id, purpose, subject, shredded_at))
            log.append_in(
                tx,
                [
                    erase_entry(
                        purpose,
                        legal_basis(purpose, purposes),
                        subject,
                        {
                            "reden": "vernietiging opnieuw toegepast na herstel van een back-up",
                            "oorspronkelijk_vernietigd": shredded_at,
                        },
                    )
                ],
            )
    return done


def _live_keys(tx: Tx, key_ids: list[str]) -> dict[str, tuple[str, str]]:
    """(purpose, subject) of those of `key_ids` that still exist, locked on PostgreSQL. The key
    table is keyed by pupil, not by key id: one pass over it per chunk of ids."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(key_ids), _CHUNK):
        chunk = key_ids[start : start + _CHUNK]
        rows = tx.execute(_live_keys_of(len(chunk)), {f"k{i}": k for i, k in enumerate(chunk)}).all()
        found.update((str(k), (str(p), str(s))) for k, p, s in rows)
    return found
