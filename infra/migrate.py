"""Schema versions: Alembic upgrades a store to the head revision; an API process checks it is there.

Migrations run on a connection of their own (SQLAlchemy, from `HUB_DATABASE_URL`), as the owner
role, before the API starts (`hub db migrate`); the API itself runs no DDL and only reads the
version table. The version table is `hub_alembic_version`, so the roles script covers it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from infra.schema import metadata

VERSION_TABLE = "hub_alembic_version"
_ONE_AT_A_TIME = threading.Lock()
SCHEMA_LOCK = "ketenhub schema"  # PostgreSQL: the advisory lock a migration holds, by hashtext
_SCRIPTS = Path(__file__).parent / "migrations"


class SchemaOutOfDate(Exception):
    """The store's schema is not at this release's head revision: `hub db migrate` first."""


def owns(table: str) -> bool:
    """Whether a table is the hub's own (declared in infra/schema.py) or its version table."""
    return table in metadata.tables or table == VERSION_TABLE


def include_name(name: str | None, kind: str, _parent: object) -> bool:
    """Alembic's filter: only the hub's own tables are compared, never eventsourcing's."""
    return kind != "table" or (name is not None and owns(name))


def _config(connection: Connection | None = None) -> Config:
    """A configuration of its own per run: Alembic hands the connection over in its attributes."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision this release knows."""
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None, "infra/migrations/versions holds no revision"
    return found


def _sqlalchemy_url(database_url: str) -> Any:
    url = make_url(database_url)
    return url.set(drivername="postgresql+psycopg") if url.get_backend_name() == "postgresql" else url


@contextmanager
def connect(database_url: str, *, write: bool = True) -> Iterator[Connection]:
    """A connection of its own for migrations. On SQLite, for writing, the driver's own transaction
    handling is off and every transaction begins IMMEDIATE, so DDL is transactional and a second
    migrating process waits for the first instead of failing (SQLAlchemy's pysqlite recipe); a
    reading connection takes no write lock."""
    url = _sqlalchemy_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    engine = create_engine(url, connect_args={"timeout": 30} if sqlite else {"connect_timeout": 10})
    if sqlite and write:
        event.listen(engine, "connect", lambda dbapi, _record: setattr(dbapi, "isolation_level", None))
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@contextmanager
def migrated(database_url: str) -> Iterator[None]:
    """Upgrade the store to the head revision (a new store: create every table; an older one:
    migrate) and hold the schema lock until the block ends, so that what the block creates too
    (eventsourcing's own tables, made by the first `Records`) is made by one process at a time.
    On SQLite the database's own locking serialises those CREATE TABLE IF NOT EXISTS."""
    # Alembic's `context` and `op` are module-wide proxies: one migration per process at a time.
    with _ONE_AT_A_TIME, connect(database_url) as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:  # a session lock: env.py's transaction lock on the same key is then its own
            connection.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": SCHEMA_LOCK})
            connection.commit()
        try:
            command.upgrade(_config(connection), "head")
            yield
        finally:
            if postgres:
                connection.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": SCHEMA_LOCK})
                connection.commit()


def upgrade(database_url: str) -> None:
    """Bring the store to the head revision."""
    with migrated(database_url):
        pass


def current(database_url: str) -> str | None:
    """The store's revision (None: a store made before versions were kept, or an empty one)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return None  # and no empty file left behind by asking
    with connect(database_url, write=False) as connection:
        try:
            return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
        except ProgrammingError as e:
            if "permission denied" not in str(e):
                raise
            raise SchemaOutOfDate(
                f"this role may not read {VERSION_TABLE}: run infra/deploy/postgres-roles.sql again "
                "after `hub db migrate` (docs/operations.md, Upgrades)"
            ) from None


def require_head(database_url: str) -> None:
    """For a process that may not migrate (HUB_CREATE_TABLES=false): refuse a store whose schema is
    not this release's, before anything reads it."""
    found = current(database_url)
    if found != head():
        raise SchemaOutOfDate(
            f"the store's schema is at revision {found or 'none'}, this release needs {head()}: "
            "run `hub db migrate` as the owner role first (docs/operations.md, Upgrades)"
        )
