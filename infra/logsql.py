"""The access log's statements, each built once from infra/schema.py and compiled once per dialect."""

from __future__ import annotations

from sqlalchemy import bindparam as p
from sqlalchemy import insert, literal_column, select, update

from infra.db import INSERTS, Statement
from infra.schema import access_log as log
from infra.schema import access_state as state
from infra.schema import tree_heads as heads

# -- the state row: size, last entry hash, packed compact range ------------------------
_THE_ROW = state.c.id == literal_column("1")
# Appends are serialised by this row: locked FOR UPDATE on PostgreSQL (SQLite renders no lock;
# its write transactions hold the database's write lock from BEGIN).
STATE = Statement(select(state.c.size, state.c.last_hash, state.c.frontier).where(_THE_ROW).with_for_update())
STATE_INIT = Statement(lambda d: INSERTS[d](state).on_conflict_do_nothing(index_elements=[state.c.id]))
STATE_SET = Statement(
    update(state).where(_THE_ROW).values(size=p("new_size"), last_hash=p("new_last_hash"), frontier=p("new_frontier"))
)
SIZE = Statement(select(state.c.size).where(_THE_ROW))

# -- entries ---------------------------------------------------------------------------
# Every column of a row, so that verify checks each one that inzage or export reads.
_ENTRY = (log.c.seq, log.c.body, log.c.prev_hash, log.c.entry_hash, log.c.subject)
APPEND = Statement(insert(log))
ENTRIES_FROM = Statement(select(*_ENTRY).where(log.c.seq >= p("start")).order_by(log.c.seq).limit(p("limit")))
ENTRY_HASHES = Statement(
    select(log.c.entry_hash).where(log.c.seq >= p("start"), log.c.seq < p("stop")).order_by(log.c.seq)
)
ENTRY = Statement(select(*_ENTRY).where(log.c.seq == p("seq")))
ENTRIES_OF = Statement(select(*_ENTRY).where(log.c.subject == p("subject")).order_by(log.c.seq))

# -- signed tree heads -----------------------------------------------------------------
_HEAD = (heads.c.size, heads.c.root, heads.c.signed_at, heads.c.key_id, heads.c.signature)
HEAD = Statement(select(*_HEAD).where(heads.c.size == p("size")))
HEAD_INSERT = Statement(insert(heads))
HEADS = Statement(select(*_HEAD).order_by(heads.c.size))
LATEST_HEAD = Statement(select(*_HEAD).order_by(heads.c.size.desc()).limit(1))
