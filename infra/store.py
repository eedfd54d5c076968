"""Opening the hub's store: the event-sourced records, the key store and the side tables."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent, Repository
from eventsourcing.persistence import AggregateRecorder, EventStore, JSONTranscoder, Mapper, Recording
from sqlalchemy.engine import make_url

from infra.db import Database, Dialect
from infra.keystore import KeyStore, StaleKey
from infra.mapper import DateAsISO, SealedEventStore, SealingMapper, key_context
from infra.migrate import migrated, require_head
from infra.pseudonym import PEPPER_BYTES, Pseudonymiser
from infra.sealing import KEY_BYTES
from infra.secretfiles import SecretMissing, SecretTooOpen, private_dir, read_or_create, refuse_loose, tighten
from infra.settings import Settings
from infra.sqlitepool import HubSQLite


def persistence_env(database_url: str) -> dict[str, str]:
    """The eventsourcing environment for `HUB_DATABASE_URL`."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("HUB_DATABASE_URL: SQLite needs a file path, e.g. sqlite:///./var/hub.sqlite")
        private_dir(Path(url.database).parent)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": url.database,
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": "infra.recorders:SealedSQLiteRecorder",
        }
    if url.get_backend_name() == "postgresql":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.database or "ketenhub",
            "POSTGRES_HOST": url.host or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "ketenhub",
            "POSTGRES_PASSWORD": url.password or "",
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": "infra.recorders:SealedPostgresRecorder",
        }
    raise ValueError(f"HUB_DATABASE_URL: unsupported backend {url.get_backend_name()!r}")


STATEMENT_TIMEOUT = "HUB_STATEMENT_TIMEOUT_SECONDS"  # the store's env key, set by open_store only

# The library reads os.environ too; these keys are ours alone to set.
_NEUTRAL_ENV = {
    "CIPHER_TOPIC": "",
    "CIPHER_KEY": "",
    "COMPRESSOR_TOPIC": "",
    "MAPPER_TOPIC": "",
    "CREATE_TABLE": "yes",
}


class Records(HubSQLite, Application[UUID]):
    """The event-sourced records of every purpose, sealed by the purpose-encrypting mapper."""

    name = "Hub"
    is_snapshotting_enabled = True

    def __init__(self, env: dict[str, str], master_key: bytes) -> None:
        self._master_key = master_key
        super().__init__(env={**_NEUTRAL_ENV, **env})

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def _record(self, processing_event: ProcessingEvent[Any]) -> list[Recording[Any]]:
        # The recorder stores new pupils' keys in the event's own transaction (KeyStore.persist).
        processing_event.saved_kwargs["keys"] = self.keys
        try:
            recordings = super()._record(processing_event)
        except StaleKey:
            # A cached key was shredded, or another process made this pupil's key first:
            # the events are sealed again (the store maps them anew) under fresh keys, once.
            recordings = super()._record(processing_event)
        self.keys.settled({key_context(r.domain_event) for r in recordings})
        return recordings

    def construct_mapper(self) -> Mapper[UUID]:
        # The mapper needs the key store, and the key store the same database the
        # recorder will use: the factory already holds that datastore.
        dialect: Dialect = "postgres" if "postgres" in type(self.factory).__module__ else "sqlite"
        self.db = Database(self.factory.datastore, dialect)  # type: ignore[attr-defined]
        bound = self.env.get(STATEMENT_TIMEOUT)
        if bound:  # before the recorder opens the pool
            self.db.bound_statements(int(bound))
        self.keys = KeyStore(self.db, self._master_key)
        return SealingMapper(self.construct_transcoder(), self.keys)

    def construct_event_store(self) -> EventStore[UUID]:
        return self._sealed_store(self.recorder)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        return self._sealed_store(self.factory.aggregate_recorder(purpose="snapshots"))

    def construct_repository(self) -> Repository[UUID]:
        repository = super().construct_repository()
        if not self.snapshotting_intervals:
            # The hub takes no snapshots of its own accord, so looking for one cost every load a
            # round trip that found none; the events alone rebuild every record (a snapshot is
            # derived from them), and one taken by hand is kept, not read.
            repository.snapshot_store = None
        return repository

    def _sealed_store(self, recorder: AggregateRecorder) -> EventStore[UUID]:
        # An aggregate's events come back in one statement: one read of their data key unseals them all.
        assert isinstance(self.mapper, SealingMapper)
        return SealedEventStore(self.mapper, recorder)


@dataclass(frozen=True)
class Secrets:
    """The three secrets the hub runs on; none of them is stored in the database."""

    master_key: bytes
    pepper: bytes
    signing_seed: bytes


