"""The key hierarchy: master key → one key per purpose → one data key per (purpose, pupil).

Beside the purpose keys the master wraps a few keys for other stores (`SUB_KEYS`: the sealed
idempotency answers), so that a master-key rotation re-wraps a handful of rows and never
re-seals data.

Erasure is crypto-shredding: deleting a data key makes every copy of the events
sealed under it unreadable, backups included. A shredded key id is remembered
(without the key) so that reads answer "erased" instead of "corrupt", and so that
a restore of an old key table can be cleaned again (see docs/operations.md).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from infra import keysql as sql
from infra.db import Database, Tx
from infra.idempotency import forget_in
from infra.sealing import KEY_BYTES, SealError, new_key, seal, unseal

_MASTER_CHECK = b"ketenhub master key check v1"
_CHECK_AAD = b"master-check"
_CHECK_NAME = "master_check"
# Keys for other stores, by label: derived from the master until its first rotation, stored
# wrapped in hub_meta from then on (so the key outlives the master it was derived from).
SUB_KEYS = ("idempotency",)
_CACHE_LIMIT = 200_000  # data keys cached for writing, about 40 MB
_KEYS_AT_ONCE = 512  # data keys per statement in `keys_for_read` (two parameters each on SQLite)


class KeyStoreError(Exception):
    """Base of the key store's errors."""


class MasterKeyMismatch(KeyStoreError):
    """The master key given is not the one this database was created with."""


class RecordErased(KeyStoreError):
    """The data key was shredded: the record is erased, by design, for good."""

    def __init__(self, key_id: str, purpose: str, shredded_at: str) -> None:
        super().__init__(f"record erased (purpose {purpose}, shredded {shredded_at})")
        self.key_id = key_id
        self.purpose = purpose
        self.shredded_at = shredded_at


class StaleKey(KeyStoreError):
    """A cached data key that no longer exists (shredded, or lost a creation race)."""

    def __init__(self, key_ids: set[str]) -> None:
        super().__init__(f"data keys {sorted(key_ids)} are gone; re-seal with fresh keys")
        self.key_ids = key_ids


class UnknownKey(KeyStoreError):
    """No data key and no shred record: the key store and the events disagree."""


class KeyRef(NamedTuple):
    """The data key a stored event names: its id and pupil (`subject` is None in the
    version 0x01 headers of events stored before the header named the pupil)."""

    key_id: str
    subject: str | None


@dataclass(frozen=True)
class DataKey:
    """An unwrapped data key and what it belongs to."""

    key_id: str
    purpose: str
    subject: str
    key: bytes


def derive_key(master: bytes, label: bytes) -> bytes:
    """A sub-key for one use, so the master key itself never seals data directly."""
    return hashlib.blake2b(label, key=master, digest_size=32, person=b"ketenhub-subkey").digest()


def _now() -> str:
    return _second(int(time.time()))


@lru_cache(maxsize=1)
def _second(epoch: int) -> str:
    # Formatted once per second: a new pupil's key row is stamped on the push's hot path.
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _kek_aad(purpose: str, version: int) -> bytes:
    return f"kek|{purpose}|{version}".encode()


def _dek_aad(key_id: str, purpose: str, subject: str) -> bytes:
    return f"dek|{key_id}|{purpose}|{subject}".encode()


def _sub_name(label: str) -> str:
    return f"key:{label}"


def destroy_keys(
    tx: Tx, purpose: str, subject: str | None, shredded_at: str, reason: str
) -> list[tuple[str, str, str]]:
    """Inside `tx`: delete the data key of (purpose, subject), or every key of the purpose, and
    record each one deleted in the shred list, and leave tombstones of the idempotency answers
    for them (a retried push answers 410); returns (key id, purpose, subject) of each.

    The shred rows are written from what the DELETE itself returned: a SELECT (or INSERT ...
    SELECT) before it reads another snapshot on PostgreSQL, and a pupil's first key committed in
    between would be deleted without a shred row, reading "unknown" instead of "erased" and
    missing from the list a restore re-applies."""
    if subject is None:
        deleted = tx.execute(sql.DELETE_PURPOSE_KEYS, {"purpose": purpose})
    else:
        deleted = tx.execute(sql.DELETE_PUPIL_KEY, {"subject": subject, "purpose": purpose})
    gone = [(str(k), str(p), str(s)) for k, p, s in deleted.all()]
    tx.executemany(
        sql.SHRED_INSERT,
        [{"key_id": k, "purpose": p, "subject": s, "shredded_at": shredded_at, "reason": reason} for k, p, s in gone],
    )
    # After the DELETE, which waited for any push holding the key: its answer is committed by now.
    forget_in(tx, purpose, subject)
    return gone


