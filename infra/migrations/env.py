"""Alembic's environment: runs the hub's migrations on the connection `infra.migrate` opens.

Only the hub's own tables are compared and migrated (never eventsourcing's `hub_events` and
`hub_snapshots`); the whole upgrade is one transaction, taken under a lock on both backends so
two processes migrating at once run it one after the other.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from infra.migrate import SCHEMA_LOCK, VERSION_TABLE, include_name
from infra.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_name=include_name,
    transactional_ddl=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":  # SQLite's transaction holds the write lock from BEGIN
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": SCHEMA_LOCK})
    context.run_migrations()
