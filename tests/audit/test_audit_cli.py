"""`hub audit verify|export|check-export|sign-head` on a real store (SQLite and PostgreSQL), tampered with raw SQL."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from audit.chain import chain_hash
from audit.entries import AccessEntry, Action
from hub.cli import app as cli_app
from hub.container import Hub
from infra.settings import Settings
from tests.ops.helpers import env_of

SIZE = 12


def run(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(cli_app, ["audit", *args], env=env_of(settings))


def entry(n: int) -> AccessEntry:
    return AccessEntry(
        action=Action.DISCLOSE,
        org_id="leerplicht:GM0479",
        role="leerplicht",
        purpose="verzuimmelding",
        legal_basis="wettelijke_plicht",
        subject=f"pseudo-{n % 3}",
        record_id=f"{n:032x}",
        fields=("leerling.naam",),
        requested=("leerling.naam",),
        decision="allow",
        request_id=f"req-{n}",
        at=f"2026-11-23T09:00:{n:02d}.000Z",
    )


@pytest.fixture
def logged(hub: Hub) -> Hub:
    """A log of SIZE entries with signed heads at 5 and SIZE."""
    log = hub.persistence.access_log
    log.append([entry(n) for n in range(5)])
    log.sign_head(hub.signing_key, hub.signing_key_id)
    log.append([entry(n) for n in range(5, SIZE)])
    log.sign_head(hub.signing_key, hub.signing_key_id)
    return hub


def sql(hub: Hub, statement: str, params: tuple = ()) -> None:
    with hub.store.db.transaction() as tx:
        tx.execute(statement, params)


def row(hub: Hub, seq: int) -> tuple:
    with hub.store.db.transaction(write=False) as tx:
        found = tx.execute("SELECT body, prev_hash, entry_hash FROM hub_access_log WHERE seq = ?", (seq,)).one()
    assert found is not None
    return tuple(bytes(v) for v in found)


def failure(settings: Settings) -> dict:
    result = run(settings, "verify", "--json")
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)["failure"]


def test_an_intact_log_verifies(logged: Hub, settings: Settings) -> None:
    result = run(settings, "verify")
    assert result.exit_code == 0, result.output
    assert f"intact: {SIZE} entries, 2 signed tree heads" in result.stdout
    report = json.loads(run(settings, "verify", "--json").stdout)
    assert report["ok"] and report["heads_checked"] == 2 and report["failure"] is None


def test_one_changed_byte(logged: Hub, settings: Settings) -> None:
    body = bytearray(row(logged, 7)[0])
    body[10] ^= 0x01
    sql(logged, "UPDATE hub_access_log SET body = ? WHERE seq = 7", (bytes(body),))
    assert failure(settings)["kind"] == "changed" and failure(settings)["seq"] == 7
    text = run(settings, "verify")
    assert text.exit_code == 1 and "NOT INTACT at entry 7 (changed)" in text.stdout


def test_a_deleted_entry(logged: Hub, settings: Settings) -> None:
    sql(logged, "DELETE FROM hub_access_log WHERE seq = 3")
    assert (failure(settings)["kind"], failure(settings)["seq"]) == ("removed", 3)


def test_two_swapped_entries(logged: Hub, settings: Settings) -> None:
    a, b = row(logged, 4), row(logged, 9)
    sql(logged, "UPDATE hub_access_log SET body = ?, prev_hash = ?, entry_hash = ? WHERE seq = 4", b)
    sql(logged, "UPDATE hub_access_log SET body = ?, prev_hash = ?, entry_hash = ? WHERE seq = 9", a)
    assert (failure(settings)["kind"], failure(settings)["seq"]) == ("reordered", 4)


def test_an_inserted_forged_entry(logged: Hub, settings: Settings) -> None:
    # Make room at seq 6 (in two steps: a primary key must stay unique row by row on PostgreSQL).
    sql(logged, "UPDATE hub_access_log SET seq = seq + 1000 WHERE seq >= 6")
    sql(logged, "UPDATE hub_access_log SET seq = seq - 999 WHERE seq >= 1000")
    prev = row(logged, 5)[2]
    body = entry(99).body()
    sql(
        logged,
        "INSERT INTO hub_access_log (seq, subject, body, prev_hash, entry_hash) VALUES (6, ?, ?, ?, ?)",
        ("pseudo-0", body, prev, chain_hash(prev, body)),
    )
    assert (failure(settings)["kind"], failure(settings)["seq"]) == ("inserted", 6)


def test_a_truncated_tail_against_the_last_signed_head(logged: Hub, settings: Settings) -> None:
    sql(logged, "DELETE FROM hub_access_log WHERE seq >= 9")
    found = failure(settings)
    assert (found["kind"], found["seq"]) == ("truncated", 9)
    assert "entries 9..11 are missing" in found["detail"]


def test_an_empty_log_verifies(hub: Hub, settings: Settings) -> None:
    assert run(settings, "verify").exit_code == 0


def test_sign_head(logged: Hub, settings: Settings) -> None:
    logged.persistence.access_log.append([entry(50)])
    result = run(settings, "sign-head", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["size"] == SIZE + 1
    assert [h.size for h in logged.persistence.access_log.heads()] == [5, SIZE, SIZE + 1]


# -- export ---------------------------------------------------------------------------------
def export(settings: Settings, tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "export.jsonl"
    result = run(settings, "export", *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def check(settings: Settings, path: Path, *args: str) -> Result:
    return run(settings, "check-export", str(path), "--json", *args)


def test_export_round_trip(logged: Hub, settings: Settings, tmp_path: Path) -> None:
    path = export(settings, tmp_path, "--from", "2", "--to", "8")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [x["seq"] for x in lines if x["type"] == "entry"] == list(range(2, 8))
    assert [x["size"] for x in lines if x["type"] == "tree_head"] == [5, SIZE]
    assert {x["seq"] for x in lines if x["type"] == "inclusion"} == {2, 7}
    result = check(settings, path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "entries": 6, "heads": 2, "detail": "", "seq": None}
    pinned = f"{logged.signing_key_id}={base64.b64encode(logged.signing_key.verify_key.encode()).decode()}"
    assert check(settings, path, "--key", pinned).exit_code == 0
    assert check(settings, path, "--key", "someone=" + "A" * 43 + "=").exit_code == 1


def test_export_signs_a_head_when_none_covers_the_range(logged: Hub, settings: Settings, tmp_path: Path) -> None:
    logged.persistence.access_log.append([entry(60), entry(61)])
    path = export(settings, tmp_path)
    assert check(settings, path).exit_code == 0
    assert logged.persistence.access_log.heads()[-1].size == SIZE + 2


def _edit(path: Path, seq: int, change) -> None:
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        item = json.loads(line)
        if item["type"] == "entry" and item["seq"] == seq:
            lines[i] = change(item)
    path.write_text("\n".join(line for line in lines if line is not None) + "\n")


@pytest.mark.parametrize(
    ("change", "seq"),
    [
        (lambda item: json.dumps({**item, "body": item["body"].replace("req-", "rex-")}), 4),
        (lambda item: None, 4),
    ],
    ids=["changed", "removed"],
)
def test_a_tampered_export_is_refused(logged: Hub, settings: Settings, tmp_path: Path, change, seq: int) -> None:
    path = export(settings, tmp_path, "--from", "0", "--to", str(SIZE))
    _edit(path, 4, change)
    result = check(settings, path)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["seq"] == seq


def test_an_export_recomputed_after_an_edit_fails_inclusion(logged: Hub, settings: Settings, tmp_path: Path) -> None:
    path = export(settings, tmp_path, "--from", "3", "--to", "8")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    prev = None
    for item in lines:  # an editor who rewrites one body and recomputes every hash after it
        if item["type"] != "entry":
            continue
        if item["seq"] == 5:
            item["body"] = item["body"].replace("req-5", "req-X")
        p = base64.b64decode(item["prev_hash"]) if prev is None else prev
        h = chain_hash(p, item["body"].encode())
        item["prev_hash"] = base64.b64encode(p).decode()
        item["entry_hash"] = base64.b64encode(h).decode()
        prev = h
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    result = json.loads(check(settings, path).stdout)
    assert not result["ok"] and result["seq"] == 7 and "not in tree head" in result["detail"]


def test_export_refuses_a_bad_range(logged: Hub, settings: Settings) -> None:
    result = run(settings, "export", "--from", "5", "--to", "99")
    assert result.exit_code == 2


def test_verify_shows_progress_on_stderr_for_long_logs(
    logged: Hub, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.audit_cli

    monkeypatch.setattr(hub.audit_cli, "_PROGRESS_FROM", 1)
    result = run(settings, "verify", "--json")
    assert result.exit_code == 0
    assert f"verify: {SIZE:,}/{SIZE:,} entries" in result.stderr
    assert json.loads(result.stdout)["ok"]