class KeyStore:
    """Creates, unwraps, rotates and shreds keys; rows live beside the events."""

    def __init__(self, db: Database, master_key: bytes) -> None:
        self._db = db
        self._master = master_key
        # Purpose keys are immutable per (purpose, version), so caching them is safe:
        # a rotation creates a new version, a purpose shred deletes every data key.
        self._keks: dict[tuple[str, int, bytes], bytes] = {}
        # The purpose key new data keys are wrapped under, by purpose: (version, wrapped, key).
        # Trusted only as far as the INSERT that uses it finds that very row (see _insert_pending).
        self._current: dict[str, tuple[int, bytes, bytes]] = {}
        self._cache: dict[tuple[str, str], DataKey] = {}
        self._pending: dict[str, DataKey] = {}
        self._guard = threading.Lock()

    # -- set-up -------------------------------------------------------------------
    def check_master_key(self) -> None:
        """Refuse a master key other than the one the store was created with."""
        with self._db.transaction() as tx:
            if not self._require_master(tx):
                check = seal(self._master, _MASTER_CHECK, _CHECK_AAD)
                tx.execute(sql.META_INSERT, {"name": _CHECK_NAME, "value": check})

    def master_key_opens(self) -> bool:
        """Whether the store's master-key check is there and opens with this process's key, read
        only (MasterKeyMismatch when it does not open): what readiness asks."""
        with self._db.transaction(write=False) as tx:
            return self._require_master(tx)

    def is_initialised(self) -> bool:
        """Whether this database already holds a master-key check (so holds data)."""
        with self._db.transaction(write=False) as tx:
            return tx.execute(sql.META_VALUE, {"name": _CHECK_NAME}).one() is not None

    # -- purpose keys -------------------------------------------------------------
    def _newest_kek(self, tx: Tx, purpose: str) -> tuple[int, bytes, bytes] | None:
        """The newest stored purpose key as (version, wrapped, key), if there is one."""
        row = tx.execute(sql.NEWEST_KEK, {"purpose": purpose}).one()
        if row is None:
            return None
        version, wrapped = int(row[0]), bytes(row[1])
        return version, wrapped, self._unwrap_kek(purpose, version, wrapped)

    def _require_master(self, tx: Tx) -> bool:
        """Inside `tx`, the store's master-key check must open with this process's key; returns
        whether the store has a check at all (a new one has none yet). At start-up, and before
        anything is sealed under the master: a process left running through a master rotation
        elsewhere would otherwise make a purpose key under the old master (unreadable after its
        restart), and a second rotation would silently replace the first one's key."""
        row = tx.execute(sql.META_VALUE, {"name": _CHECK_NAME}).one()
        if row is None:
            return False
        try:
            ok = unseal(self._master, bytes(row[0]), _CHECK_AAD) == _MASTER_CHECK
        except SealError:
            ok = False
        if not ok:
            raise MasterKeyMismatch(
                "the master key does not match this database: refusing (a new key cannot read existing "
                "records; if the master key was rotated, restart with the new key)"
            )
        return True

    def _new_kek(self, tx: Tx, purpose: str, version: int) -> tuple[int, bytes, bytes]:
        """A new purpose key (version, wrapped, key). Two workers' first writes may both make
        v1: the later one waits, inserts nothing and uses the committed key."""
        self._require_master(tx)
        kek = new_key()
        wrapped = seal(self._master, kek, _kek_aad(purpose, version))
        row = {"purpose": purpose, "version": version, "wrapped": wrapped, "created_at": _now()}
        made = tx.execute(sql.KEK_INSERT, row).one()
        if made is not None:
            return version, wrapped, kek
        stored = self._wrapped_kek(tx, purpose, version)
        return version, stored, self._unwrap_kek(purpose, version, stored)

    def _unwrap_kek(self, purpose: str, version: int, wrapped: bytes) -> bytes:
        # Cached by the stored bytes too, so a row that was rolled back and replaced never matches.
        cached = self._keks.get((purpose, version, wrapped))
        if cached is None:
            cached = self._open(wrapped, _kek_aad(purpose, version), f"purpose key {purpose} v{version}")
            self._keks[(purpose, version, wrapped)] = cached
        return cached

    def _open(self, wrapped: bytes, aad: bytes, what: str) -> bytes:
        try:
            return unseal(self._master, wrapped, aad)
        except SealError as e:
            # Behind a running process's back the master key was rotated (it must restart with
            # the new one), or the row was altered: either way nothing may be read or written.
            raise MasterKeyMismatch(
                f"{what} does not open with this process's master key: the master key was rotated "
                "(restart with the new key) or the key row was altered"
            ) from e

    @staticmethod
    def _wrapped_kek(tx: Tx, purpose: str, version: int) -> bytes:
        row = tx.execute(sql.WRAPPED_KEK, {"purpose": purpose, "version": version}).one()
        if row is None:
            raise UnknownKey(f"purpose key {purpose} v{version} is missing")
        return bytes(row[0])

    def _kek(self, tx: Tx, purpose: str, version: int) -> bytes:
        return self._unwrap_kek(purpose, version, self._wrapped_kek(tx, purpose, version))

    @staticmethod
    def _lock_keys(tx: Tx, mode: str = "SHARE ROW EXCLUSIVE") -> None:
        # Key creation and rotation must not interleave, or a key could be wrapped under a
        # purpose key that the rotation is about to delete: rotation and purpose shred take
        # SHARE ROW EXCLUSIVE, key creation ROW EXCLUSIVE. SQLite serialises writers: its
        # write transactions hold the write lock from BEGIN (infra/sqlitepool.py).
        if tx.dialect == "postgres":
            tx.execute(f"LOCK TABLE hub_data_keys IN {mode} MODE")

    # -- data keys ----------------------------------------------------------------
    def key_for_write(self, purpose: str, subject: str) -> DataKey:
        """The data key of (purpose, subject), created on first use.

        A key this process has not seen is made *pending* without asking the database:
        `persist` inserts it in the same transaction as the first event sealed under it,
        so an event never exists without its key and a failed write leaves no orphan
        key. Keys are cached for writing only; `persist` re-checks inside every write
        transaction that the key still exists, so a shred elsewhere is never written past.
        """
        with self._guard:
            found = self._cache.get((purpose, subject))
            if found is None:
                if len(self._cache) >= _CACHE_LIMIT:  # a bound on memory; pending keys stay
                    self._cache = {k: v for k, v in self._cache.items() if v.key_id in self._pending}
                found = DataKey(os.urandom(16).hex(), purpose, subject, new_key())
                self._pending[found.key_id] = found
                self._cache[(purpose, subject)] = found
            return found

    def persist(self, tx: Tx, refs: set[KeyRef]) -> Callable[[], None]:
        """Inside a write transaction: store the pending keys among `refs`, and make sure
        the others still exist (on PostgreSQL, locked against a shred until commit).

        The statements are sent at once; the returned `confirm` reads their outcome (called
        after the events' statements, so on PostgreSQL it costs no round trip of its own).
        `confirm` raises `StaleKey` when a key is unusable — shredded, its purpose key rotated
        away, or the pupil already has a key (made by another process, or before a restart) —
        after caching the stored key where there is one: the caller re-seals and retries.
        """
        pending = [self._pending[r.key_id] for r in refs if r.key_id in self._pending]
        made = {key.key_id: self._insert_pending(tx, key) for key in pending}
        others = sorted((r for r in refs if r.key_id not in made), key=lambda r: r.key_id)
        live: Callable[[], list[tuple[Any, ...]]] = list
        if others:
            params = sql.live_key_params([r.subject for r in others], [r.key_id for r in others])
            live = tx.rows_later(sql.live_keys(len(others)), params)

        def confirm() -> None:
            refused = [key for key in pending if not made[key.key_id]()]
            for key in refused:  # the cached purpose key may be why: read it afresh next time
                self._current.pop(key.purpose, None)
            stale = {key.key_id for key in refused} | ({r.key_id for r in others} - {str(r[0]) for r in live()})
            if stale:
                self._replace(tx, stale)
                raise StaleKey(stale)

        return confirm

    def _insert_pending(self, tx: Tx, key: DataKey) -> Callable[[], bool]:
        """Insert a pending key, wrapped under the current purpose key; whether it was, later.

        The purpose key comes from the cache when there is one: the INSERT itself checks that
        the very row it was unwrapped from still exists (FOR SHARE on PostgreSQL, so a rotation
        or purpose shred that deletes it waits for this commit, and one that committed first
        makes the check fail even if this statement's snapshot predates it). A refused insert
        drops the cache (in `persist`), so the caller's retry reads the purpose key afresh. One
        statement for a new pupil's key, where a SELECT of the purpose key would add a round trip.
        """
        current = self._current.get(key.purpose)
        if current is None:
            # The lock the INSERT takes anyway, taken before a purpose key may be made: a rotation
            # either committed before, or waits for us, instead of waiting on our new purpose
            # key while we wait on its lock.
            self._lock_keys(tx, "ROW EXCLUSIVE")
            current = self._newest_kek(tx, key.purpose)
            if current is None:  # made here, so it may yet roll back: cached once a later write reads it
                current = self._new_kek(tx, key.purpose, 1)
            else:
                self._current[key.purpose] = current
        version, wrapped, kek = current
        dek = seal(kek, key.key, _dek_aad(key.key_id, key.purpose, key.subject))
        return tx.inserted_later(
            sql.DATA_KEY_INSERT,
            {
                "key_id": key.key_id,
                "purpose": key.purpose,
                "subject": key.subject,
                "version": version,
                "wrapped": dek,
                "created_at": _now(),
                "kek_wrapped": wrapped,
            },
        )

    def _replace(self, tx: Tx, stale: set[str]) -> None:
        """Drop stale keys from the caches; cache the stored key of their pupils, if any."""
        with self._guard:
            contexts = [k for k, v in self._cache.items() if v.key_id in stale]
            for key_id in stale:
                self._pending.pop(key_id, None)
            for context in contexts:
                del self._cache[context]
                stored = self._select_key(tx, *context)
                if stored is not None:
                    self._cache[context] = stored

    def settled(self, contexts: set[tuple[str, str]]) -> None:
        """After a commit: the pending keys of these (purpose, subject) pairs are stored now."""
        for context in contexts:
            key = self._cache.get(context)
            if key is not None:
                self._pending.pop(key.key_id, None)

    def _select_key(self, tx: Tx, purpose: str, subject: str) -> DataKey | None:
        row = tx.execute(sql.DATA_KEY, {"subject": subject, "purpose": purpose}).one()
        if row is None:
            return None
        return self._unwrap_dek(tx, str(row[0]), purpose, subject, int(row[1]), bytes(row[2]))

    def _unwrap_dek(self, tx: Tx, key_id: str, purpose: str, subject: str, version: int, wrapped: bytes) -> DataKey:
        kek = self._kek(tx, purpose, version)
        return DataKey(key_id, purpose, subject, unseal(kek, wrapped, _dek_aad(key_id, purpose, subject)))

    def key_for_read(self, ref: KeyRef) -> DataKey:
        """The data key named in a stored event's header; `RecordErased` once shredded.

        Read from the table every time (keys are cached for writing only), so a shred takes
        effect at the next read: the key and its purpose key in one statement, the shred list
        only when the key is not there."""
        key_id = ref.key_id
        if ref.subject is not None:
            with self._db.read() as tx:
                found = tx.execute(sql.KEY_WITH_KEK, {"subject": ref.subject, "key_id": key_id}).one()
            if found is not None and found[4] is not None:
                return self._key_with_kek(key_id, *found)
        return self._key_not_at_once(ref)

    def keys_for_read(self, refs: Collection[KeyRef]) -> dict[KeyRef, DataKey | RecordErased]:
        """The data keys stored events' headers name (a page of records), each as `key_for_read`
        gives it, or the `RecordErased` it would raise (one erased record is no error for the rest).

        Read from the table every time, as `key_for_read` reads: the keys with their purpose keys
        in one statement (per `_KEYS_AT_ONCE`), and only a key not found there — shredded, a
        version 0x01 header, a missing purpose key — read on its own as `key_for_read` reads it.
        Any other error (an unknown key, a key that does not open) is raised, as there."""
        named = sorted({r for r in refs if r.subject is not None})
        keys: dict[KeyRef, DataKey | RecordErased] = {}
        for start in range(0, len(named), _KEYS_AT_ONCE):
            chunk = named[start : start + _KEYS_AT_ONCE]
            wanted = set(chunk)
            with self._db.read() as tx:
                statement, params = sql.keys_with_kek(
                    tx.dialect, [str(r.subject) for r in chunk], [r.key_id for r in chunk]
                )
                rows = tx.execute(statement, params).all()
            for key_id, *found in rows:
                ref = KeyRef(str(key_id), str(found[1]))
                if ref in wanted and found[4] is not None:
                    keys[ref] = self._key_with_kek(ref.key_id, *found)
        for ref in refs:
            if ref not in keys:
                try:
                    keys[ref] = self._key_not_at_once(ref)
                except RecordErased as e:
                    keys[ref] = e
        return keys

    def _key_with_kek(self, key_id: str, purpose: Any, subject: Any, version: Any, wrapped: Any, kek: Any) -> DataKey:
        """A data key from its row read with its purpose key (`sql.KEY_WITH_KEK`)."""
        purpose, subject, version = str(purpose), str(subject), int(version)
        unwrapped = self._unwrap_kek(purpose, version, bytes(kek))
        return DataKey(key_id, purpose, subject, unseal(unwrapped, bytes(wrapped), _dek_aad(key_id, purpose, subject)))

    def _key_not_at_once(self, ref: KeyRef) -> DataKey:
        """`key_for_read` for a key its one statement did not find: a version 0x01 header, a
        missing purpose key or no key at all; the checks below say which."""
        key_id = ref.key_id
        with self._db.transaction(write=False) as tx:
            if ref.subject is None:  # a version 0x01 header: the pupil is in hub_key_ids
                tx.execute(sql.KEY_BY_LEGACY_ID, {"key_id": key_id})
            else:
                tx.execute(sql.KEY_BY_ID_AND_PUPIL, {"subject": ref.subject, "key_id": key_id})
            row = tx.one()
            if row is not None:
                return self._unwrap_dek(tx, key_id, str(row[0]), str(row[1]), int(row[2]), bytes(row[3]))
            gone = tx.execute(sql.SHRED_OF, {"key_id": key_id}).one()
        if gone is not None:
            raise RecordErased(key_id, str(gone[0]), str(gone[1]))
        raise UnknownKey(f"data key {key_id} is unknown to this key store")

    # -- operations ---------------------------------------------------------------
    def shred(
        self, purpose: str, subject: str | None, reason: str, log: Callable[[Tx, list[str]], None] | None = None
    ) -> int:
        """Delete the data key of (purpose, subject), or of every subject of the purpose;
        `log` gets the erased subjects inside the same transaction (the access log's entries)."""
        with self._db.transaction() as tx:
            if subject is None:  # no new key may slip in under the purpose key about to go
                self._lock_keys(tx)
            destroyed = destroy_keys(tx, purpose, subject, _now(), reason)
            if subject is None:
                tx.execute(sql.KEKS_DELETE, {"purpose": purpose})
            subjects = sorted({s for _k, _p, s in destroyed})
            if log is not None and subjects:
                log(tx, subjects)
        if subject is None:
            self._keks = {k: v for k, v in self._keks.items() if k[0] != purpose}
            self._current.pop(purpose, None)
        with self._guard:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != purpose or subject not in (None, k[1])}
        return len(destroyed)

    def rotate(self, purpose: str) -> int:
        """New purpose key; every data key of the purpose re-wrapped under it; events untouched."""
        with self._db.transaction() as tx:
            self._lock_keys(tx)
            row = tx.execute(sql.NEWEST_VERSION, {"purpose": purpose}).one()
            old_version = int(row[0]) if row and row[0] is not None else 0
            version, _wrapped, kek = self._new_kek(tx, purpose, old_version + 1)
            rows = tx.execute(sql.DATA_KEYS_OF_PURPOSE, {"purpose": purpose}).all()
            for key_id, subject, kek_version, wrapped in rows:
                dek = self._unwrap_dek(tx, str(key_id), purpose, str(subject), int(kek_version), bytes(wrapped))
                rewrapped = seal(kek, dek.key, _dek_aad(dek.key_id, purpose, dek.subject))
                tx.execute(
                    sql.DATA_KEY_REWRAP,
                    {"version": version, "new_wrapped": rewrapped, "subject": dek.subject, "purpose": purpose},
                )
            tx.execute(sql.KEKS_OLDER_DELETE, {"purpose": purpose, "version": version})
        self._keks = {k: v for k, v in self._keks.items() if k[0] != purpose or k[1] == version}
        self._current.pop(purpose, None)
        return len(rows)

    def sub_key(self, label: str) -> bytes:
        """The key of another store (one of `SUB_KEYS`), the same across master rotations."""
        with self._db.transaction(write=False) as tx:
            return self._sub_key_in(tx, label)

    def _sub_key_in(self, tx: Tx, label: str) -> bytes:
        if label not in SUB_KEYS:
            raise KeyError(label)
        row = tx.execute(sql.META_VALUE, {"name": _sub_name(label)}).one()
        if row is None:
            return derive_key(self._master, label.encode())
        return self._open(bytes(row[0]), _sub_name(label).encode(), f"the {label} key")

    def rotate_master(self, new_master: bytes) -> int:
        """Re-wrap every purpose key, the keys of `SUB_KEYS` and the master-key check under
        `new_master`, in one transaction; data keys and events are untouched. Every other hub
        process must be stopped first and restarted with the new key (docs/operations.md):
        one that runs on refuses whatever needs a purpose key (`MasterKeyMismatch`)."""
        if len(new_master) != KEY_BYTES:
            raise KeyStoreError(f"a master key is {KEY_BYTES} bytes")
        if new_master == self._master:
            raise KeyStoreError("the new master key is the one in use")
        with self._db.transaction() as tx:
            self._lock_keys(tx)  # no purpose key may be made under the old master meanwhile
            if not self._require_master(tx):  # ... nor this rotation follow another one unseen
                raise KeyStoreError("this store has no master-key check: nothing to rotate")
            subs = {label: self._sub_key_in(tx, label) for label in SUB_KEYS}
            rows = [(str(p), int(v), bytes(w)) for p, v, w in tx.execute(sql.ALL_KEKS, {}).all()]
            for purpose, version, wrapped in rows:
                kek = self._unwrap_kek(purpose, version, wrapped)
                rewrapped = seal(new_master, kek, _kek_aad(purpose, version))
                tx.execute(sql.KEK_REWRAP, {"new_wrapped": rewrapped, "purpose": purpose, "version": version})
            for label, key in subs.items():
                name = _sub_name(label)
                tx.execute(sql.META_UPSERT, {"name": name, "value": seal(new_master, key, name.encode())})
            check = seal(new_master, _MASTER_CHECK, _CHECK_AAD)
            tx.execute(sql.META_SET, {"new_value": check, "name": _CHECK_NAME})
        self._master = new_master
        self._keks, self._current = {}, {}
        return len(rows)

    def shredded_key_ids(self) -> list[tuple[str, str, str]]:
        """The shred list (key id, purpose, shredded at): kept beside backups, applied after restore."""
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(sql.SHRED_LIST, {}).all()
        return [(str(a), str(b), str(c)) for a, b, c in rows]
