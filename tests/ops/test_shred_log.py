"""`hub keys shred` is an access to the pupil's data like any other: it is logged, without personal data."""

from __future__ import annotations

import json

from audit.entries import AccessEntry, Action
from domain.parties import Role
from hub.container import Hub
from tests.hub.helpers import melding_body, new_bsn
from tests.ops.helpers import hub_cli


def _erasures(hub: Hub, start: int) -> list[AccessEntry]:
    entries = [AccessEntry.from_body(e.body) for e in hub.persistence.access_log.entries(start)]
    return [e for e in entries if e.action is Action.ERASE]


def test_a_pupils_shred_logs_one_erasure_without_the_operators_words(hub: Hub, settings, register) -> None:
    school = register(Role.SCHOOL, "12AB00").client
    bsn = new_bsn()
    assert school.post("/v1/verzuimmeldingen", json=melding_body(bsn)).status_code == 201
    before = hub.persistence.access_log.size()
    hub_cli(settings, "keys", "shred", "--purpose", "verzuimmelding", "--pupil", bsn,
            "--reason", "verzoek van moeder Jansen")
    [erased] = _erasures(hub, before)
    assert erased.subject == hub.store.pseudonyms.of("bsn", bsn) and erased.purpose == "verzuimmelding"
    assert erased.legal_basis and erased.decision == "erased"
    body = json.dumps(erased.afweging)
    assert "Jansen" not in body and bsn not in body
    inzage = json.loads(hub_cli(settings, "audit", "inzage", "--pupil", bsn, "--json").output)
    assert len(inzage["regels"]) == 2  # the school's write, then the erasure


def test_a_whole_purpose_shred_logs_each_pupil_and_a_second_shred_logs_nothing(hub: Hub, settings, register) -> None:
    school = register(Role.SCHOOL, "12AB00").client
    pupils = [new_bsn() for _ in range(3)]
    for bsn in pupils:
        assert school.post("/v1/verzuimmeldingen", json=melding_body(bsn)).status_code == 201
    before = hub.persistence.access_log.size()
    hub_cli(settings, "keys", "shred", "--purpose", "verzuimmelding", "--yes")
    subjects = {hub.store.pseudonyms.of("bsn", bsn) for bsn in pupils}
    assert {e.subject for e in _erasures(hub, before)} == subjects and len(_erasures(hub, before)) == 3
    after = hub.persistence.access_log.size()
    hub_cli(settings, "keys", "shred", "--purpose", "verzuimmelding", "--yes")
    assert hub.persistence.access_log.size() == after
    assert json.loads(hub_cli(settings, "audit", "verify", "--json").output)["ok"]