def _master_key(settings: Settings, create: bool) -> bytes:
    if settings.master_key:
        key = base64.b64decode(settings.master_key.get_secret_value())
        if len(key) != KEY_BYTES:
            raise SecretMissing("HUB_MASTER_KEY must be 32 bytes, base64-encoded")
        return key
    return read_or_create(settings.master_key_file, KEY_BYTES, create=create)


def load_secrets(settings: Settings, *, store_is_new: bool) -> Secrets:
    """Read the secrets; create them only for a new, empty store.

    A missing master key for a store that holds data is a startup error, never a
    fresh key: a fresh key would silently make every record unreadable.
    """
    create = settings.create_secrets and store_is_new
    try:
        return Secrets(
            master_key=_master_key(settings, create),
            pepper=read_or_create(settings.pepper_file, PEPPER_BYTES, create=create),
            signing_seed=read_or_create(settings.signing_key_file, 32, create=create),
        )
    except SecretTooOpen:
        raise  # the fix is a chmod, not a restore nor a new key
    except SecretMissing as e:
        raise SecretMissing(
            f"{e}. This store already holds data, so the hub will not invent a new key: "
            "restore the key file from the key backup (docs/operations.md)."
            if not store_is_new
            else f"{e}. Set HUB_CREATE_SECRETS=true to create secrets for a new store."
        ) from e


@dataclass
class Store:
    """Everything persistent, opened once by the composition root."""

    records: Records
    db: Database
    keys: KeyStore
    pseudonyms: Pseudonymiser
    secrets: Secrets

    def close(self) -> None:
        self.records.close()


def _probe_is_new(env: dict[str, str]) -> bool:
    """Whether the database holds no key-store check yet (a brand-new store)."""
    probe = Records(env, master_key=bytes(KEY_BYTES))
    try:
        return not probe.keys.is_initialised()
    finally:
        probe.close()


_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def _private_database(database_url: str, *, create: bool) -> None:
    """A SQLite database file and its companions readable by this user alone (0600).

    Made empty with mode 0600 before anything opens it (`create`), so that neither the migration
    nor eventsourcing creates it under the umask; SQLite gives -wal and -shm the database file's
    mode. One that exists with looser modes (made before this check, or by `hub db migrate`) is
    tightened: it is this user's own file, and the data in it is sealed, not the secrets.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return
    database = Path(url.database)
    if create:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))  # never truncates
    for suffix in _SQLITE_COMPANIONS:
        tighten(database.with_name(database.name + suffix))


def _refuse_loose_secrets(settings: Settings) -> None:
    """Before the store is touched: no secret file that exists may be open to group or others."""
    files = [settings.pepper_file, settings.signing_key_file]
    if not settings.master_key:
        files.append(settings.master_key_file)
    for path in files:
        if path.exists():
            refuse_loose(path)


def open_store(settings: Settings, *, serving: bool = False) -> Store:
    """Open the store that `settings` names: migrated to the head revision first where this process
    may run DDL (HUB_CREATE_TABLES), else refused unless it is there already.

    A secret file that group or others may read or write stops it (`SecretTooOpen`); the SQLite
    database is made, or tightened to, 0600 in a directory made 0700."""
    _refuse_loose_secrets(settings)
    # A least-privilege role may run no DDL at all (infra/deploy/postgres-roles.sql).
    env = {**persistence_env(settings.database_url), "CREATE_TABLE": "yes" if settings.create_tables else "no"}
    bound = str(settings.database_timeout_seconds)
    if "POSTGRES_CONNECT_TIMEOUT" in env:  # how long a request waits for a connection before its 503
        env["POSTGRES_CONNECT_TIMEOUT"] = bound
        if serving:  # ... and for a statement; a CLI's long reads and loads are not bounded
            env[STATEMENT_TIMEOUT] = bound
    elif serving:  # how long a request waits for SQLite's write lock (a CLI's: 30 s, as before)
        env["SQLITE_LOCK_TIMEOUT"] = bound
    _private_database(settings.database_url, create=settings.create_tables)
    if settings.create_tables:
        with migrated(settings.database_url):  # eventsourcing's tables too, one process at a time
            store_is_new = _probe_is_new(env)
    else:
        require_head(settings.database_url)
        store_is_new = _probe_is_new(env)
    secrets = load_secrets(settings, store_is_new=store_is_new)
    records = Records(env, master_key=secrets.master_key)
    try:
        records.keys.check_master_key()
    except Exception:
        records.close()
        raise
    return Store(records, records.db, records.keys, Pseudonymiser(secrets.pepper), secrets)
