"""Helpers of the involvement attacks: the parties, and what the access log holds of a refusal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from audit.refusals import RECEIPT_KEY, REFUSAL_KEY
from domain.parties import Role
from hub.container import Hub

GM_HOME, GM_OTHER = "GM0479", "GM0363"
SCHOOL, RECEIVER, STRANGER = "12AB00", "34CD01", "56EF00"
SWV, OTHER_SWV = "SWV2801", "SWV2802"
JEUGDTEAM = "JT0479"
CASE_CATEGORIES = ["identiteit", "school", "casus", "signaal"]
JEUGD_CATEGORIES = ["identiteit", "school", "signaal", "verzuim", "schoolacties"]
PUPIL_NAME = "Noor Testkind"
PUPIL_TEXT = ("Ouders gebeld", "Leest traag", "Ouders gaan scheiden", "Aanwezigheid 94%", "2013-05-01")


@dataclass
class World:
    """The registered parties of an attack, each with its signed client."""

    hub: Hub
    parties: dict[str, Any]

    def client(self, name: str) -> Any:
        return self.parties[name].client

    def org(self, name: str) -> str:
        org_id: str = self.parties[name].org.org_id
        return org_id

    def pseudonym(self, bsn: str) -> str:
        return self.hub.persistence.pseudonym("bsn", bsn)

    def mark(self) -> int:
        """The access log's size now: what a request appends comes after it."""
        return self.hub.persistence.access_log.size()

    def entries(self, start: int) -> list[dict[str, Any]]:
        return [json.loads(e.body) for e in self.hub.persistence.access_log.entries(start)]

    def refusals(self, start: int) -> list[dict[str, Any]]:
        return [e for e in self.entries(start) if e["action"] == "refuse"]


def build_world(hub: Hub, register: Any) -> World:
    """Two schools of one SWV's member and a stranger school of another SWV, the two SWVs,
    leerplicht of the woongemeente and of another gemeente, a jeugdteam, an auditor."""
    parties = {
        "school": register(Role.SCHOOL, SCHOOL),
        "receiver": register(Role.SCHOOL, RECEIVER),
        "stranger": register(Role.SCHOOL, STRANGER),
        "swv": register(Role.SWV, SWV),
        "other_swv": register(Role.SWV, OTHER_SWV),
        "leerplicht": register(Role.LEERPLICHT, GM_HOME),
        "other_leerplicht": register(Role.LEERPLICHT, GM_OTHER),
        "jeugdteam": register(Role.JEUGDTEAM, JEUGDTEAM, gemeente=GM_HOME),
        "auditor": register(Role.AUDITOR, "ADT01"),
    }
    hub.orgs.join_swv(f"school:{SCHOOL}", f"swv:{SWV}")
    hub.orgs.join_swv(f"school:{STRANGER}", f"swv:{OTHER_SWV}")
    return World(hub, parties)


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    return body


def assert_no_leak(r: httpx.Response, bsn: str, *more: str) -> None:
    """Nothing of the pupil in the answer: no BSN, no name, no text the schools wrote."""
    for secret in (bsn, PUPIL_NAME, "Testkind", *PUPIL_TEXT, *more):
        assert secret not in r.text, f"{secret!r} leaked in {r.status_code}: {r.text}"


def assert_refused(
    world: World,
    start: int,
    r: httpx.Response,
    status: int,
    code: str,
    subject: str | None,
    bsn: str,
    *,
    receipt: str | None = None,
    org: str | None = None,
) -> dict[str, Any]:
    """`r` is the `status` problem, leaks nothing, and the log has exactly one refusal since
    `start`: with `code` (and the receipt gate's reason), naming the pupil `subject`."""
    assert_problem(r, status)
    assert_no_leak(r, bsn)
    refused = world.refusals(start)
    assert len(refused) == 1, refused
    entry = refused[0]
    assert entry["afweging"].get(REFUSAL_KEY) == code, entry
    if receipt is not None:
        assert entry["afweging"].get(RECEIPT_KEY) == receipt, entry
    assert entry["subject"] == subject, entry
    if org is not None:
        assert entry["org_id"] == org, entry
    assert bsn not in json.dumps(refused)
    return entry


def records_of(world: World, subject: str, kind: str) -> list[Any]:
    """The directory rows of a pupil of one kind (a consent, a melding, an overdracht)."""
    return [e for e in world.hub.persistence.of_subject(subject) if e.kind == kind]
