"""Verify covers every column: a row's subject column must be its body's subject, and the inzage is built
from a verified log only (pure checks, and `hub audit verify|inzage` on a store tampered with raw SQL)."""

from __future__ import annotations

import json
import random
import typing
from dataclasses import fields, replace

import pytest
from typer.testing import CliRunner, Result

import audit.verify
from audit.chain import ChainedEntry, link
from audit.entries import AccessEntry, Action, names_subject
from audit.inzage import InzageRefused, refusal_reason, render, verified_inzage
from audit.refusals import Refused
from audit.verify import FailureKind, verify_log
from domain.identifiers import generate_test_bsn
from hub.cli import app as cli_app
from hub.container import Hub
from infra.settings import Settings
from tests.audit.factories import VERIFY_KEYS, build_log, sign_heads, subject
from tests.ops.helpers import env_of

LOG = build_log(30)
HEADS = sign_heads(LOG, [10, 30])
_rng = random.Random(16)


@pytest.fixture(autouse=True, params=[4096, 3], ids=["chunk-4096", "chunk-3"])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(audit.verify, "_CHUNK", request.param)
    return int(request.param)


def with_subject(log: list[ChainedEntry], seq: int, column: str | None) -> list[ChainedEntry]:
    out = list(log)
    out[seq] = replace(out[seq], subject=column)
    return out


# -- the pure check ----------------------------------------------------------------------------
@pytest.mark.parametrize(("seq", "column"), [(4, "pupil-0"), (4, None), (6, "pupil-1"), (29, "pupil-9")])
def test_a_subject_column_that_is_not_the_body_s_is_named(seq: int, column: str | None) -> None:
    assert subject(seq) != column
    report = verify_log(iter(with_subject(LOG, seq, column)), HEADS, VERIFY_KEYS)
    assert report.failure is not None and (report.failure.kind, report.failure.seq) == (FailureKind.CHANGED, seq)
    assert "subject column" in report.failure.detail
    assert report.entries_checked == seq


def test_a_column_that_smuggles_json_does_not_pass_for_the_body_s() -> None:
    # Unescaped, the column would read as the body's subject followed by its next key.
    smuggled = f'{subject(3)}","tag'
    report = verify_log(iter(with_subject(LOG, 3, smuggled)), HEADS, VERIFY_KEYS)
    assert report.failure is not None and report.failure.seq == 3


def test_the_body_s_own_subject_is_read_not_one_in_its_afweging() -> None:
    entry = AccessEntry(
        Action.REFUSE,
        "school:12AB00",
        "school",
        "verzuimmelding",
        "",
        subject="own",
        trace_id="t",
        afweging={"subject": "other", "deeper": {"subject": "third"}},
    )
    body = entry.body()
    assert names_subject(body, "own")
    assert not any(names_subject(body, s) for s in ("other", "third", None, "own\\", ""))
    assert names_subject(replace(entry, subject=None).body(), None)


def test_only_scalars_follow_the_subject_in_a_body() -> None:
    """names_subject finds the body's subject as the last `,"subject":` key: nothing after it may nest one."""
    hints = typing.get_type_hints(AccessEntry)
    after = sorted(f.name for f in fields(AccessEntry) if f.name > "subject")
    assert after and all(hints[name] == str | None for name in after), after


def stored_log(entries: list[AccessEntry]) -> list[ChainedEntry]:
    out: list[ChainedEntry] = []
    for e in entries:
        out.append(link(out[-1] if out else None, len(out), e.body(), e.subject))
    return out


def test_inzage_picks_only_verified_rows_and_refuses_a_moved_one() -> None:
    written = [
        AccessEntry(
            Action.DISCLOSE,
            f"org-{n % 3}",
            "leerplicht",
            "verzuimmelding",
            "wettelijke_plicht",
            subject=subject(n),
            fields=("leerling.naam",),
            at="2026-11-23T09:00:00.000Z",
        )
        for n in range(20)
    ]
    log = stored_log(written)
    heads = sign_heads(log, [20])
    names = {"org-1": "Org Een"}
    lines = verified_inzage(iter(log), heads, VERIFY_KEYS, "pupil-1", names)
    assert [line.seq for line in lines] == [e.seq for e in log if e.subject == "pupil-1"] != []
    assert {line.organisation for line in lines} >= {"Org Een"}
    # Away from the pupil (hidden) or onto the pupil (shown to the wrong parent): no report at all.
    for seq, moved in ((6, with_subject(log, 6, "pupil-1")), (11, with_subject(log, 11, "pupil-2"))):
        assert log[seq].subject != moved[seq].subject
        with pytest.raises(InzageRefused) as refused:
            verified_inzage(iter(moved), heads, VERIFY_KEYS, "pupil-1", names)
        assert refused.value.seq == seq


