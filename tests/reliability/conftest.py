"""Figures of the reliability tests: measured by every run, written to docs/reliability.md only on demand.

Each test records what it measured (kills survived, cases fuzzed, rows in the matrix, ...)
through the `figures` fixture. `make reliability-report` runs tests/reliability with
`--reliability-report docs/reliability.md`, which writes the document after a passing run; no
other run writes a file. Every other run of the directory ends with tests/reliability/test_report.py,
which fails when this run measured other values than the committed document holds.

The document holds no timings and no values that depend on timing or random data (`VARIES`): those
figures are listed by name, and every run prints their values in its summary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
OPTION = "--reliability-report"
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
    "faults": (
        "Faults of the hub's dependencies",
        "PostgreSQL halted with pg_ctl under signed pushes and started again; SQLite on an 8 MiB tmpfs "
        "filled up (as root). Every answer meanwhile is a 503 or 507 problem+json with Retry-After within "
        "the bound; readiness names the failing check; the hub recovers without a restart and every "
        "acknowledged push reads back. tests/reliability/test_dependency_faults.py",
    ),
    "load": (
        "Load, limits and slow clients",
        "A worker at capacity refuses the next signed request with a 503 problem+json at once; work no "
        "store thread picked up within HUB_QUEUE_WAIT_MS is a 503 and never starts; a push whose client "
        "left while it waited is not committed; a key over its role's bucket gets a 429 with RateLimit "
        "headers, and a forged request with its key id spends nothing; a head sent byte by byte, a silent "
        "connection and a stalled body are closed by their deadlines, heads over 16 KiB are a 431 and "
        "bodies that are not UTF-8 JSON a 400 or 415, all problem+json and none writing a row; a hung "
        "statement is a 503 within HUB_DATABASE_TIMEOUT_SECONDS. tests/reliability/test_load_shedding.py, "
        "test_rate_limits.py, test_connection_hygiene.py, test_dependency_faults.py",
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


# Figures whose value depends on timing or random data (where a SIGKILL lands, who wins a race,
# generated cases, random pupil numbers): named in the document, their values only in a run's summary.
VARIES = (
    "crash.*.acked",
    "crash.*.unacked",
    "crash.*.replayed",
    "crash.*.corrections",
    "crash.*.records",
    "crash.*.verified",
    "concurrency.*.won",
    "concurrency.*.conflicts",
    "keys.*.rotations",
    "keys.*.pushes",
    "keys.*.refused",
    "fuzz.cases",
    "faults.*.slowest",
    "faults.*.answered",
    "faults.sqlite.read_back",
    "load.*.slowest",
    "logs.secrets",
    "logs.lines",  # the libraries' DEBUG lines (httpcore's connection reuse) now reach the output too
)
VARIES_CELL = "varies by run"


def varies(key: str) -> bool:
    return any(fnmatch(key, pattern) for pattern in VARIES)


@dataclass
class Figure:
    """One measured number (or short text)."""

    label: str
    value: int | float | str | None

    def kept(self, key: str) -> Figure:
        """The figure as the document keeps it: without the value of a figure that varies by run."""
        return Figure(self.label, None if varies(key) else self.value)


class Figures:
    """What the tests of this session measured, keyed by a stable name."""

    def __init__(self) -> None:
        self.items: dict[str, Figure] = {}

    def record(self, key: str, label: str, value: int | float | str) -> None:
        if key.split(".", 1)[0] not in SECTIONS:
            raise KeyError(f"unknown section {key.split('.', 1)[0]!r}: add it to SECTIONS")
        self.items[key] = Figure(label, value)

    def add(self, key: str, label: str, value: int) -> None:
        """Add to a count (for figures several tests contribute to)."""
        before = self.items.get(key)
        self.record(key, label, value + (int(before.value or 0) if before else 0))


_FIGURES = Figures()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        metavar="PATH",
        default=None,
        help="after a passing run, write the reliability figures to PATH (make reliability-report)",
    )


def report_path(config: pytest.Config) -> Path | None:
    # getoption's default: when only the repository's root is named, this conftest registers late.
    path = config.getoption(OPTION.lstrip("-").replace("-", "_"), default=None)
    return Path(path) if path else None


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The report check runs last, after every figure of the session was recorded."""
    last = [item for item in items if item.nodeid.startswith("tests/reliability/test_report.py")]
    if last:
        items[:] = [item for item in items if item not in last] + last


def parse(text: str) -> dict[str, Figure]:
    """The figures a document holds (none when it holds no readable figures block)."""
    found = _DATA.search(text)
    if not found:
        return {}
    try:
        return {k: Figure(v["label"], v["value"]) for k, v in json.loads(found.group(1)).items()}
    except (ValueError, TypeError, KeyError):
        return {}


def merged(committed: dict[str, Figure], measured: dict[str, Figure]) -> dict[str, Figure]:
    """The committed figures with this run's measured ones in their place (new ones at the end)."""
    return {k: f.kept(k) for k, f in {**committed, **measured}.items()}


def render(items: dict[str, Figure]) -> str:
    items = {k: f.kept(k) for k, f in items.items()}
    lines = [
        "# Reliability and security figures",
        "",
        "Written by `make reliability-report` (`tests/reliability/conftest.py`), not by hand; every other",
        "run of tests/reliability checks that it measures what this document says",
        "(tests/reliability/test_report.py). A figure that depends on timing or random data says",
        f'"{VARIES_CELL}": each run prints its value in the test summary. Issue 7 states what these',
        "tests must show.",
        "",
    ]
    for section, (title, about) in SECTIONS.items():
        rows = [(k, f) for k, f in items.items() if k.split(".", 1)[0] == section]
        if not rows:
            continue
        lines += [f"## {title}", "", about, "", "| figure | value |", "|---|---:|"]
        lines += [f"| {f.label} | {VARIES_CELL if f.value is None else f.value} |" for _, f in rows]
        lines.append("")
    data = json.dumps({k: {"label": f.label, "value": f.value} for k, f in items.items()}, indent=1, ensure_ascii=False)
    lines += ["<!-- figures", data, "-->", ""]
    return "\n".join(lines)


_OUTCOME: list[str] = []  # what became of the report this session, for the summary


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = report_path(session.config)
    if path is None or hasattr(session.config, "workerinput"):
        return
    if not _FIGURES.items:  # e.g. a path without the reliability tests
        _OUTCOME.append(f"{path} not written: this run measured no figure")
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    elif exitstatus != 0:  # a failed run's figures are not a report
        _OUTCOME.append(f"{path} not written: the run failed")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(_FIGURES.items), encoding="utf-8")
        _OUTCOME.append(f"wrote {path}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    shown = [(k, f) for k, f in _FIGURES.items.items() if varies(k)]
    if shown:
        terminalreporter.section("reliability figures that vary by run (not kept in docs/reliability.md)")
        for key, figure in shown:
            terminalreporter.write_line(f"{figure.label}: {figure.value}  [{key}]")
    for line in _OUTCOME:
        terminalreporter.write_line(line)
