"""Idempotency answers name their pupil and purpose; the rows with an unkeyed request hash go.

Each answer now carries the pupil's pseudonym and the purpose of the push it answers, indexed,
so that a shred of that key leaves a tombstone in the same transaction (infra/idempotency.py).

The rows stored before hold a plain SHA-256 of the whole request (BSN, name, date of birth:
the BSN falls to a brute force given the rest) and name no pupil, so no shred could ever reach
them. They are retry aids only, for minutes after a push, so they are deleted rather than kept
as non-matching (kept, they would still be the leak): what is lost is a retry across the
upgrade, which files its push again. The new columns are NOT NULL: an API process of the
release before, still running between `hub db migrate` and its restart, fails an idempotent
push whole (nothing stored, the client retries) instead of writing an unkeyed row again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TABLE = "hub_idempotency"


def upgrade() -> None:
    bind = op.get_bind()
    if "subject" in {c["name"] for c in sa.inspect(bind).get_columns(_TABLE)}:
        return  # already laid out so (a store the baseline adopted as it found it)
    op.execute(f"DELETE FROM {_TABLE}")
    # SQLite adds a NOT NULL column only with a default: the table is copied anew there (it is empty).
    with op.batch_alter_table(_TABLE, recreate="always" if bind.dialect.name == "sqlite" else "auto") as batch:
        batch.add_column(sa.Column("subject", sa.Text, nullable=False))
        batch.add_column(sa.Column("purpose", sa.Text, nullable=False))
    op.create_index("hub_idempotency_pupil", _TABLE, ["purpose", "subject"])


def downgrade() -> None:
    raise NotImplementedError("the hub migrates forward only: restore a backup to go back")
