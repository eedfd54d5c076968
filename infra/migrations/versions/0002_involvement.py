"""The involvement register (betrokkenheid): who is involved with which pupil, with history.

Existing records are adopted: the school that pushed a verzuimmelding or sent an overdracht is
its school of registration, and leerplicht of the melding's woongemeente is involved, both since
before the register existed (`since` = the epoch, source `overgenomen`), so a replay of earlier
entries finds them involved. The directory holds exactly these facts, without personal data.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_EPOCH = "1970-01-01T00:00:00.000Z"


def _t(name: str, primary_key: bool = False, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text, primary_key=primary_key, nullable=nullable)


def _adopt(select_rows: str) -> None:
    rows = op.get_bind().execute(sa.text(select_rows)).all()
    columns = ("id", "subject", "org_id", "relation", "source", "record_id", "since")
    table = sa.table("hub_involvement", *(sa.column(c) for c in columns))
    seen: set[tuple[str, str, str]] = set()
    values = []
    for subject, org_id, relation, record_id in rows:
        if (subject, org_id, relation) in seen:
            continue
        seen.add((subject, org_id, relation))
        values.append(
            {
                "id": _id(subject, org_id, relation),
                "subject": subject,
                "org_id": org_id,
                "relation": relation,
                "source": "overgenomen",
                "record_id": record_id,
                "since": _EPOCH,
            }
        )
    if values:
        op.bulk_insert(table, values)


def _id(*parts: str) -> str:
    """A stable id for an adopted row (random ids for new ones): re-running finds the same."""
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


def upgrade() -> None:
    op.create_table(
        "hub_involvement",
        _t("id", True),
        _t("subject"),
        _t("org_id"),
        _t("relation"),
        _t("source"),
        _t("record_id", nullable=True),
        _t("since"),
        _t("until", nullable=True),
    )
    op.create_index("hub_involvement_subject", "hub_involvement", ["subject", "org_id"])
    _adopt(
        "SELECT subject, owner_org, 'school_van_inschrijving', record_id FROM hub_directory"
        " WHERE kind IN ('verzuimmelding', 'overdracht') ORDER BY seq"
    )
    _adopt(
        "SELECT subject, 'leerplicht:' || gemeente, 'leerplicht', record_id FROM hub_directory"
        " WHERE kind = 'verzuimmelding' AND gemeente IS NOT NULL ORDER BY seq"
    )


def downgrade() -> None:
    raise NotImplementedError("the hub migrates forward only: restore a backup to go back")
