"""The organisation registry's statements, each built once from infra/schema.py and compiled once per dialect."""

from __future__ import annotations

from sqlalchemy import Integer, delete, insert, literal_column, select, update
from sqlalchemy import bindparam as p

from infra.db import Statement
from infra.schema import org_keys, orgs, swv_schools

_ORG = (orgs.c.org_id, orgs.c.role, orgs.c.name, orgs.c.code, orgs.c.gemeente, orgs.c.protocol)
_ONE = literal_column("1", Integer)

# -- organisations -----------------------------------------------------------------------
ORG_EXISTS = Statement(select(_ONE).where(orgs.c.org_id == p("org_id")))
ORG_INSERT = Statement(insert(orgs))
ORG = Statement(select(*_ORG).where(orgs.c.org_id == p("org_id")))
ORGS = Statement(select(*_ORG).order_by(orgs.c.org_id))
SET_PROTOCOL = Statement(update(orgs).where(orgs.c.org_id == p("org_id")).values(protocol=p("new_protocol")))

# -- keys --------------------------------------------------------------------------------
KEY_EXISTS = Statement(select(_ONE).where(org_keys.c.key_id == p("key_id")))
KEY_INSERT = Statement(insert(org_keys))
KEYS = Statement(
    select(org_keys.c.key_id, org_keys.c.org_id, org_keys.c.public_key, org_keys.c.revoked_at).order_by(
        org_keys.c.key_id
    )
)
REVOKE_KEY = Statement(
    update(org_keys).where(org_keys.c.key_id == p("key_id"), org_keys.c.revoked_at.is_(None)).values(revoked_at=p("at"))
)
_k, _o = org_keys.alias("k"), orgs.alias("o")
# The key and its organisation in one read: what every signed request looks up. The key's own
# org_id is labelled, as PostgreSQL rows come back keyed by column name.
SIGNER = Statement(
    select(
        _k.c.key_id,
        _k.c.public_key,
        _k.c.revoked_at,
        *(_o.c[c.name] for c in _ORG),
        _k.c.org_id.label("key_org"),
    )
    .select_from(_k.outerjoin(_o, _o.c.org_id == _k.c.org_id))
    .where(_k.c.key_id == p("key_id"))
)

# -- which schools belong to which samenwerkingsverband ----------------------------------
SWV_LEAVE = Statement(delete(swv_schools).where(swv_schools.c.school_org == p("school_org")))
SWV_JOIN = Statement(insert(swv_schools))
SCHOOLS_OF_SWV = Statement(
    select(swv_schools.c.school_org).where(swv_schools.c.swv_org == p("swv_org")).order_by(swv_schools.c.school_org)
)
SWV_MEMBERS = Statement(select(swv_schools.c.school_org, swv_schools.c.swv_org).order_by(swv_schools.c.school_org))
SWV_OF_SCHOOL = Statement(select(swv_schools.c.swv_org).where(swv_schools.c.school_org == p("school_org")))
