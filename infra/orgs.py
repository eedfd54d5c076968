"""The registry of organisations and their Ed25519 public keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.parties import Organisation, Role
from infra import orgsql as sql
from infra.db import Database


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


def _org(row: tuple[Any, ...]) -> Organisation:
    return Organisation(org_id=row[0], role=Role(row[1]), name=row[2], code=row[3], gemeente=row[4], protocol=row[5])


class OrgRegistry:
    """Adds organisations and keys, looks keys up for signature checks, revokes keys."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, org: Organisation) -> None:
        with self._db.transaction() as tx:
            if tx.execute(sql.ORG_EXISTS, {"org_id": org.org_id}).one():
                raise RegistryError(f"organisation {org.org_id} is already registered")
            tx.execute(
                sql.ORG_INSERT,
                {
                    "org_id": org.org_id,
                    "role": org.role.value,
                    "name": org.name,
                    "code": org.code,
                    "gemeente": org.gemeente,
                    "protocol": org.protocol,
                    "created_at": _now(),
                },
            )

    def add_key(self, org_id: str, key_id: str, public_key: bytes) -> None:
        if len(public_key) != 32:
            raise RegistryError("an Ed25519 public key is 32 bytes")
        with self._db.transaction() as tx:
            if not tx.execute(sql.ORG_EXISTS, {"org_id": org_id}).one():
                raise RegistryError(f"unknown organisation {org_id}")
            if tx.execute(sql.KEY_EXISTS, {"key_id": key_id}).one():
                raise RegistryError(f"key id {key_id} is already in use")
            tx.execute(
                sql.KEY_INSERT,
                {"key_id": key_id, "org_id": org_id, "public_key": public_key, "added_at": _now(), "revoked_at": None},
            )

    def join_swv(self, school_org: str, swv_org: str) -> None:
        """Place a school in an SWV (replacing an earlier one)."""
        school, swv = self.get(school_org), self.get(swv_org)
        if school is None or school.role is not Role.SCHOOL:
            raise RegistryError(f"{school_org} is not a registered school")
        if swv is None or swv.role is not Role.SWV:
            raise RegistryError(f"{swv_org} is not a registered SWV")
        with self._db.transaction() as tx:
            tx.execute(sql.SWV_LEAVE, {"school_org": school_org})
            tx.execute(sql.SWV_JOIN, {"school_org": school_org, "swv_org": swv_org})

    def leave_swv(self, school_org: str) -> str:
        """Take a school out of its SWV; returns the SWV it left."""
        swv = self.swv_of().get(school_org)
        if swv is None:
            raise RegistryError(f"{school_org} is in no SWV")
        with self._db.transaction() as tx:
            tx.execute(sql.SWV_LEAVE, {"school_org": school_org})
        return swv

    def swv_of_school(self, school_org: str) -> str | None:
        """The SWV the school is in, if any."""
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.SWV_OF_SCHOOL, {"school_org": school_org}).one()
        return None if row is None else str(row[0])

    def swv_of(self) -> dict[str, str]:
        """Every school in an SWV, with its SWV."""
        with self._db.transaction(write=False) as tx:
            return {str(r[0]): str(r[1]) for r in tx.execute(sql.SWV_MEMBERS, {}).all()}

    def schools_of_swv(self, swv_org: str) -> list[str]:
        with self._db.transaction(write=False) as tx:
            rows = tx.execute(sql.SCHOOLS_OF_SWV, {"swv_org": swv_org}).all()
        return [str(r[0]) for r in rows]

    def set_protocol(self, org_id: str, protocol: str | None) -> None:
        with self._db.transaction() as tx:
            if not tx.execute(sql.SET_PROTOCOL, {"org_id": org_id, "new_protocol": protocol}).rowcount():
                raise RegistryError(f"unknown organisation {org_id}")

    def revoke_key(self, key_id: str) -> None:
        with self._db.transaction() as tx:
            if not tx.execute(sql.REVOKE_KEY, {"key_id": key_id, "at": _now()}).rowcount():
                raise RegistryError(f"no active key {key_id}")

    def signer(self, key_id: str) -> tuple[OrgKey, Organisation | None] | None:
        """The key and its organisation in one read: what every signed request looks up."""
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.SIGNER, {"key_id": key_id}).one()
        if row is None:
            return None
        key = OrgKey(row[0], row[9], bytes(row[1]), row[2])
        return key, None if row[3] is None else _org(row[3:9])

    def get(self, org_id: str) -> Organisation | None:
        with self._db.transaction(write=False) as tx:
            row = tx.execute(sql.ORG, {"org_id": org_id}).one()
        return None if row is None else _org(row)

    def list(self) -> list[tuple[Organisation, list[OrgKey]]]:
        with self._db.transaction(write=False) as tx:
            orgs = [_org(r) for r in tx.execute(sql.ORGS, {}).all()]
            keys = [OrgKey(r[0], r[1], bytes(r[2]), r[3]) for r in tx.execute(sql.KEYS, {}).all()]
        return [(o, [k for k in keys if k.org_id == o.org_id]) for o in orgs]
