"""`hub keys shred` is an access to the pupil's data like any other: it is logged, without personal data."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from audit.entries import AccessEntry, Action
from domain.parties import Role
from hub.cli import app
from hub.container import Hub
from tests.hub.helpers import melding_body, new_bsn
from tests.ops.helpers import env_of, hub_cli


def _shred_reasons(hub: Hub) -> list[tuple[str, str]]:
    with hub.store.db.transaction(write=False) as tx:
        return [(str(k), str(r)) for k, r in tx.execute("SELECT key_id, reason FROM hub_shredded").all()]


def _erasures(hub: Hub, start: int) -> list[AccessEntry]:
    entries = [AccessEntry.from_body(e.body) for e in hub.persistence.access_log.entries(start)]
    return [e for e in entries if e.action is Action.ERASE]


def test_a_pupils_shred_logs_one_erasure_without_the_operators_words(hub: Hub, settings, register) -> None:
    school = register(Role.SCHOOL, "12AB00").client
    bsn = new_bsn()
    assert school.post("/v1/verzuimmeldingen", json=melding_body(bsn)).status_code == 201
    before = hub.persistence.access_log.size()
    hub_cli(
        settings, "keys", "shred", "--purpose", "verzuimmelding", "--pupil", bsn, "--reason", "onrechtmatig-verwerkt"
    )
    [erased] = _erasures(hub, before)
    assert erased.subject == hub.store.pseudonyms.of("bsn", bsn) and erased.purpose == "verzuimmelding"
    assert erased.legal_basis and erased.decision == "erased"
    assert bsn not in json.dumps(erased.afweging)
    assert [r for _k, r in _shred_reasons(hub)] == ["onrechtmatig-verwerkt"]
    inzage = json.loads(hub_cli(settings, "audit", "inzage", "--pupil", bsn, "--json").output)
    assert len(inzage["regels"]) == 2  # the school's write, then the erasure


def test_a_free_text_reason_is_refused_and_nothing_is_shredded(hub: Hub, settings, register) -> None:
    """The shred list is plaintext at rest: a typed reason could name the parent."""
    school = register(Role.SCHOOL, "12AB00").client
    bsn = new_bsn()
    record = school.post("/v1/verzuimmeldingen", json=melding_body(bsn)).json()["id"]
    result = CliRunner().invoke(
        app,
        ["keys", "shred", "--purpose", "verzuimmelding", "--pupil", bsn, "--reason", "verzoek van moeder Jansen"],
        env=env_of(settings),
    )
    assert result.exit_code == 2 and "verzoek-betrokkene" in result.output
    assert _shred_reasons(hub) == [] and school.get(f"/v1/verzuimmeldingen/{record}").status_code == 200


def test_a_whole_purpose_shred_logs_each_pupil_and_a_second_shred_logs_nothing(hub: Hub, settings, register) -> None:
    school = register(Role.SCHOOL, "12AB00").client
    pupils: set[str] = set()
    while len(pupils) < 3:  # test numbers come from a small block: draws can repeat
        pupils.add(new_bsn())
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
