"""Every table the hub owns, declared once (SQLAlchemy Core); eventsourcing's own tables are not here.

The migrations in infra/migrations/ bring a store to this layout, and a test compares the two.
Timestamps are ISO 8601 text (they sort as text on both backends). `Seq` is SQLite's INTEGER
on SQLite, so a `seq` primary key is the table's rowid there, and BIGINT on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, MetaData, Table, Text

metadata = MetaData()

Seq = BigInteger().with_variant(Integer(), "sqlite")


def _text(name: str, *, primary_key: bool = False, nullable: bool = False, unique: bool = False) -> Column[str]:
    return Column(name, Text, primary_key=primary_key, nullable=nullable, unique=unique or None)


def _bytes(name: str) -> Column[bytes]:
    return Column(name, LargeBinary, nullable=False)


# -- keys (infra/keystore.py) ------------------------------------------------------------
meta = Table("hub_meta", metadata, _text("name", primary_key=True), _bytes("value"))

purpose_keys = Table(
    "hub_purpose_keys",
    metadata,
    _text("purpose", primary_key=True),
    Column("version", Seq, primary_key=True),
    _bytes("wrapped"),
    _text("created_at"),
)

# One B-tree keyed by (pupil, purpose): the primary key is the "one key per pupil and purpose"
# rule, and events find their key by the pupil their header names.
data_keys = Table(
    "hub_data_keys",
    metadata,
    _text("subject", primary_key=True),
    _text("purpose", primary_key=True),
    _text("key_id"),
    Column("kek_version", Seq, nullable=False),
    _bytes("wrapped"),
    _text("created_at"),
    sqlite_with_rowid=False,
)

# The pupils of the key ids that version 0x01 event headers name alone (stores made before 2026-11-29).
key_ids = Table(
    "hub_key_ids",
    metadata,
    _text("key_id", primary_key=True),
    _text("subject"),
    _text("purpose"),
    sqlite_with_rowid=False,
)

shredded = Table(
    "hub_shredded",
    metadata,
    _text("key_id", primary_key=True),
    _text("purpose"),
    _text("subject"),
    _text("shredded_at"),
    _text("reason"),
)

# -- the access log (infra/accesslog.py) ------------------------------------------------
access_log = Table(
    "hub_access_log",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=False),
    _text("subject", nullable=True),
    _bytes("body"),
    _bytes("prev_hash"),
    _bytes("entry_hash"),
    Index("hub_access_log_subject", "subject"),
)

access_state = Table(
    "hub_access_state",
    metadata,
    Column("id", Seq, primary_key=True, autoincrement=False),
    Column("size", Seq, nullable=False),
    _bytes("last_hash"),
    _bytes("frontier"),
)

tree_heads = Table(
    "hub_tree_heads",
    metadata,
    Column("size", Seq, primary_key=True, autoincrement=False),
    _bytes("root"),
    _text("signed_at"),
    _text("key_id"),
    _bytes("signature"),
)

# -- the record directory (infra/directory.py) ------------------------------------------
directory = Table(
    "hub_directory",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=False),
    _text("record_id", unique=True),
    _text("kind"),
    _text("purpose"),
    _text("owner_org"),
    _text("subject"),
    _text("gemeente", nullable=True),
    _text("receiver_org", nullable=True),
    _text("changed_at", nullable=True),
    Index("hub_directory_feed", "kind", "gemeente", "seq"),
    Index("hub_directory_owner", "kind", "owner_org", "seq"),
    Index("hub_directory_receiver", "kind", "receiver_org", "seq"),
    Index("hub_directory_subject", "subject"),
)

# -- requests (infra/idempotency.py, infra/nonces.py) ------------------------------------
idempotency = Table(
    "hub_idempotency",
    metadata,
    _text("org_id", primary_key=True),
    _text("idem_key", primary_key=True),
    _text("request_hash"),
    Column("status", Seq, nullable=False),
    _bytes("response"),
    _text("created_at"),
    # Whose answer it is (the pupil's pseudonym) and under which purpose: a shred of that key
    # leaves a tombstone (infra/idempotency.py); by purpose first, so a purpose shred uses it too.
    _text("subject"),
    _text("purpose"),
    Index("hub_idempotency_pupil", "purpose", "subject"),
)

nonces = Table(
    "hub_nonces",
    metadata,
    _text("key_id", primary_key=True),
    _text("nonce", primary_key=True),
    Column("seen_at", Seq, nullable=False),
)

# -- parties (infra/orgs.py) -------------------------------------------------------------
orgs = Table(
    "hub_orgs",
    metadata,
    _text("org_id", primary_key=True),
    _text("role"),
    _text("name"),
    _text("code"),
    _text("gemeente", nullable=True),
    _text("protocol", nullable=True),
    _text("created_at"),
)

org_keys = Table(
    "hub_org_keys",
    metadata,
    _text("key_id", primary_key=True),
    Column("org_id", Text, ForeignKey("hub_orgs.org_id"), nullable=False),
    _bytes("public_key"),
    _text("added_at"),
    _text("revoked_at", nullable=True),
)

# Who is involved with which pupil (infra/involvement.py): by pseudonym and organisation id, never
# a name or a number, and with history (`until` set, never a row deleted), so a replay decides as
# the register stood at the moment of an entry.
involvement = Table(
    "hub_involvement",
    metadata,
    _text("id", primary_key=True),
    _text("subject"),
    _text("org_id"),
    _text("relation"),
    _text("source"),
    _text("record_id", nullable=True),
    _text("since"),
    _text("until", nullable=True),
    Index("hub_involvement_subject", "subject", "org_id"),
)

# Which schools belong to which samenwerkingsverband: the SWV's monitoring covers exactly these.
swv_schools = Table(
    "hub_swv_schools",
    metadata,
    Column("school_org", Text, ForeignKey("hub_orgs.org_id"), primary_key=True),
    Column("swv_org", Text, ForeignKey("hub_orgs.org_id"), nullable=False),
)
