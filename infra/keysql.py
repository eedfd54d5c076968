"""The key store's statements, each built once from infra/schema.py and compiled once per dialect."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, LargeBinary, Text, any_, delete, exists, func, insert, literal_column, select, update
from sqlalchemy import bindparam as p

from infra.db import INSERTS, Dialect, Params, Statement, padded
from infra.schema import data_keys as dk
from infra.schema import key_ids as ki
from infra.schema import meta, shredded
from infra.schema import purpose_keys as pk

# -- hub_meta: the master-key check and the wrapped keys of other stores -------------------
META_VALUE = Statement(select(meta.c.value).where(meta.c.name == p("name")))
META_INSERT = Statement(insert(meta))
META_SET = Statement(update(meta).where(meta.c.name == p("name")).values(value=p("new_value")))


def _meta_upsert(dialect: Dialect) -> Any:
    statement = INSERTS[dialect](meta)
    return statement.on_conflict_do_update(index_elements=[meta.c.name], set_={"value": statement.excluded.value})


META_UPSERT = Statement(_meta_upsert)

# -- purpose keys ------------------------------------------------------------------------
_OF_PURPOSE = pk.c.purpose == p("purpose")
NEWEST_KEK = Statement(select(pk.c.version, pk.c.wrapped).where(_OF_PURPOSE).order_by(pk.c.version.desc()).limit(1))
NEWEST_VERSION = Statement(select(func.max(pk.c.version)).where(_OF_PURPOSE))
WRAPPED_KEK = Statement(select(pk.c.wrapped).where(_OF_PURPOSE, pk.c.version == p("version")))
ALL_KEKS = Statement(select(pk.c.purpose, pk.c.version, pk.c.wrapped))
KEK_INSERT = Statement(lambda d: INSERTS[d](pk).on_conflict_do_nothing().returning(pk.c.version))
KEK_REWRAP = Statement(update(pk).where(_OF_PURPOSE, pk.c.version == p("version")).values(wrapped=p("new_wrapped")))
KEKS_DELETE = Statement(delete(pk).where(_OF_PURPOSE))
KEKS_OLDER_DELETE = Statement(delete(pk).where(_OF_PURPOSE, pk.c.version < p("version")))

# -- data keys ---------------------------------------------------------------------------
_PUPIL = (dk.c.subject == p("subject"), dk.c.purpose == p("purpose"))
_GONE = (dk.c.key_id, dk.c.purpose, dk.c.subject)
DATA_KEY = Statement(select(dk.c.key_id, dk.c.kek_version, dk.c.wrapped).where(*_PUPIL))
DATA_KEYS_OF_PURPOSE = Statement(
    select(dk.c.key_id, dk.c.subject, dk.c.kek_version, dk.c.wrapped).where(dk.c.purpose == p("purpose"))
)
DATA_KEY_REWRAP = Statement(update(dk).where(*_PUPIL).values(kek_version=p("version"), wrapped=p("new_wrapped")))
DELETE_PUPIL_KEY = Statement(delete(dk).where(*_PUPIL).returning(*_GONE))
DELETE_PURPOSE_KEYS = Statement(delete(dk).where(dk.c.purpose == p("purpose")).returning(*_GONE))
_READ_COLUMNS = (dk.c.purpose, dk.c.subject, dk.c.kek_version, dk.c.wrapped)
KEY_BY_ID_AND_PUPIL = Statement(select(*_READ_COLUMNS).where(dk.c.subject == p("subject"), dk.c.key_id == p("key_id")))
# The same with the purpose key it is wrapped under (NULL if that is missing): a read in one statement.
KEY_WITH_KEK = Statement(
    select(*_READ_COLUMNS, pk.c.wrapped)
    .select_from(dk.outerjoin(pk, (pk.c.purpose == dk.c.purpose) & (pk.c.version == dk.c.kek_version)))
    .where(dk.c.subject == p("subject"), dk.c.key_id == p("key_id"))
)
# Many keys with their purpose keys in one statement (the records of a page): the pupils narrow the
# search to the primary key, the ids pick the rows; a row is used only for the (pupil, key id) pair
# a header names. PostgreSQL takes the two lists as arrays (one statement, prepared once), SQLite as
# IN lists of a power-of-two length (a few statements compiled, not one per page size).
_KEYS_WITH_KEK = select(dk.c.key_id, *_READ_COLUMNS, pk.c.wrapped).select_from(
    dk.outerjoin(pk, (pk.c.purpose == dk.c.purpose) & (pk.c.version == dk.c.kek_version))
)
_KEYS_WITH_KEK_ANY = Statement(
    _KEYS_WITH_KEK.where(dk.c.subject == any_(p("subjects")), dk.c.key_id == any_(p("key_ids")))
)


@lru_cache(maxsize=16)
def _keys_with_kek_in(count: int) -> Statement:
    return Statement(
        _KEYS_WITH_KEK.where(
            dk.c.subject.in_([p(f"s{i}") for i in range(count)]),
            dk.c.key_id.in_([p(f"k{i}") for i in range(count)]),
        )
    )


def keys_with_kek(dialect: Dialect, subjects: list[str], key_ids: list[str]) -> tuple[Statement, Params]:
    """The statement and parameters reading these keys, each with its purpose key (NULL if that is
    missing), as rows (key id, purpose, subject, kek version, wrapped, purpose key wrapped)."""
    if dialect == "postgres":
        return _KEYS_WITH_KEK_ANY, {"subjects": subjects, "key_ids": key_ids}
    subjects, key_ids = padded(subjects), padded(key_ids)
    names = _live_names(len(key_ids))
    return _keys_with_kek_in(len(key_ids)), dict(zip(names, [*subjects, *key_ids], strict=True))


# Version 0x01 headers name the key id alone: its pupil is in hub_key_ids.
KEY_BY_LEGACY_ID = Statement(
    select(*_READ_COLUMNS)
    .select_from(
        ki.join(dk, (dk.c.subject == ki.c.subject) & (dk.c.purpose == ki.c.purpose) & (dk.c.key_id == ki.c.key_id))
    )
    .where(ki.c.key_id == p("key_id"))
)


def _insert_data_key(dialect: Dialect) -> Any:
    """A new pupil's key, inserted only if it was never shredded and only while the very purpose-key
    row it is wrapped under still exists (locked FOR SHARE on PostgreSQL until commit)."""
    key_id, purpose, version, wrapped = (
        p("key_id", type_=Text),
        p("purpose", type_=Text),
        p("version", type_=BigInteger),
        p("kek_wrapped", type_=LargeBinary),
    )
    purpose_key_row: Any = (
        select(literal_column("1"))
        .where(pk.c.purpose == purpose, pk.c.version == version, pk.c.wrapped == wrapped)
        .with_for_update(read=True)
    )
    row = select(
        key_id, purpose, p("subject", type_=Text), version, p("wrapped", type_=LargeBinary), p("created_at", type_=Text)
    ).where(~exists().where(shredded.c.key_id == key_id), exists(purpose_key_row))
    statement = (
        INSERTS[dialect](dk)
        .from_select(["key_id", "purpose", "subject", "kek_version", "wrapped", "created_at"], row)
        .on_conflict_do_nothing()
    )
    # PostgreSQL: a row count is unknown inside the pipeline until read (Tx.inserted_later).
    return statement.returning(literal_column("1")) if dialect == "postgres" else statement


DATA_KEY_INSERT = Statement(_insert_data_key)


@lru_cache(maxsize=128)
def live_keys(count: int) -> Statement:
    """Which of `count` (pupil, key id) pairs still have their key, locked against a shred until
    commit on PostgreSQL. Key ids are random and 128 bits: the pupils narrow the search to the
    primary key, the ids pick the rows (a row-value IN (VALUES ...) costs a third more on SQLite)."""
    return Statement(
        select(dk.c.key_id)
        .where(
            dk.c.subject.in_([p(f"s{i}") for i in range(count)]),
            dk.c.key_id.in_([p(f"k{i}") for i in range(count)]),
        )
        .with_for_update(read=True)
    )


# -- the shred list ----------------------------------------------------------------------
SHRED_INSERT = Statement(lambda d: INSERTS[d](shredded).on_conflict_do_nothing())
SHRED_OF = Statement(select(shredded.c.purpose, shredded.c.shredded_at).where(shredded.c.key_id == p("key_id")))
SHRED_LIST = Statement(
    select(shredded.c.key_id, shredded.c.purpose, shredded.c.shredded_at).order_by(shredded.c.shredded_at)
)


@lru_cache(maxsize=128)
def _live_names(count: int) -> tuple[str, ...]:
    return (*(f"s{i}" for i in range(count)), *(f"k{i}" for i in range(count)))


def live_key_params(subjects: list[str | None], key_ids: list[str]) -> dict[str, str | None]:
    """The parameters of `live_keys(len(key_ids))`."""
    return dict(zip(_live_names(len(key_ids)), [*subjects, *key_ids], strict=True))
