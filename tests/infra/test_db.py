"""The database handle: transactions that need not wait for the disk, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hub.container import build_hub
from infra.db import Database, Tx
from tests.conftest import make_settings


@pytest.fixture
def db(database_url: str, tmp_path: Path) -> Iterator[Database]:
    if database_url.startswith("postgresql"):
        # The test cluster runs with synchronous_commit off; this database flushes as production does.
        with psycopg.connect(database_url, autocommit=True) as conn:
            name = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
    hub = build_hub(make_settings(database_url, tmp_path / "var"))
    with hub.store.db.transaction() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS t_db (k TEXT PRIMARY KEY)")
    yield hub.store.db
    hub.close()


def _durability(tx: Tx) -> str:
    """What the open transaction's commit will wait for: PostgreSQL's synchronous_commit, SQLite's synchronous."""
    sql = "SHOW synchronous_commit" if tx.dialect == "postgres" else "PRAGMA synchronous"
    row = tx.execute(sql).one()
    assert row is not None
    return str(row[0])


def test_a_non_durable_commit_is_committed(db: Database) -> None:
    with db.transaction(durable=False) as tx:
        tx.execute("INSERT INTO t_db (k) VALUES (?)", ("a",))
    with db.transaction(write=False) as tx:
        assert tx.execute("SELECT k FROM t_db").all() == [("a",)]


def test_only_the_non_durable_transaction_skips_the_flush(db: Database) -> None:
    with db.transaction() as tx:
        durable = _durability(tx)
    with db.transaction(durable=False) as tx:
        assert _durability(tx) in ("off", "1")  # PostgreSQL off; SQLite NORMAL
    # Every connection of the pool is back to flushing each commit afterwards.
    for _ in range(20):
        with db.transaction() as tx:
            assert _durability(tx) == durable
    assert durable in ("on", "2")  # PostgreSQL on; SQLite FULL


def test_a_failed_non_durable_transaction_rolls_back_and_restores_the_setting(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction(durable=False) as tx:
        tx.execute("INSERT INTO t_db (k) VALUES (?)", ("b",))
        raise RuntimeError("the request failed")
    with db.transaction() as tx:
        assert tx.execute("SELECT k FROM t_db").all() == []
        assert _durability(tx) in ("on", "2")


def test_a_checkpoint_folds_the_log_in_and_keeps_what_was_committed(db: Database, database_url: str) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO t_db (k) VALUES (?)", ("c",))
    wal = Path(f"{database_url.removeprefix('sqlite:///')}-wal")
    assert db.dialect == "postgres" or wal.stat().st_size > 0
    db.checkpoint()
    assert db.dialect == "postgres" or wal.stat().st_size == 0
    with db.transaction(write=False) as tx:
        assert tx.execute("SELECT k FROM t_db").all() == [("c",)]
