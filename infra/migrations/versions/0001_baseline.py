"""Baseline: the hub's tables as of 2026-12-03, and the adoption of stores made before versions were kept.

A new store gets every table. A store made by an earlier release (no version table yet) keeps
what it has and is brought to this layout: the key table of releases before 2026-11-29 (keyed
by key id, one key per (purpose, subject) by a unique index) is re-keyed by (pupil, purpose),
with every existing key id's pupil kept in hub_key_ids for the event headers that name the key
id alone (version 0x01); a directory made before `changed_at` existed gets the column; tables
added later are created. No key and no event changes. The definitions are frozen here, as a
migration must be: infra/schema.py moves on with later revisions.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _t(name: str, primary_key: bool = False, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text, primary_key=primary_key, nullable=nullable)


def _b(name: str) -> sa.Column[bytes]:
    return sa.Column(name, sa.LargeBinary, nullable=False)


def _n(name: str, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(name, _SEQ, primary_key=primary_key, nullable=False, autoincrement=False)


def _data_keys() -> tuple[str, list[sa.Column[Any]], dict[str, Any]]:
    return (
        "hub_data_keys",
        [_t("subject", True), _t("purpose", True), _t("key_id"), _n("kek_version"), _b("wrapped"), _t("created_at")],
        {"sqlite_with_rowid": False},
    )


def _key_ids() -> tuple[str, list[sa.Column[Any]], dict[str, Any]]:
    return "hub_key_ids", [_t("key_id", True), _t("subject"), _t("purpose")], {"sqlite_with_rowid": False}


def _tables() -> list[tuple[str, list[sa.Column[Any]], dict[str, Any]]]:
    """(name, columns, options) in creation order; fresh objects on every call."""
    return [
        ("hub_meta", [_t("name", True), _b("value")], {}),
        ("hub_purpose_keys", [_t("purpose", True), _n("version", True), _b("wrapped"), _t("created_at")], {}),
        _data_keys(),
        _key_ids(),
        ("hub_shredded", [_t("key_id", True), _t("purpose"), _t("subject"), _t("shredded_at"), _t("reason")], {}),
        (
            "hub_access_log",
            [_n("seq", True), _t("subject", nullable=True), _b("body"), _b("prev_hash"), _b("entry_hash")],
            {},
        ),
        ("hub_access_state", [_n("id", True), _n("size"), _b("last_hash"), _b("frontier")], {}),
        ("hub_tree_heads", [_n("size", True), _b("root"), _t("signed_at"), _t("key_id"), _b("signature")], {}),
        (
            "hub_directory",
            [
                _n("seq", True),
                sa.Column("record_id", sa.Text, nullable=False, unique=True),
                *(_t(c) for c in ("kind", "purpose", "owner_org", "subject")),
                *(_t(c, nullable=True) for c in ("gemeente", "receiver_org", "changed_at")),
            ],
            {},
        ),
        (
            "hub_idempotency",
            [
                _t("org_id", True),
                _t("idem_key", True),
                _t("request_hash"),
                _n("status"),
                _b("response"),
                _t("created_at"),
            ],
            {},
        ),
        ("hub_nonces", [_t("key_id", True), _t("nonce", True), _n("seen_at")], {}),
        (
            "hub_orgs",
            [
                _t("org_id", True),
                *(_t(c) for c in ("role", "name", "code")),
                _t("gemeente", nullable=True),
                _t("protocol", nullable=True),
                _t("created_at"),
            ],
            {},
        ),
        (
            "hub_org_keys",
            [
                _t("key_id", True),
                sa.Column("org_id", sa.Text, sa.ForeignKey("hub_orgs.org_id"), nullable=False),
                _b("public_key"),
                _t("added_at"),
                _t("revoked_at", nullable=True),
            ],
            {},
        ),
        (
            "hub_swv_schools",
            [
                sa.Column("school_org", sa.Text, sa.ForeignKey("hub_orgs.org_id"), primary_key=True),
                sa.Column("swv_org", sa.Text, sa.ForeignKey("hub_orgs.org_id"), nullable=False),
            ],
            {},
        ),
    ]


_INDEXES = {
    "hub_access_log": [("hub_access_log_subject", ["subject"])],
    "hub_directory": [
        ("hub_directory_feed", ["kind", "gemeente", "seq"]),
        ("hub_directory_owner", ["kind", "owner_org", "seq"]),
        ("hub_directory_receiver", ["kind", "receiver_org", "seq"]),
        ("hub_directory_subject", ["subject"]),
    ],
}


def _create(name: str, columns: list[sa.Column[Any]], options: dict[str, Any]) -> None:
    op.create_table(name, *columns, **options)
    for index, on in _INDEXES.get(name, []):
        op.create_index(index, name, on)


def _rekey_first_layout() -> None:
    """The key table of releases before 2026-11-29, re-keyed by (pupil, purpose) in place."""
    op.rename_table("hub_data_keys", "hub_data_keys_v1")
    if op.get_bind().dialect.name == "postgresql":  # so the new key gets the name a new store's has
        op.execute("ALTER INDEX IF EXISTS hub_data_keys_pkey RENAME TO hub_data_keys_v1_pkey")
    _create(*_data_keys())
    _create(*_key_ids())
    columns = "subject, purpose, key_id, kek_version, wrapped, created_at"
    op.execute(f"INSERT INTO hub_data_keys ({columns}) SELECT {columns} FROM hub_data_keys_v1")
    op.execute(
        "INSERT INTO hub_key_ids (key_id, subject, purpose) SELECT key_id, subject, purpose FROM hub_data_keys_v1"
    )
    op.drop_table("hub_data_keys_v1")


def _add_changed_at() -> None:
    """`changed_at` (retention counts from it) for a directory made before it existed. The true last
    change of older rows is unknown: counting from now never erases early."""
    op.add_column("hub_directory", sa.Column("changed_at", sa.Text, nullable=True))
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    op.execute(sa.text("UPDATE hub_directory SET changed_at = :now WHERE changed_at IS NULL").bindparams(now=now))


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    if "hub_data_keys" in existing and "hub_key_ids" not in existing:
        _rekey_first_layout()
        existing |= {"hub_key_ids"}
    if "hub_directory" in existing and "changed_at" not in {c["name"] for c in inspector.get_columns("hub_directory")}:
        _add_changed_at()
    for name, columns, options in _tables():
        if name not in existing:
            _create(name, columns, options)


def downgrade() -> None:
    raise NotImplementedError("the hub migrates forward only: restore a backup to go back")
