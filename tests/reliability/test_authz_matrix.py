"""Authorization matrix: every /v1 route × every role, the expected status of each cell.

Adding a route? Add a `Row` to ROWS (the test below fails until you do), and if its path
has a new parameter, a way to make a fresh value for it in PATH_VALUES. Each cell runs
on fresh records, so a cell that changes a record cannot decide the next cell's answer.

The roles (columns): the owning school (12AB00, which files every record), another school,
an SWV, leerplicht of the pupils' woongemeente (GM0479), leerplicht of another gemeente,
a jeugdteam of GM0479, an auditor, and a key the hub has never seen.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.parties import Role
from domain.periods import kwartaal_van
from hub.client import SignatureAuth
from tests.hub.helpers import consent_body, enrol, inschrijving_body, melding_body, new_bsn, overdracht_body
from tests.reliability.helpers import PROBLEM_JSON, api_routes

ROLES = ("school", "other_school", "swv", "leerplicht", "other_leerplicht", "jeugdteam", "auditor", "unknown")

# (role, code, gemeente) of each registered column; "unknown" signs with an unregistered key.
PARTIES: dict[str, tuple[Role, str, str | None]] = {
    "school": (Role.SCHOOL, "12AB00", None),
    "other_school": (Role.SCHOOL, "34CD01", None),
    "swv": (Role.SWV, "PO2801", None),
    "leerplicht": (Role.LEERPLICHT, "GM0479", "GM0479"),
    "other_leerplicht": (Role.LEERPLICHT, "GM0363", "GM0363"),
    "jeugdteam": (Role.JEUGDTEAM, "JT-zaanstad", "GM0479"),
    "auditor": (Role.AUDITOR, "AP-toezicht", None),
}


class World:
    """The registered parties of one test and fresh records made by the owning school."""

    def __init__(self, register: Callable[..., Any], app: Any) -> None:
        self.parties = {name: register(role, code, gemeente) for name, (role, code, gemeente) in PARTIES.items()}
        self.clients: dict[str, TestClient] = {name: p.client for name, p in self.parties.items()}
        unknown = TestClient(app, raise_server_exceptions=False)
        unknown.auth = SignatureAuth("school:99ZZ00#1", os.urandom(32))
        self.clients["unknown"] = unknown
        self._used: set[str] = set()

    def melding(self) -> str:
        r = self.clients["school"].post("/v1/verzuimmeldingen", json=melding_body())
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def overdracht(self) -> str:
        """A concept overdracht of the owning school to a school that is none of the columns."""
        r = self.clients["school"].post("/v1/overdrachten", json=overdracht_body("56EF00", send=False))
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def toestemming(self) -> str:
        r = self.clients["school"].post("/v1/toestemmingen", json=self.consent())
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def consent(self) -> dict[str, Any]:
        """A consent body for a pupil registered at the owning school (so that school may record it)."""
        bsn = self.bsn()
        enrol(self.clients["school"], bsn)
        return consent_body(bsn)

    def bsn(self) -> str:
        """A test BSN this world has not used: the test block holds about 900 valid numbers, so
        the few hundred calls of one run would otherwise meet a pupil enrolled (or with a case) before."""
        while (bsn := new_bsn()) in self._used:
            pass
        self._used.add(bsn)
        return bsn

    def inschrijving(self) -> str:
        return str(enrol(self.clients["school"], self.bsn())["id"])

    def casus_body(self) -> dict[str, Any]:
        """A thuiszittercasus body for a pupil registered at the owning school (in no SWV: it keeps the case)."""
        bsn = self.bsn()
        enrol(self.clients["school"], bsn)
        return {
            "leerling": {"bsn": bsn},
            "school": {"brin": "12AB", "vestiging": "00"},
            "woongemeente": "GM0479",
            "thuis_sinds": "2026-01-05",
            "reden": "wachtlijst_zorg",
        }

    def casus(self) -> str:
        r = self.clients["school"].post("/v1/thuiszittercasussen", json=self.casus_body())
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def close(self) -> None:
        self.clients["unknown"].close()


# Path parameter → a fresh value for it (owned by the owning school where it names a record).
PATH_VALUES: dict[str, Callable[[World], str]] = {
    "melding_id": World.melding,
    "overdracht_id": World.overdracht,
    "toestemming_id": World.toestemming,
    "inschrijving_id": World.inschrijving,
    "casus_id": World.casus,
    "gemeentecode": lambda w: "GM0479",
    "kwartaal": lambda w: kwartaal_van(date.today()),
}


@dataclass(frozen=True)
class Row:
    """One route and the status each role gets; `body` makes a valid body for the owner's request."""

    method: str
    path: str
    school: int
    other_school: int
    swv: int
    leerplicht: int
    other_leerplicht: int
    jeugdteam: int
    auditor: int
    unknown: int = 401
    body: Callable[[World], dict[str, Any]] | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def expected(self, role: str) -> int:
        return int(getattr(self, role))


