"""Stateful property test of consent and pulls: give, withdraw, expire, let time pass, pull, shred — any order.

Invariants after every step (issue 7): a warm item leaves the hub only under a consent
that names the item and the receiving school, holds at that moment (not withdrawn, not
expired, within the record's retention) and whose key was not shredded; every pull leaves
exactly one access-log entry, a refusal included. The pulls run through the receiving
school's adapter on the real sealed store (SQLite), with the clock as an argument.
"""

from __future__ import annotations

import json
import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from nacl.signing import SigningKey

from adapters.disclosure import ReceiptRefused
from adapters.errors import Gone, NotFound
from adapters.ports import DirectoryEntry, InvolvementChange, RecordGone, Requester
from adapters.school import overdracht
from audit.verify import verify_log
from consent.receipts import Notary
from domain.betrokkenheid import Betrokkenheid, Bron
from domain.consent import Consent, ConsentStatus
from domain.identifiers import PupilId, PupilIdKind, generate_test_bsn
from domain.overdracht import Leerling, OnderwijskundigRapport, Overdracht, WarmItem
from domain.parties import Organisation, Role
from domain.purpose import add_years
from infra.persistence import StorePersistence
from infra.store import open_store
from tests.conftest import make_settings

ITEMS = ("leren", "overig", "gedrag")
SENDER = Organisation("school:12AB00", Role.SCHOOL, "Zender", "12AB00")
RECEIVER = Organisation("school:34CD01", Role.SCHOOL, "Ontvanger", "34CD01")
OTHER = Organisation("school:56EF00", Role.SCHOOL, "Derde", "56EF00")


@dataclass
class Given:
    """The model of one consent: what the hub should believe about it."""

    consent_id: str
    receipt: str
    items: frozenset[str]
    recipient: str
    valid_from: datetime
    valid_until: datetime
    withdrawn_at: datetime | None = None

    def holds_at(self, moment: datetime) -> bool:
        withdrawn = self.withdrawn_at is not None and moment >= self.withdrawn_at
        return not withdrawn and self.valid_from <= moment < self.valid_until


def _requester(org: Organisation, n: int) -> Requester:
    return Requester(org=org, key_id=f"{org.org_id}#1", actor=None, request_id=f"r{n}", trace_id=None)