# -- refused attempts in the report ----------------------------------------------------------
def refusal(afweging: dict[str, typing.Any]) -> AccessEntry:
    return AccessEntry(
        Action.REFUSE,
        "jeugdteam:JT01",
        "jeugdteam",
        "thuiszitterstafel",
        "",
        subject="p",
        requested=("leerling.naam",),
        decision="deny",
        afweging=afweging,
        at="2026-11-23T09:00:00.000Z",
    )


def test_a_refusal_s_reason_is_in_dutch_words() -> None:
    assert refusal_reason({"weigering": "niet_betrokken"}) == "de organisatie is niet betrokken bij de leerling"
    receipt = refusal_reason({"weigering": "bewijs_geweigerd", "bewijs": "expired"})
    assert receipt == "het bewijs van toestemming was niet geldig (het bewijs was verlopen)"
    assert refusal_reason({"weigering": "bewijs_geweigerd", "bewijs": "bad_signature"}) == (
        "het bewijs van toestemming was niet geldig"
    )
    assert refusal_reason({"weigering": "iets_nieuws"}) == "geweigerd"
    policy = {
        "outcome": "deny",
        "proportionaliteit": {"passed": False, "reden": "deze rol ontvangt niets voor dit doel", "reason": "x"},
        "subsidiariteit": {"passed": True, "reden": "geen minder ingrijpend antwoord", "reason": "y"},
        "doelmatigheid": {"passed": False, "reden": "er is geen toestemming", "reason": "there is no consent"},
    }
    assert refusal_reason(policy) == (
        "niet voldaan aan proportionaliteit: deze rol ontvangt niets voor dit doel; "
        "doelmatigheid: er is geen toestemming"
    )


def test_a_refused_attempt_reads_as_an_attempt() -> None:
    log = stored_log([refusal({"weigering": Refused.NOT_INVOLVED.value})])
    [line] = verified_inzage(iter(log), [], VERIFY_KEYS, "p", {"jeugdteam:JT01": "Jeugdteam Oost"})
    shown = line.to_dict()
    assert shown["geweigerd"] is True and shown["reden"] == "de organisatie is niet betrokken bij de leerling"
    assert shown["gevraagd"] == ["identiteit"] and shown["categorieen"] == []
    text = render([line])
    assert "1 keer geweigerd" in text and "POGING, GEWEIGERD: de organisatie is niet betrokken" in text
    assert "niet_betrokken" not in text and "not_involved" not in text


# -- on a real store, tampered with raw SQL ------------------------------------------------------
def run(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(cli_app, ["audit", *args], env=env_of(settings))


@pytest.fixture
def pupils(hub: Hub) -> dict[str, str]:
    """Two pupils (BSN -> pseudonym) with three entries each, alternating, under a signed head."""
    bsns = [generate_test_bsn(_rng) for _ in range(2)]
    pseudonyms = {bsn: hub.store.pseudonyms.of("bsn", bsn) for bsn in bsns}
    written = [
        AccessEntry(
            Action.DISCLOSE,
            "leerplicht:GM0479",
            "leerplicht",
            "verzuimmelding",
            "wettelijke_plicht",
            subject=pseudonyms[bsns[n % 2]],
            fields=("leerling.naam",),
            decision="allow",
            request_id=f"req-{n}",
        )
        for n in range(6)
    ]
    hub.persistence.access_log.append(written)
    hub.persistence.access_log.sign_head(hub.signing_key, hub.signing_key_id)
    return pseudonyms


def set_subject(hub: Hub, seq: int, column: str | None) -> None:
    with hub.store.db.transaction() as tx:
        tx.execute("UPDATE hub_access_log SET subject = ? WHERE seq = ?", (column, seq))


def inzage(settings: Settings, bsn: str) -> Result:
    return run(settings, "inzage", "--pupil", bsn, "--json")


def test_verify_names_the_row_whose_subject_column_was_changed(
    hub: Hub, settings: Settings, pupils: dict[str, str]
) -> None:
    first, second = pupils
    assert run(settings, "verify").exit_code == 0
    assert len(json.loads(inzage(settings, first).stdout)["regels"]) == 3
    # The operator hides entry 2 from the first pupil's parent by giving it the other's pseudonym.
    set_subject(hub, 2, pupils[second])
    result = run(settings, "verify", "--json")
    assert result.exit_code == 1, result.output
    failure = json.loads(result.stdout)["failure"]
    assert (failure["kind"], failure["seq"]) == ("changed", 2) and "subject column" in failure["detail"]
    assert "NOT INTACT at entry 2 (changed)" in run(settings, "verify").stdout


@pytest.mark.parametrize("column", ["other", None])
def test_inzage_refuses_rather_than_leave_a_hidden_row_out(
    hub: Hub, settings: Settings, pupils: dict[str, str], column: str | None
) -> None:
    first, second = pupils
    set_subject(hub, 4, column)  # away from the first pupil
    for bsn in (first, second):
        result = inzage(settings, bsn)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""  # no report on a log that does not verify
        [line] = result.stderr.splitlines()
        assert "entry 4" in line and bsn not in line and pupils[bsn] not in line
