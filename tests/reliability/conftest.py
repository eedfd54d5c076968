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

# Sections in document order, with what each shows.
SECTIONS: dict[str, str] = {
    "crash": "Crash safety: `hub serve` (real uvicorn) SIGKILLed at random moments while signed pushes "
             "and corrections go on; then every acknowledged write is read back, the tables are checked "
             "against each other, unacknowledged pushes are retried with their Idempotency-Key, and the "
             "access log is verified (chain, Merkle tree, signed tree head).",
    "concurrency": "Concurrency: parallel corrections of one melding (one version each) and parallel "
                   "identical pushes with one Idempotency-Key, through threads on the real server.",
    "fuzz": "API fuzzing: schemathesis over the published OpenAPI, every operation, each request signed "
            "(RFC 9421); checks: no 5xx, status code, content type and body conform to the schema.",
    "hostile": "Hostile input: huge bodies, deep JSON, invalid UTF-8, NaN/Infinity, negative and enormous "
               "numbers, SQL and path injection in every identifier, header smuggling on the real server; "
               "each must be a 4xx problem+json with no row written.",
    "authz": "Authorization matrix: every /v1 route × every role, the expected status per cell "
             "(tests/reliability/test_authz_matrix.py); a route without a row fails the test.",
    "keys": "Keys: missing master key file, wrong master key, rotation during pushes.",
    "logs": "Secrets never in logs: representative operations under capture of structlog, stdlib and "
            "uvicorn logging and the server subprocess's output.",
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
    for section, about in SECTIONS.items():
        rows = [(k, f) for k, f in items.items() if f.section == section]
        if not rows:
            continue
        lines += [f"## {section}", "", about, "", "| figure | value | measured |", "|---|---:|---|"]
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