ALL_BUT_SCHOOLS = {"swv": 403, "leerplicht": 403, "other_leerplicht": 403, "jeugdteam": 403, "auditor": 403}
ONLY_THE_OWNER = {"school": 200, "other_school": 404, **ALL_BUT_SCHOOLS}
CASE_PARTIES = {**ONLY_THE_OWNER, "swv": 404, "leerplicht": 200, "other_leerplicht": 404}

ROWS: list[Row] = [
    Row(
        "GET",
        "/v1/ik",
        school=200,
        other_school=200,
        swv=200,
        leerplicht=200,
        other_leerplicht=200,
        jeugdteam=200,
        auditor=200,
    ),
    # Another school pushing the owner's melding: the body names a school that is not the signer.
    Row("POST", "/v1/verzuimmeldingen", school=201, other_school=403, **ALL_BUT_SCHOOLS, body=lambda w: melding_body()),
    Row("GET", "/v1/verzuimmeldingen", school=200, other_school=200, **ALL_BUT_SCHOOLS),
    Row("GET", "/v1/verzuimmeldingen/{melding_id}", **ONLY_THE_OWNER),
    Row(
        "POST",
        "/v1/verzuimmeldingen/{melding_id}/correcties",
        **ONLY_THE_OWNER,
        body=lambda w: {"uren": 18, "reden": "telfout"},
    ),
    Row(
        "POST",
        "/v1/verzuimmeldingen/{melding_id}/intrekking",
        **ONLY_THE_OWNER,
        body=lambda w: {"reden": "verkeerde leerling"},
    ),
    Row(
        "POST",
        "/v1/verzuimmeldingen/{melding_id}/acties",
        school=403,
        other_school=403,
        swv=403,
        leerplicht=201,
        other_leerplicht=404,
        jeugdteam=403,
        auditor=403,
        body=lambda w: {"route": "halt", "toelichting": "HALT-afdoening"},
    ),
    # Published without a signature: anyone verifies a consent receipt.
    Row(
        "GET",
        "/v1/sleutels",
        school=200,
        other_school=200,
        swv=200,
        leerplicht=200,
        other_leerplicht=200,
        jeugdteam=200,
        auditor=200,
        unknown=200,
    ),
    Row(
        "POST",
        "/v1/overdrachten",
        school=201,
        other_school=403,
        **ALL_BUT_SCHOOLS,
        body=lambda w: overdracht_body("34CD01"),
    ),
    Row("GET", "/v1/overdrachten", school=200, other_school=200, **ALL_BUT_SCHOOLS),
    Row("GET", "/v1/overdrachten/{overdracht_id}", **ONLY_THE_OWNER),
    Row("POST", "/v1/overdrachten/{overdracht_id}/verzending", **ONLY_THE_OWNER),
    Row("POST", "/v1/overdrachten/{overdracht_id}/sluiting", **ONLY_THE_OWNER, body=lambda w: {"reden": "vervalt"}),
    # Only the named receiver confirms, and it is none of the columns (the sender gets 404 too).
    Row("POST", "/v1/overdrachten/{overdracht_id}/ontvangst", school=404, other_school=404, **ALL_BUT_SCHOOLS),
    # A school registers its own pupils; the body names the owning school, so another school is refused.
    Row(
        "POST",
        "/v1/inschrijvingen",
        school=201,
        other_school=403,
        **ALL_BUT_SCHOOLS,
        body=lambda w: inschrijving_body(w.bsn()),
    ),
    Row("GET", "/v1/inschrijvingen/{inschrijving_id}", **ONLY_THE_OWNER),
    Row("POST", "/v1/inschrijvingen/{inschrijving_id}/beeindiging", **ONLY_THE_OWNER),
    # The thuiszitter case (issue 17): the school of registration, the SWV of that school and
    # leerplicht of the woongemeente; the case's keeper (here the school: it is in no SWV) closes.
    Row(
        "POST",
        "/v1/thuiszittercasussen",
        school=201,
        other_school=403,
        **{**ALL_BUT_SCHOOLS, "leerplicht": 201},
        body=World.casus_body,
    ),
    Row(
        "GET",
        "/v1/thuiszittercasussen",
        school=200,
        other_school=200,
        swv=200,
        leerplicht=200,
        other_leerplicht=200,
        jeugdteam=403,
        auditor=403,
    ),
    Row("GET", "/v1/thuiszittercasussen/{casus_id}", **CASE_PARTIES),
    Row(
        "POST",
        "/v1/thuiszittercasussen/{casus_id}/logboek",
        **{**CASE_PARTIES, "school": 201, "leerplicht": 201},
        body=lambda w: {"datum": "2026-01-12", "actie": "mdo"},
    ),
    Row(
        "POST",
        "/v1/thuiszittercasussen/{casus_id}/regie",
        **CASE_PARTIES,
        body=lambda w: {"regisseurs": [{"rol": "jeugdteam"}], "reden": "zorg_voorliggend"},
    ),
    Row(
        "POST",
        "/v1/thuiszittercasussen/{casus_id}/sluiting",
        **{**CASE_PARTIES, "leerplicht": 403},
        body=lambda w: {"resultaat": "passend_aanbod", "notitie": "Plaats gevonden."},
    ),
    # Only a closed case reopens: the keeper's open one is a conflict.
    Row(
        "POST",
        "/v1/thuiszittercasussen/{casus_id}/heropening",
        **{**CASE_PARTIES, "school": 409, "leerplicht": 403},
        body=lambda w: {"thuis_sinds": "2026-02-02"},
    ),
    # A warme-overdracht consent is recorded by the pupil's school of registration alone: another
    # school is not involved, and no other role records this purpose's consent.
    Row(
        "POST",
        "/v1/toestemmingen",
        school=201,
        other_school=403,
        swv=403,
        leerplicht=403,
        other_leerplicht=403,
        jeugdteam=403,
        auditor=403,
        body=lambda w: w.consent(),
    ),
    Row(
        "GET",
        "/v1/toestemmingen/{toestemming_id}",
        school=200,
        other_school=404,
        swv=404,
        leerplicht=404,
        other_leerplicht=404,
        jeugdteam=404,
        auditor=404,
    ),
    Row(
        "POST",
        "/v1/toestemmingen/{toestemming_id}/intrekking",
        school=200,
        other_school=404,
        swv=404,
        leerplicht=404,
        other_leerplicht=404,
        jeugdteam=404,
        auditor=404,
        body=lambda w: {"reden": "ouders"},
    ),
    Row(
        "GET",
        "/v1/leerplicht/{gemeentecode}/meldingen",
        school=403,
        other_school=403,
        swv=403,
        leerplicht=200,
        other_leerplicht=403,
        jeugdteam=403,
        auditor=403,
    ),
    Row(
        "GET",
        "/v1/leerplicht/{gemeentecode}/meldingen/{melding_id}/casus",
        school=403,
        other_school=403,
        swv=403,
        leerplicht=200,
        other_leerplicht=403,
        jeugdteam=403,
        auditor=403,
    ),
    # The quarterly report counts only the SWV's own cases; every other role is refused.
    Row(
        "GET",
        "/v1/swv/kwartaalrapportages/{kwartaal}",
        school=403,
        other_school=403,
        swv=200,
        leerplicht=403,
        other_leerplicht=403,
        jeugdteam=403,
        auditor=403,
    ),
    Row(
        "GET",
        "/v1/swv/monitoring",
        school=403,
        other_school=403,
        swv=200,
        leerplicht=403,
        other_leerplicht=403,
        jeugdteam=403,
        auditor=403,
    ),
    # Without a consent receipt even the jeugdteam gets nothing (tests/hub/test_consent_and_pulls.py has the rest).
    # The access log: tree heads are published to every party; entries and signing are the auditor's alone.
    Row(
        "GET",
        "/v1/audit/boomkoppen",
        school=200,
        other_school=200,
        swv=200,
        leerplicht=200,
        other_leerplicht=200,
        jeugdteam=200,
        auditor=200,
    ),
    Row("POST", "/v1/audit/boomkoppen", school=403, other_school=403, **{**ALL_BUT_SCHOOLS, "auditor": 201}),
    Row("GET", "/v1/audit/log", school=403, other_school=403, **{**ALL_BUT_SCHOOLS, "auditor": 200}),
    # Proofs need their sizes in the query: without them every signed caller gets 422 before any role check.
    Row(
        "GET",
        "/v1/audit/bewijs/inclusie",
        school=422,
        other_school=422,
        swv=422,
        leerplicht=422,
        other_leerplicht=422,
        jeugdteam=422,
        auditor=422,
    ),
    Row(
        "GET",
        "/v1/audit/bewijs/consistentie",
        school=422,
        other_school=422,
        swv=422,
        leerplicht=422,
        other_leerplicht=422,
        jeugdteam=422,
        auditor=422,
    ),
    Row(
        "GET",
        "/v1/jeugdteam/signaal",
        school=403,
        other_school=403,
        swv=403,
        leerplicht=403,
        other_leerplicht=403,
        jeugdteam=403,
        auditor=403,
    ),
]


