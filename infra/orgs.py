"""The registry of organisations and their Ed25519 public keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from domain.parties import Organisation, Role
from infra.db import Database

TABLES = (
    "CREATE TABLE IF NOT EXISTS hub_orgs ("
    " org_id TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL, code TEXT NOT NULL,"
    " gemeente TEXT, protocol TEXT, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS hub_org_keys ("
    " key_id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES hub_orgs (org_id),"
    " public_key BLOB NOT NULL, added_at TEXT NOT NULL, revoked_at TEXT)",
    # Which schools belong to which samenwerkingsverband: the SWV's monitoring covers exactly these.
    "CREATE TABLE IF NOT EXISTS hub_swv_schools ("
    " school_org TEXT PRIMARY KEY REFERENCES hub_orgs (org_id), swv_org TEXT NOT NULL REFERENCES hub_orgs (org_id))",
)


class RegistryError(Exception):
    """A registry change that cannot be made (duplicate, unknown organisation or key)."""


@dataclass(frozen=True)
class OrgKey:
    """A registered public key and its state."""

    key_id: str
    org_id: str
    public_key: bytes
    revoked_at: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _org(row: tuple) -> Organisation:
    return Organisation(org_id=row[0], role=Role(row[1]), name=row[2], code=row[3], gemeente=row[4], protocol=row[5])


class OrgRegistry:
    """Adds organisations and keys, looks keys up for signature checks, revokes keys."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, org: Organisation) -> None:
        with self._db.transaction() as tx:
            if tx.execute("SELECT 1 FROM hub_orgs WHERE org_id = ?", (org.org_id,)).one():
                raise RegistryError(f"organisation {org.org_id} is already registered")
            tx.execute(
                "INSERT INTO hub_orgs (org_id, role, name, code, gemeente, protocol, created_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (org.org_id, org.role.value, org.name, org.code, org.gemeente, org.protocol, _now()),
            )

    def add_key(self, org_id: str, key_id: str, public_key: bytes) -> None:
        if len(public_key) != 32:
            raise RegistryError("an Ed25519 public key is 32 bytes")
        with self._db.transaction() as tx:
            if not tx.execute("SELECT 1 FROM hub_orgs WHERE org_id = ?", (org_id,)).one():
                raise RegistryError(f"unknown organisation {org_id}")
            if tx.execute("SELECT 1 FROM hub_org_keys WHERE key_id = ?", (key_id,)).one():
                raise RegistryError(f"key id {key_id} is already in use")
            tx.execute(
                "INSERT INTO hub_org_keys (key_id, org_id, public_key, added_at) VALUES (?,?,?,?)",
                (key_id, org_id, public_key, _now()),
            )

    def join_swv(self, school_org: str, swv_org: str) -> None:
        """Place a school in an SWV (replacing an earlier one)."""
        school, swv = self.get(school_org), self.get(swv_org)
        if school is None or school.role is not Role.SCHOOL:
            raise RegistryError(f"{school_org} is not a registered school")
        if swv is None or swv.role is not Role.SWV:
            raise RegistryError(f"{swv_org} is not a registered SWV")
        with self._db.transaction() as tx:
            tx.execute("DELETE FROM hub_swv_schools WHERE school_org = ?", (school_org,))
            tx.execute("INSERT INTO hub_swv_schools (school_org, swv_org) VALUES (?, ?)", (school_org, swv_org))

    def schools_of_swv(self, swv_org: str) -> list[str]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(
                "SELECT school_org FROM hub_swv_schools WHERE swv_org = ? ORDER BY school_org", (swv_org,)
            ).all()
        return [str(r[0]) for r in rows]

    def set_protocol(self, org_id: str, protocol: str | None) -> None:
        with self._db.transaction() as tx:
            if not tx.execute("UPDATE hub_orgs SET protocol = ? WHERE org_id = ?", (protocol, org_id)).rowcount():
                raise RegistryError(f"unknown organisation {org_id}")

    def revoke_key(self, key_id: str) -> None:
        with self._db.transaction() as tx:
            if not tx.execute(
                "UPDATE hub_org_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (_now(), key_id),
            ).rowcount():
                raise RegistryError(f"no active key {key_id}")

    def signer(self, key_id: str) -> tuple[OrgKey, Organisation | None] | None:
        """The key and its organisation in one read: what every signed request looks up."""
        with self._db.transaction(write=False) as tx:
            row = tx.execute(
                "SELECT k.key_id, k.public_key, k.revoked_at, o.org_id, o.role, o.name, o.code, o.gemeente,"
                " o.protocol, k.org_id AS key_org FROM hub_org_keys k LEFT JOIN hub_orgs o ON o.org_id = k.org_id"
                " WHERE k.key_id = ?",
                (key_id,),
            ).one()
        if row is None:
            return None
        key = OrgKey(row[0], row[9], bytes(row[1]), row[2])
        return key, None if row[3] is None else _org(row[3:9])

    def get(self, org_id: str) -> Organisation | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(
                "SELECT org_id, role, name, code, gemeente, protocol FROM hub_orgs WHERE org_id = ?", (org_id,)
            ).one()
        return None if row is None else _org(row)

    def list(self) -> list[tuple[Organisation, list[OrgKey]]]:
        with self._db.transaction(write=False) as tx:
            orgs = [
                _org(r)
                for r in tx.execute(
                    "SELECT org_id, role, name, code, gemeente, protocol FROM hub_orgs ORDER BY org_id"
                ).all()
            ]
            keys = [
                OrgKey(r[0], r[1], bytes(r[2]), r[3])
                for r in tx.execute(
                    "SELECT key_id, org_id, public_key, revoked_at FROM hub_org_keys ORDER BY key_id"
                ).all()
            ]
        return [(o, [k for k in keys if k.org_id == o.org_id]) for o in orgs]
