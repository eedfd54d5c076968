"""The involvement register's statements, built once from infra/schema.py and compiled once per dialect."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Text, cast, exists, insert, select, update
from sqlalchemy import bindparam as p

from infra.db import Statement
from infra.schema import involvement as i
from infra.schema import swv_schools as s

_OPEN = (i.c.subject == p("subject"), i.c.org_id == p("org_id"), i.c.relation == p("relation"), i.c.until.is_(None))
_NEW = ("id", "subject", "org_id", "relation", "source", "record_id", "since")
# A new involvement unless one is open already, in one statement (one round trip in a push's
# transaction); the casts type the parameters PostgreSQL sees in a select list.
START = Statement(
    insert(i).from_select(
        list(_NEW),
        select(*(cast(p(name), Text) for name in _NEW)).where(~exists(select(i.c.id).where(*_OPEN))),
    )
)
END_ID = Statement(update(i).where(i.c.id == p("id"), i.c.until.is_(None)).values(until=p("at")))

_ROW = (i.c.id, i.c.subject, i.c.org_id, i.c.relation, i.c.source, i.c.since, i.c.until, i.c.record_id)


@lru_cache(maxsize=64)
def of_subjects(count: int) -> Statement:
    """The rows of `count` pupils (parameters s0..s{count-1}), each with the SWV of its school
    (none for other parties): one index scan per pupil, in one query for a whole feed page."""
    return Statement(
        select(*_ROW, s.c.swv_org)
        .select_from(i.outerjoin(s, s.c.school_org == i.c.org_id))
        .where(i.c.subject.in_([p(f"s{n}") for n in range(count)]))
        .order_by(i.c.since, i.c.id)
    )


GET = Statement(select(*_ROW).where(i.c.id == p("id")))
