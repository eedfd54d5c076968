"""The canonical bytes of an access-log entry: every stored hash depends on them."""

from __future__ import annotations

from audit.entries import AccessEntry, Action

# The bytes the hub has written since the log's first entry; a change here breaks every
# existing log's chain, so it must be a deliberate, versioned one.
EXPECTED = (
    '{"action":"disclose","actor":null,"afweging":{"checks":[{"fields":["a","b"],"ok":true,'
    '"rule":"doelbinding"}],"outcome":"allow","ratio":0.5},"at":"2026-11-28T20:00:00.000Z",'
    '"consent_id":null,"decision":"allow","fields":["leerling.naam","verzuim.uren"],'
    '"legal_basis":"wettelijke_plicht","org_id":"leerplicht:GM0363","purpose":"verzuimmelding",'
    '"record_id":"r1","request_id":"req","requested":["leerling.naam"],"role":"leerplicht",'
    f'"subject":"{"ab" * 32}","trace_id":null}}'
)


def entry() -> AccessEntry:
    return AccessEntry(
        Action.DISCLOSE,
        "leerplicht:GM0363",
        "leerplicht",
        "verzuimmelding",
        "wettelijke_plicht",
        subject="ab" * 32,
        record_id="r1",
        fields=("verzuim.uren", "leerling.naam"),
        requested=("leerling.naam",),
        decision="allow",
        afweging={
            "outcome": "allow",
            "ratio": 0.5,
            "checks": [{"rule": "doelbinding", "ok": True, "fields": ("a", "b")}],
        },
        request_id="req",
        at="2026-11-28T20:00:00.000Z",
    )


def test_the_body_is_sorted_compact_json_with_every_field() -> None:
    assert entry().body().decode() == EXPECTED


def test_a_body_reads_back_as_the_same_entry() -> None:
    back = AccessEntry.from_body(entry().body())
    assert back.body() == entry().body()
    assert back.fields == ("leerling.naam", "verzuim.uren")


def test_the_body_does_not_change_the_entry() -> None:
    e = entry()
    e.body()
    assert e.afweging["checks"][0]["fields"] == ("a", "b")
