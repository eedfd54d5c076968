"""The record directory's statements, each built once from infra/schema.py and compiled once per dialect."""

from __future__ import annotations

from sqlalchemy import Column, func, insert, literal_column, select, update
from sqlalchemy import bindparam as p

from infra.db import Statement
from infra.schema import directory as d

# PostgreSQL only (SQLite's write transactions hold the database's write lock from BEGIN): the
# sequence is taken under a table lock held to commit, so feeds never see a later row commit
# before an earlier one. No Core construct says it.
LOCK = "LOCK TABLE hub_directory IN EXCLUSIVE MODE"
NEXT_SEQ = Statement(select(func.coalesce(func.max(d.c.seq), literal_column("0")) + literal_column("1")))
ADD = Statement(insert(d))
TOUCHED = Statement(update(d).where(d.c.record_id == p("record_id")).values(changed_at=p("at")))

_ENTRY = (d.c.seq, d.c.record_id, d.c.kind, d.c.purpose, d.c.owner_org, d.c.subject, d.c.gemeente, d.c.receiver_org)
GET = Statement(select(*_ENTRY).where(d.c.record_id == p("record_id")))
OF_SUBJECT = Statement(select(*_ENTRY).where(d.c.subject == p("subject")).order_by(d.c.seq))


def _page(column: Column[str]) -> Statement:
    """A feed page: one kind's rows of one party after a sequence number (an index range scan)."""
    return Statement(
        select(*_ENTRY)
        .where(d.c.kind == p("kind"), column == p("value"), d.c.seq > p("after"))
        .order_by(d.c.seq)
        .limit(p("limit"))
    )


FEED = _page(d.c.gemeente)
RECEIVED = _page(d.c.receiver_org)
OWNED = _page(d.c.owner_org)
