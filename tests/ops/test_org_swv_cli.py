"""`hub org`: the operator keeps which school belongs to which SWV, and so which SWV is involved."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from typer.testing import CliRunner

from adapters.ports import InvolvementChange
from domain.betrokkenheid import Betrokkenheid, Bron
from hub.cli import app as cli_app
from hub.container import build_hub
from infra.settings import Settings
from tests.ops.helpers import env_of, hub_cli


def _orgs(settings: Settings) -> dict[str, dict[str, object]]:
    rows = json.loads(hub_cli(settings, "org", "list", "--json").stdout)
    return {r["organisatie"]: r for r in rows}


def test_a_school_joins_and_leaves_its_swv_and_the_swv_is_involved_only_meanwhile(settings: Settings) -> None:
    hub_cli(settings, "org", "add", "--role", "swv", "--code", "PO2801", "--name", "SWV Zaanstreek PO")
    hub_cli(settings, "org", "add", "--role", "school", "--code", "12AB00", "--name", "De Wilg", "--swv", "swv:PO2801")
    hub_cli(settings, "org", "add", "--role", "school", "--code", "34CD01", "--name", "De Eik")
    assert _orgs(settings)["school:12AB00"]["swv"] == "swv:PO2801"
    assert _orgs(settings)["school:34CD01"]["swv"] is None
    assert "swv:PO2801" in hub_cli(settings, "org", "list").stdout

    hub = build_hub(settings)
    try:
        subject = hub.persistence.pseudonym("bsn", "999990019")
        change = InvolvementChange(subject, "school:12AB00", Betrokkenheid.SCHOOL_VAN_INSCHRIJVING, Bron.INSCHRIJVING)
        hub.persistence.commit([], log=[], involvement=[change])
        assert "swv:PO2801" in hub.persistence.involved([subject], datetime.now(UTC))[subject]
        assert "school:12AB00 left swv:PO2801" in hub_cli(settings, "org", "swv-remove", "school:12AB00").stdout
        assert "swv:PO2801" not in hub.persistence.involved([subject], datetime.now(UTC))[subject]
        hub_cli(settings, "org", "swv-add", "school:12AB00", "swv:PO2801")
        assert "swv:PO2801" in hub.persistence.involved([subject], datetime.now(UTC))[subject]
    finally:
        hub.close()


def test_a_school_with_an_unknown_swv_is_not_registered_at_all(settings: Settings) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["org", "add", "--role", "school", "--code", "12AB00", "--name", "De Wilg", "--swv", "swv:PO9999"],
        env=env_of(settings),
    )
    assert result.exit_code != 0 and "swv:PO9999 is not a registered SWV" in result.output
    assert "Traceback" not in result.output
    assert "school:12AB00" not in _orgs(settings)


def test_a_key_file_that_exists_refuses_in_one_line_and_registers_nothing(settings: Settings, tmp_path) -> None:
    existing = tmp_path / "school.key"
    existing.write_bytes(b"not mine to overwrite")
    for key_args in (["--key-out", str(existing)], ["--public-key", "not base64!"], ["--public-key", "AAAA"]):
        result = CliRunner().invoke(
            cli_app,
            ["org", "add", "--role", "school", "--code", "12AB00", "--name", "De Wilg", *key_args],
            env=env_of(settings),
        )
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert "school:12AB00" not in _orgs(settings)
    assert existing.read_bytes() == b"not mine to overwrite"