class ConsentLifecycle(RuleBasedStateMachine):
    """One pupil, one overdracht with three warm items, and consents that come and go."""

    @initialize()
    def start(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="ketenhub-machine-")
        var = Path(self.tmp.name)
        self.store = open_store(make_settings(f"sqlite:///{var}/hub.sqlite", var))
        self.p = StorePersistence(self.store)
        self.notary = Notary(SigningKey.generate(), "hub-test")
        bsn = generate_test_bsn(random.Random(7))
        self.subject = self.p.pseudonym("bsn", bsn)
        o = Overdracht.draft(
            self.subject,
            leerling=Leerling(PupilId(PupilIdKind.BSN, bsn), "Test Kind", date(2013, 5, 1)),
            sending_school="12AB00",
            receiving_school="34CD01",
            rapport=OnderwijskundigRapport(verzuim_samenvatting="Aanwezigheid 95%."),
            warm_items=[WarmItem(k, f"tekst over {k}") for k in ITEMS],
        )
        o.send()
        self.p.commit(
            [o],
            log=[],
            directory=[
                DirectoryEntry(
                    o.id, overdracht.KIND, overdracht.PURPOSE, SENDER.org_id, self.subject, receiver_org=RECEIVER.org_id
                )
            ],
            involvement=[
                InvolvementChange(
                    self.subject, SENDER.org_id, Betrokkenheid.SCHOOL_VAN_INSCHRIJVING, Bron.OVERDRACHT, str(o.id)
                )
            ],
        )
        self.record_id = o.id
        self.record_changed = o.modified_on
        self.clock = datetime.now(UTC)
        self.consents: list[Given] = []
        self.shredded = False
        self.pulls = 0

    def teardown(self) -> None:
        if hasattr(self, "store"):
            self.store.close()
            self.tmp.cleanup()

    # -- what parents and schools do --------------------------------------------------------
    @rule(items=st.sets(st.sampled_from(ITEMS), min_size=1), days=st.integers(1, 60), to_receiver=st.booleans())
    def give(self, items: set[str], days: int, to_receiver: bool) -> None:
        recipient = RECEIVER.org_id if to_receiver else OTHER.org_id
        start = self.clock - timedelta(minutes=1)
        consent = Consent.start(
            self.subject,
            purpose="warme-overdracht",
            recorded_by=SENDER.org_id,
            recipients=[recipient],
            categories=["warme_items"],
            valid_from=start,
            valid_until=start + timedelta(days=days),
            given_by="ouder",
            given_by_name="Ouder",
            given_on=start.date(),
            method="ondertekend_formulier",
            pupil_birth_date=date(2013, 5, 1),
            items=sorted(items),
        )
        try:
            self.p.commit([consent], log=[])
        except RecordGone:
            assert self.shredded  # a shredded pupil's consent cannot be written under the old key
            return
        self.consents.append(
            Given(
                str(consent.id),
                self.notary.receipt(consent, self.clock),
                frozenset(items),
                recipient,
                start,
                start + timedelta(days=days),
            )
        )

    @precondition(lambda self: any(c.withdrawn_at is None for c in self.consents) and not self.shredded)
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        given = data.draw(st.sampled_from([c for c in self.consents if c.withdrawn_at is None]))
        consent: Consent = self.p.load(UUID(given.consent_id))
        if consent.status is not ConsentStatus.GEGEVEN:
            return
        consent.withdraw("ingetrokken", self.clock)
        self.p.commit([consent], log=[])
        given.withdrawn_at = self.clock

    @rule(days=st.integers(0, 90))
    def advance(self, days: int) -> None:
        self.clock += timedelta(days=days, hours=1)

    @precondition(lambda self: not self.shredded)
    @rule()
    def shred(self) -> None:
        self.store.keys.shred("warme-overdracht", self.subject, "test")
        self.shredded = True

    # -- what the receiving school (or a third school) asks --------------------------------
    @rule(data=st.data(), as_receiver=st.booleans())
    def pull(self, data: st.DataObject, as_receiver: bool) -> None:
        choices = [None, *self.consents]
        given: Given | None = data.draw(st.sampled_from(choices))
        who = _requester(RECEIVER if as_receiver else OTHER, self.pulls)
        self.pulls += 1
        before = self.p.access_log.size()
        try:
            answer = overdracht.read(
                self.p, self.notary.keys(), who, self.record_id, given.receipt if given else None, at=self.clock
            )
        except ReceiptRefused:
            assert self.p.access_log.size() == before + 1
            return
        except Gone:  # erased: a 410, and the refused attempt is on the record
            assert self.shredded
            assert self._refusal_since(before) == "gewist"
            return
        except NotFound:  # a third school: 404, nothing read, the attempt on the record
            assert not as_receiver
            assert self._refusal_since(before) == "niet_gevonden"
            return
        assert not self.shredded
        assert self.p.access_log.size() == before + 1
        (entry,) = list(self.p.access_log.entries(before))
        logged = json.loads(entry.body)
        released = set(answer.body["warme_items"])
        assert {f"warm.{k}" for k in released} <= set(logged["fields"])
        if released:
            assert given is not None and given.recipient == RECEIVER.org_id
            assert given.holds_at(self.clock), "a warm item left under a consent that did not hold"
            assert self.clock < add_years(self.record_changed, 1), "released after the retention period"
            assert released <= given.items, "a warm item outside the consent left the hub"
            assert logged["consent_id"] == given.consent_id

    def _refusal_since(self, before: int) -> str:
        """The one entry written since `before` is a refusal naming the pupil: its reason code."""
        (entry,) = list(self.p.access_log.entries(before))
        logged = json.loads(entry.body)
        assert logged["action"] == "refuse" and logged["subject"] == self.subject
        return str(logged["afweging"]["weigering"])

    @invariant()
    def log_stays_intact(self) -> None:
        if hasattr(self, "p"):
            report = verify_log(self.p.access_log.entries(), [], {})
            assert report.ok, report.failure


ConsentLifecycle.TestCase.settings = settings(
    max_examples=25, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestConsentLifecycle = ConsentLifecycle.TestCase
