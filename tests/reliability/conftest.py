"""Figures of the reliability tests, collected during the run and written to docs/reliability.md.

Each test records what it measured (kills survived, cases fuzzed, rows in the matrix, ...)
through the `figures` fixture; at the end of the session the document is rewritten. A run
of only some of the tests keeps the other figures of the previous run (each says when it
was measured), so the document never loses a section because one file was run alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
_DATA = re.compile(r"<!-- figures\n(.*?)\n-->", re.S)

# Sections in document order: a title and what the section shows.
SECTIONS: dict[str, tuple[str, str]] = {
    "crash": (
        "Crash safety",
        "`hub serve` (real uvicorn) SIGKILLed at random moments while three threads push and "
        "correct meldingen over signed HTTP; afterwards every acknowledged write is read back, events, "
        "directory rows, access-log write entries and idempotency records are checked against each other, "
        "unacknowledged pushes are retried with their Idempotency-Key, and the access log is verified "
        "(chain, Merkle tree, signed tree head). tests/reliability/test_crash_safety.py",
    ),
    "concurrency": (
        "Concurrency",
        "Parallel corrections of one melding and parallel identical pushes with one "
        "Idempotency-Key, threads against the real server. tests/reliability/test_concurrency.py",
    ),
    "fuzz": (
        "API fuzzing",
        "schemathesis over the published OpenAPI, every operation, valid and invalid data, each "
        "request signed (RFC 9421); checks: no 5xx, and status code, content type and body conform to the "
        "schema. tests/reliability/test_fuzzing.py",
    ),
    "hostile": (
        "Hostile input",
        "Huge bodies, deep JSON, invalid UTF-8, NaN/Infinity, negative and enormous "
        "numbers, SQL and path injection in every identifier, path id and query, bad Idempotency-Keys; each "
        "must be a 4xx problem+json with no row written. Header smuggling is tried on the real server. "
        "tests/reliability/test_hostile_input.py, test_smuggling.py",
    ),
    "authz": (
        "Authorization matrix",
        "Every /v1 route × every role, the expected status of each cell; a route "
        "without a row fails the test. tests/reliability/test_authz_matrix.py",
    ),
    "keys": (
        "Keys",
        "A lost or wrong master key stops the hub; a rotation while pushes go on loses nothing. "
        "tests/reliability/test_keys.py",
    ),
    "logs": (
        "Secrets never in logs",
        "Every route for every role plus refusals and errors under capture of "
        "structlog, stdlib (uvicorn, httpx, eventsourcing) and the process's output; the killed server's "
        "output is checked too. tests/reliability/test_no_secrets_in_logs.py",
    ),
}


@dataclass
class Figure:
    """One measured number (or short text) and when it was measured."""

    section: str
    label: str
    value: int | float | str
    at: str


class Figures:
    """What the tests of this session measured, keyed by a stable name."""

    def __init__(self) -> None:
        self.items: dict[str, Figure] = {}

    def record(self, key: str, label: str, value: int | float | str) -> None:
        section = key.split(".", 1)[0]
        if section not in SECTIONS:
            raise KeyError(f"unknown section {section!r}: add it to SECTIONS")
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self.items[key] = Figure(section, label, value, now)

    def add(self, key: str, label: str, value: int) -> None:
        """Add to a count (for figures several tests contribute to)."""
        before = self.items.get(key)
        self.record(key, label, value + (int(before.value) if before else 0))


_FIGURES = Figures()


@pytest.fixture(scope="session")
def figures() -> Figures:
    return _FIGURES


@pytest.fixture
def world(register, app):
    """The authorization matrix's parties (tests/reliability/test_authz_matrix.py), registered."""
    from tests.reliability.test_authz_matrix import World

    w = World(register, app)
    yield w
    w.close()


def _previous() -> dict[str, Figure]:
    if not DOC.exists():
        return {}
    found = _DATA.search(DOC.read_text())
    if not found:
        return {}
    try:
        return {k: Figure(**v) for k, v in json.loads(found.group(1)).items()}
    except (ValueError, TypeError):
        return {}


def render(items: dict[str, Figure]) -> str:
    lines = [
        "# Reliability and security figures",
        "",
        "Written by the test run (`tests/reliability/conftest.py`), not by hand: run",
        "`make test` or `.venv/bin/python -m pytest -q tests/reliability` to refresh it.",
        "Each figure says when it was last measured. Issue 7 states what these tests must show.",
        "",
    ]
    for section, (title, about) in SECTIONS.items():
        rows = [(k, f) for k, f in items.items() if f.section == section]
        if not rows:
            continue
        lines += [f"## {title}", "", about, "", "| figure | value | measured |", "|---|---:|---|"]
        lines += [f"| {f.label} | {f.value} | {f.at} |" for _, f in rows]
        lines.append("")
    data = json.dumps({k: asdict(f) for k, f in items.items()}, indent=1, ensure_ascii=False)
    lines += ["<!-- figures", data, "-->", ""]
    return "\n".join(lines)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _FIGURES.items or hasattr(session.config, "workerinput"):
        return
    merged = {**_previous(), **_FIGURES.items}
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render(merged))
