"""`hub bench` on an install without the `bench` extra: one line naming it, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.bench import bench_app
from hub.bench.audit import pymerkle_rate
from hub.bench.core import INSTALL_HINT, MissingExtra, check_extras
from hub.bench.suite import benchmarks

ROOT = Path(__file__).parents[2]
# The console script's own entry point, with pymerkle made unimportable first
# (None in sys.modules is what a missing package looks like to `import`).
_WITHOUT_PYMERKLE = "import sys; sys.modules['pymerkle'] = None; from hub.cli import main; sys.argv[0] = 'hub'; main()"


@pytest.fixture
def no_pymerkle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymerkle", None)


@pytest.mark.parametrize("command", [["audit", "--quick"], ["all", "--quick"]])
def test_a_benchmark_needing_pymerkle_names_the_extra_and_exits_2(no_pymerkle: None, command: list[str]) -> None:
    result = CliRunner().invoke(bench_app, command)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"hub bench audit needs pymerkle, which is in the 'bench' extra: {INSTALL_HINT}"
    ]
    assert "pip install 'ketenhub[bench]'" in result.output
    assert not isinstance(result.exception, MissingExtra)  # handled, not raised out of the command


def test_the_console_script_says_the_same_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_PYMERKLE, "bench", "audit", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"hub bench audit needs pymerkle, which is in the 'bench' extra: {INSTALL_HINT}"
    ]
    assert "Traceback" not in done.stderr


def test_only_the_audit_benchmark_needs_the_extra(no_pymerkle: None) -> None:
    check_extras([name for name in benchmarks() if name != "audit"])  # raises nothing
    with pytest.raises(MissingExtra):
        check_extras(list(benchmarks()))


def test_the_peer_itself_refuses_with_the_same_error(no_pymerkle: None) -> None:
    with pytest.raises(MissingExtra, match=r"pip install 'ketenhub\[bench\]'"):
        pymerkle_rate(list, 0)


def test_a_benchmark_without_the_extra_still_runs(no_pymerkle: None) -> None:
    result = CliRunner().invoke(
        bench_app, ["ingest", "--quick", "--rounds", "1", "--events", "10", "--pupils", "10", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"ingest sqlite: sealed store, new pupils"' in result.output
