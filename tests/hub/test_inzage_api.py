"""`hub audit inzage` on attempts that real signed requests made: refused ones are shown as attempts, in Dutch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from domain.parties import Role
from hub.cli import app as cli_app
from infra.settings import Settings
from tests.hub.helpers import consent_body, melding_body, new_bsn
from tests.ops.helpers import env_of


@pytest.fixture
def parties(register: Any) -> dict[str, Any]:
    return {
        "school": register(Role.SCHOOL, "12AB00", name="De Regenboog"),
        "stranger": register(Role.SCHOOL, "56EF02", name="De Vreemde School"),
        "leerplicht": register(Role.LEERPLICHT, "GM0479", name="Leerplicht Utrecht"),
        "jeugdteam": register(Role.JEUGDTEAM, "GM0479", name="Jeugdteam Utrecht"),
    }


def inzage(settings: Settings, bsn: str, *more: str) -> Result:
    return CliRunner().invoke(cli_app, ["audit", "inzage", "--pupil", bsn, *more], env=env_of(settings))


def test_a_refused_attempt_is_in_the_parents_inzage_with_its_reason(
    parties: dict[str, Any], settings: Settings
) -> None:
    bsn = new_bsn()
    r = parties["school"].client.post("/v1/verzuimmeldingen", json=melding_body(bsn))
    assert r.status_code == 201, r.text
    jeugdteam = parties["jeugdteam"].org.org_id
    attempt = consent_body(bsn, "jeugdhulp-afstemming", [jeugdteam], ["verzuim"])
    r = parties["stranger"].client.post("/v1/toestemmingen", json=attempt)
    assert r.status_code == 403, r.text

    result = inzage(settings, bsn, "--json")
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["regels"]
    [tried] = [line for line in lines if line["geweigerd"]]
    assert (tried["organisatie"], tried["naam"], tried["handeling"]) == ("school:56EF02", "De Vreemde School", "refuse")
    assert tried["reden"] == "de organisatie is niet betrokken bij de leerling"
    assert tried["doel"] == "jeugdhulp-afstemming" and tried["categorieen"] == []
    assert all(line["reden"] is None for line in lines if not line["geweigerd"])

    text = inzage(settings, bsn).stdout
    assert "De Vreemde School (school:56EF02) probeerde bij de gegevens te komen, maar dat werd geweigerd" in text
    assert "POGING, GEWEIGERD: de organisatie is niet betrokken bij de leerling" in text
    assert "1 keer geweigerd" in text
    for internal in ("niet_betrokken", "not_involved", "weigering", bsn):
        assert internal not in text