def row_for(method: str, path: str) -> Row | None:
    return next((r for r in ROWS if r.key == (method, path)), None)


def path_params(path: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(path) if name]


def test_every_route_has_a_row(app, figures) -> None:
    routes = api_routes(app)
    missing = [f"{m} {p}" for m, p in routes if row_for(m, p) is None]
    assert not missing, (
        "routes without a row in tests/reliability/test_authz_matrix.py ROWS (add one, with the "
        f"expected status for every role): {missing}"
    )
    stale = [f"{r.method} {r.path}" for r in ROWS if r.key not in set(routes)]
    assert not stale, f"rows for routes the app does not have (renamed or removed?): {stale}"
    unfillable = sorted({p for _, path in routes for p in path_params(path) if p not in PATH_VALUES})
    assert not unfillable, f"path parameters without an entry in PATH_VALUES: {unfillable}"
    assert len({r.key for r in ROWS}) == len(ROWS), "two rows for one route"
    figures.record("authz.rows", "rows in the matrix (routes)", len(ROWS))
    figures.record("authz.roles", "roles per row", len(ROLES))
    figures.record("authz.cells", "cells (route × role) checked per backend", len(ROWS) * len(ROLES))


def _call(world: World, row: Row, role: str) -> Any:
    values = {name: PATH_VALUES[name](world) for name in path_params(row.path)}
    url = row.path.format(**values)
    kwargs: dict[str, Any] = {}
    if row.body is not None:
        kwargs["json"] = row.body(world)
    elif row.method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return world.clients[role].request(row.method, url, **kwargs)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path}")
def test_matrix(world: World, row: Row) -> None:
    wrong: list[str] = []
    for role in ROLES:
        r = _call(world, row, role)
        want = row.expected(role)
        if r.status_code != want:
            wrong.append(f"{role}: expected {want}, got {r.status_code} {r.text[:160]}")
        elif r.status_code >= 400 and not r.headers.get("content-type", "").startswith(PROBLEM_JSON):
            wrong.append(f"{role}: {r.status_code} is not problem+json")
    assert not wrong, f"{row.method} {row.path}\n" + "\n".join(wrong)
