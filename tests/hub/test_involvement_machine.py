"""Stateful test of involvement over signed HTTP (SQLite): who may record a consent, and what a pull releases.

Any order of: inschrijving start and end, melding push, overdracht push and its receipt, a
school moved into another SWV, consents recorded and withdrawn by any party, and the pulls of
the jeugdteam (signal), leerplicht (thuiszitter case) and the receiving school (overdracht),
with and without receipts. A small model says who is involved with each pupil; after every
step the hub must have recorded a consent exactly when the model lets the party record it,
released the pupil's name and the schools' texts only where the model allows, and logged
every 403/404/410 as exactly one refusal entry with its closed code.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from nacl.signing import SigningKey

from audit.refusals import REFUSAL_KEY, Refused
from domain.catalogue import PURPOSES
from domain.parties import Organisation, Role, organisation_id
from hub.app import create_app
from hub.client import SignatureAuth
from hub.container import build_hub
from tests.conftest import make_settings
from tests.hub.attack_helpers import CASE_CATEGORIES, JEUGD_CATEGORIES, PUPIL_NAME
from tests.hub.helpers import consent_body, inschrijving_body, melding_body, new_bsn, overdracht_body

RECEIPT_HEADER = "Ketenhub-Toestemmingsbewijs"
HOME, AWAY = "GM0479", "GM0363"
SCHOOLS = ("12AB00", "34CD01", "56EF00")
SWVS = ("SWV2801", "SWV2802")
PARTIES: tuple[tuple[Role, str, str | None], ...] = (
    *((Role.SCHOOL, code, None) for code in SCHOOLS),
    *((Role.SWV, code, None) for code in SWVS),
    (Role.LEERPLICHT, HOME, None),
    (Role.LEERPLICHT, AWAY, None),
    (Role.JEUGDTEAM, "JT0479", HOME),
)
ORGS = tuple(organisation_id(role, code) for role, code, _ in PARTIES)
PUPILS = 2  # pupil 0 lives in HOME (the jeugdteam's gemeente), pupil 1 in AWAY
WOONGEMEENTE = (HOME, AWAY)
WARM_TEXT = "Leest traag"  # the warm item "leren" of overdracht_body
TOELICHTING = "Ouders gebeld"  # the school's free text of melding_body
RECIPIENT = {
    "warme-overdracht": lambda pupil: ["school:34CD01"],
    "thuiszitterstafel": lambda pupil: [f"leerplicht:{WOONGEMEENTE[pupil]}"],
    "jeugdhulp-afstemming": lambda pupil: ["jeugdteam:JT0479"],
}
CATEGORIES = {"warme-overdracht": ["warme_items"], "thuiszitterstafel": CASE_CATEGORIES}
CATEGORIES["jeugdhulp-afstemming"] = JEUGD_CATEGORIES
REFUSED = (403, 404, 410)
SEEN: Counter[str] = Counter()  # what the runs reached, across examples (checked after the run)


@dataclass
class Melding:
    id: str
    pupil: int
    school: str


@dataclass
class Overdracht:
    id: str
    pupil: int
    sender: str
    receiver: str
    received: bool = False


@dataclass
class Given:
    id: str
    pupil: int
    purpose: str
    recorder: str
    receipt: str
    withdrawn: bool = False


@dataclass
class Model:
    """Who is involved with each pupil, by the rules of domain/betrokkenheid.py."""

    schools: list[set[str]] = field(default_factory=lambda: [set() for _ in range(PUPILS)])
    leerplicht: list[set[str]] = field(default_factory=lambda: [set() for _ in range(PUPILS)])
    swv_of: dict[str, str] = field(
        default_factory=lambda: {"school:12AB00": "swv:SWV2801", "school:56EF00": "swv:SWV2802"}
    )

    def involved(self, pupil: int) -> set[str]:
        swvs = {self.swv_of[s] for s in self.schools[pupil] if s in self.swv_of}
        return self.schools[pupil] | swvs | self.leerplicht[pupil]

    def reaches(self, c: Given, holder: str) -> bool:
        """A consent reaches its recorder's records, its SWV's schools' and, for leerplicht of the
        woongemeente, the meldingen routed to it (consent.policy.consent_reaches)."""
        return c.recorder in (holder, self.swv_of.get(holder), f"leerplicht:{WOONGEMEENTE[c.pupil]}")

    def may_record(self, org: str, purpose: str, pupil: int) -> tuple[bool, str]:
        role = Role(org.split(":")[0])
        if role not in PURPOSES[purpose].consent.recorded_by:
            return False, Refused.WRONG_ROLE.value
        if org not in self.involved(pupil):
            return False, Refused.NOT_INVOLVED.value
        return True, ""


class InvolvementMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory()
        var = Path(self._dir.name) / "var"
        self.hub = build_hub(make_settings(f"sqlite:///{self._dir.name}/hub.sqlite", var))
        app = create_app(self.hub)
        self.clients: dict[str, TestClient] = {}
        for (role, code, gemeente), org_id in zip(PARTIES, ORGS, strict=True):
            self.hub.orgs.add(Organisation(org_id, role, org_id, code, gemeente))
            seed = os.urandom(32)
            self.hub.orgs.add_key(org_id, f"{org_id}#1", SigningKey(seed).verify_key.encode())
            client = TestClient(app, raise_server_exceptions=False)
            client.auth = SignatureAuth(f"{org_id}#1", seed)
            self.clients[org_id] = client
        self.model = Model()
        for school, swv in self.model.swv_of.items():
            self.hub.orgs.join_swv(school, swv)
        self.bsns: list[str] = []
        while len(self.bsns) < PUPILS:  # the test numbers are few: two draws may meet
            if (bsn := new_bsn()) not in self.bsns:
                self.bsns.append(bsn)
        self.subjects = [self.hub.persistence.pseudonym("bsn", b) for b in self.bsns]
        self.meldingen: list[Melding] = []
        self.overdrachten: list[Overdracht] = []
        self.consents: list[Given] = []

    def teardown(self) -> None:
        for client in self.clients.values():
            client.close()
        self.hub.close()
        self._dir.cleanup()

    # -- the request and what it must leave in the log ------------------------------------------

    def call(
        self, org: str, method: str, path: str, body: Any = None, receipt: str | None = None
    ) -> tuple[httpx.Response, list[dict[str, Any]]]:
        start = self.hub.persistence.access_log.size()
        headers = {RECEIPT_HEADER: receipt} if receipt else {}
        r = self.clients[org].request(method, path, json=body, headers=headers)
        assert r.status_code < 500, r.text
        entries = [json.loads(e.body) for e in self.hub.persistence.access_log.entries(start)]
        refusals = [e for e in entries if e["action"] == "refuse" and REFUSAL_KEY in e["afweging"]]
        if r.status_code in REFUSED:
            assert len(refusals) == 1, (r.status_code, r.text, entries)
            assert refusals[0]["org_id"] == org
            SEEN[f"refused {r.status_code}"] += 1
        else:
            assert refusals == [], (r.status_code, entries)
        for bsn in self.bsns:
            assert bsn not in json.dumps(entries)
            if r.status_code in REFUSED:
                assert bsn not in r.text and PUPIL_NAME not in r.text
        return r, refusals

    def expect(self, r: httpx.Response, refusals: list[dict[str, Any]], status: int, code: str | None = None) -> None:
        assert r.status_code == status, (status, r.status_code, r.text)
        if code is not None:
            assert refusals[0]["afweging"][REFUSAL_KEY] == code, refusals

    def released(self, r: httpx.Response, text: str, allowed: bool, what: str) -> None:
        """The hub releases `text` exactly when the model allows it."""
        shown = text in r.text
        assert shown == allowed, (what, allowed, r.text)
        SEEN[f"{what} {'released' if shown else 'withheld'}"] += 1
        event(f"{what}: {'released' if shown else 'withheld'}")

    # -- involvement changes --------------------------------------------------------------------

    @initialize(school=st.sampled_from(SCHOOLS), other=st.sampled_from(SCHOOLS))
    def start(self, school: str, other: str) -> None:
        """Every run starts with a melding and an overdracht (to 34CD01, whom the warm consents
        name) of pupil 0, the consents of their schools, and pupil 1 enrolled, so that pulls find
        data and consents can be recorded for both."""
        sender = "12AB00" if school == "34CD01" else school
        self.push_melding(school, 0)
        self.push_overdracht(sender, "34CD01", 0)
        self.enrol(other, 1)
        for recorder, purpose in ((school, "jeugdhulp-afstemming"), (sender, "warme-overdracht")):
            items = ["leren"] if purpose == "warme-overdracht" else []
            body = consent_body(self.bsns[0], purpose, RECIPIENT[purpose](0), CATEGORIES[purpose], items)
            r, _ = self.call(f"school:{recorder}", "POST", "/v1/toestemmingen", body)
            assert r.status_code == 201, r.text
            self.consents.append(Given(r.json()["id"], 0, purpose, f"school:{recorder}", r.json()["bewijs"]))

    @rule(school=st.sampled_from(SCHOOLS), pupil=st.integers(0, PUPILS - 1))
    def enrol(self, school: str, pupil: int) -> None:
        r, _ = self.call(f"school:{school}", "POST", "/v1/inschrijvingen", inschrijving_body(self.bsns[pupil], school))
        org = f"school:{school}"
        assert r.status_code == (200 if org in self.model.schools[pupil] else 201), r.text
        self.model.schools[pupil].add(org)

    @rule(school=st.sampled_from(SCHOOLS), pupil=st.integers(0, PUPILS - 1))
    def end_inschrijving(self, school: str, pupil: int) -> None:
        org = f"school:{school}"
        if org not in self.model.schools[pupil]:
            return
        r, _ = self.call(org, "POST", "/v1/inschrijvingen", inschrijving_body(self.bsns[pupil], school))
        assert r.status_code == 200, r.text  # the open one, whatever made it
        ended, _ = self.call(org, "POST", f"/v1/inschrijvingen/{r.json()['id']}/beeindiging")
        assert ended.status_code == 200, ended.text
        self.model.schools[pupil].discard(org)
        SEEN["inschrijving ended"] += 1

    @rule(school=st.sampled_from(SCHOOLS), pupil=st.integers(0, PUPILS - 1))
    def push_melding(self, school: str, pupil: int) -> None:
        body = melding_body(self.bsns[pupil], school=school, gemeente=WOONGEMEENTE[pupil])
        r, _ = self.call(f"school:{school}", "POST", "/v1/verzuimmeldingen", body)
        assert r.status_code == 201, r.text
        self.meldingen.append(Melding(r.json()["id"], pupil, f"school:{school}"))
        self.model.schools[pupil].add(f"school:{school}")
        self.model.leerplicht[pupil].add(f"leerplicht:{WOONGEMEENTE[pupil]}")

    @rule(sender=st.sampled_from(SCHOOLS), receiver=st.sampled_from(SCHOOLS), pupil=st.integers(0, PUPILS - 1))
    def push_overdracht(self, sender: str, receiver: str, pupil: int) -> None:
        if sender == receiver:
            return
        body = overdracht_body(receiver, bsn=self.bsns[pupil], school=sender)
        r, _ = self.call(f"school:{sender}", "POST", "/v1/overdrachten", body)
        assert r.status_code == 201, r.text
        self.overdrachten.append(Overdracht(r.json()["id"], pupil, f"school:{sender}", f"school:{receiver}"))
        self.model.schools[pupil].add(f"school:{sender}")

    @rule(data=st.data(), school=st.sampled_from(SCHOOLS))
    def confirm_receipt(self, data: st.DataObject, school: str) -> None:
        if not self.overdrachten:
            return
        o = data.draw(st.sampled_from(self.overdrachten))
        org = f"school:{school}"
        r, refusals = self.call(org, "POST", f"/v1/overdrachten/{o.id}/ontvangst")
        if org != o.receiver:
            self.expect(r, refusals, 404, Refused.NOT_FOUND.value)
        elif o.received:
            self.expect(r, refusals, 409)
        else:
            self.expect(r, refusals, 200)
            o.received = True
            self.model.schools[o.pupil].add(org)
            SEEN["ontvangst"] += 1

    @rule(school=st.sampled_from(SCHOOLS), swv=st.sampled_from(SWVS))
    def join_swv(self, school: str, swv: str) -> None:
        self.hub.orgs.join_swv(f"school:{school}", f"swv:{swv}")
        self.model.swv_of[f"school:{school}"] = f"swv:{swv}"

    # -- consent --------------------------------------------------------------------------------

    @rule(data=st.data(), purpose=st.sampled_from(sorted(RECIPIENT)), pupil=st.integers(0, PUPILS - 1))
    def record_consent(self, data: st.DataObject, purpose: str, pupil: int) -> None:
        involved = sorted(self.model.involved(pupil))  # half the time a party the model lets record
        org = data.draw(st.sampled_from(ORGS) | st.sampled_from(involved) if involved else st.sampled_from(ORGS))
        items = ["leren"] if purpose == "warme-overdracht" else []
        body = consent_body(self.bsns[pupil], purpose, RECIPIENT[purpose](pupil), CATEGORIES[purpose], items)
        before = len([e for e in self.hub.persistence.of_subject(self.subjects[pupil]) if e.kind == "toestemming"])
        r, refusals = self.call(org, "POST", "/v1/toestemmingen", body)
        may, code = self.model.may_record(org, purpose, pupil)
        after = len([e for e in self.hub.persistence.of_subject(self.subjects[pupil]) if e.kind == "toestemming"])
        if may:
            self.expect(r, refusals, 201)
            assert after == before + 1
            self.consents.append(Given(r.json()["id"], pupil, purpose, org, r.json()["bewijs"]))
        else:
            self.expect(r, refusals, 403, code)
            assert refusals[0]["subject"] == self.subjects[pupil]
            assert after == before
        SEEN[f"consent {r.status_code} {code}"] += 1
        event(f"consent {purpose} by {org.split(':')[0]}: {r.status_code} {code}")

    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        if not self.consents:
            return
        c = data.draw(st.sampled_from(self.consents))
        org = data.draw(st.sampled_from(ORGS) | st.just(c.recorder))  # half the time the recorder
        r, refusals = self.call(org, "POST", f"/v1/toestemmingen/{c.id}/intrekking", {"reden": ""})
        if org != c.recorder:
            self.expect(r, refusals, 404, Refused.NOT_FOUND.value)
            assert refusals[0]["subject"] == self.subjects[c.pupil]
        elif c.withdrawn:
            self.expect(r, refusals, 409)
        else:
            self.expect(r, refusals, 200)
            c.withdrawn = True
            SEEN["withdrawn"] += 1

    # -- pulls ----------------------------------------------------------------------------------

    def _consent_of(self, data: st.DataObject, purpose: str, pupil: int) -> Given | None:
        """A receipt of the purpose: mostly of `pupil`, sometimes another's, sometimes none."""
        of_purpose = [c for c in self.consents if c.purpose == purpose]
        of_pupil = [c for c in of_purpose if c.pupil == pupil]
        choices = [st.sampled_from(c) for c in (of_pupil, of_pupil, of_purpose) if c]
        return data.draw(st.one_of(*choices, st.none()))

    @rule(data=st.data(), pupil=st.integers(0, PUPILS - 1))
    def jeugdteam_signal(self, data: st.DataObject, pupil: int) -> None:
        c = self._consent_of(data, "jeugdhulp-afstemming", pupil)
        r, refusals = self.call("jeugdteam:JT0479", "GET", "/v1/jeugdteam/signaal", receipt=c.receipt if c else None)
        if c is None:
            self.expect(r, refusals, 403, Refused.RECEIPT_MISSING.value)
            return
        if c.withdrawn:
            self.expect(r, refusals, 403, Refused.RECEIPT_REFUSED.value)
            return
        self.expect(r, refusals, 200)
        involved = self.model.involved(c.pupil)
        held = any(
            m.pupil == c.pupil and m.school in involved and self.model.reaches(c, m.school) for m in self.meldingen
        )
        allowed = held and WOONGEMEENTE[c.pupil] == HOME
        self.released(r, PUPIL_NAME, allowed, "jeugdteam name")
        self.released(r, TOELICHTING, allowed, "jeugdteam toelichting")

    @rule(data=st.data(), gemeente=st.sampled_from(WOONGEMEENTE))
    def leerplicht_case(self, data: st.DataObject, gemeente: str) -> None:
        if not self.meldingen:
            return
        m = data.draw(st.sampled_from(self.meldingen))
        c = self._consent_of(data, "thuiszitterstafel", m.pupil)
        path = f"/v1/leerplicht/{gemeente}/meldingen/{m.id}/casus"
        r, refusals = self.call(f"leerplicht:{gemeente}", "GET", path, receipt=c.receipt if c else None)
        if WOONGEMEENTE[m.pupil] != gemeente:
            self.expect(r, refusals, 404, Refused.NOT_FOUND.value)
            return
        if c is not None and (WOONGEMEENTE[c.pupil] != gemeente or c.pupil != m.pupil or c.withdrawn):
            self.expect(r, refusals, 403, Refused.RECEIPT_REFUSED.value)
            assert refusals[0]["subject"] == self.subjects[m.pupil]
            return
        self.expect(r, refusals, 200)
        allowed = c is not None and m.school in self.model.involved(m.pupil) and self.model.reaches(c, m.school)
        self.released(r, PUPIL_NAME, allowed, "case name")
        assert self.bsns[m.pupil] not in r.text or allowed

    @rule(data=st.data(), school=st.sampled_from(SCHOOLS))
    def read_overdracht(self, data: st.DataObject, school: str) -> None:
        if not self.overdrachten:
            return
        o = data.draw(st.sampled_from(self.overdrachten))
        c = self._consent_of(data, "warme-overdracht", o.pupil)
        org = f"school:{school}"
        r, refusals = self.call(org, "GET", f"/v1/overdrachten/{o.id}", receipt=c.receipt if c else None)
        if org not in (o.sender, o.receiver):
            self.expect(r, refusals, 404, Refused.NOT_FOUND.value)
            return
        if org == o.sender:
            self.expect(r, refusals, 200)
            assert PUPIL_NAME not in r.text and WARM_TEXT not in r.text
            return
        if c is not None and (org != "school:34CD01" or c.pupil != o.pupil or c.withdrawn):
            self.expect(r, refusals, 403, Refused.RECEIPT_REFUSED.value)
            return
        self.expect(r, refusals, 200)
        assert PUPIL_NAME in r.text  # the rapport and identity are the receiver's by law
        allowed = c is not None and o.sender in self.model.involved(o.pupil) and self.model.reaches(c, o.sender)
        self.released(r, WARM_TEXT, allowed, "warm item")


def test_involvement_machine() -> None:
    SEEN.clear()
    run_state_machine_as_test(
        InvolvementMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            database=None,
            derandomize=True,  # a fixed exploration: the coverage check below must not flake
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The runs reached both sides of every rule that matters.
    for reached in (
        "consent 201 ",
        f"consent 403 {Refused.NOT_INVOLVED.value}",
        f"consent 403 {Refused.WRONG_ROLE.value}",
        "jeugdteam name released",
        "jeugdteam name withheld",
        "case name released",
        "case name withheld",
        "warm item released",
        "warm item withheld",
        "refused 403",
        "refused 404",
        "inschrijving ended",
        "withdrawn",
    ):
        assert SEEN[reached] > 0, (reached, sorted(SEEN.items()))
