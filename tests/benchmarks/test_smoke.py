"""The benchmark harness runs every benchmark and reports it: correctness, never speed."""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.bench import bench_app, machine, report, seal
from hub.bench.audit import log_entry
from hub.bench.core import BenchResult, Latency, Options, percentile
from hub.bench.suite import READS, benchmarks
from infra.sealing import SealError, new_key, unseal
from infra.sealing import seal as seal_with_public


@pytest.fixture(scope="module")
def quick_run() -> report.Run:
    """Every registered benchmark once, at the quick sizes, on SQLite."""
    options = Options.quick()
    registered = benchmarks()
    results = {name: run(options) for name, run in registered.items()}
    return report.Run(
        "hub bench all --quick", datetime.now(UTC), 1.0, machine.detect(), options, results, registered, READS
    )


def test_the_suite_registers_every_benchmark() -> None:
    assert list(benchmarks()) == ["ingest", "http", "audit", "policy", "casussen", "overload"]


def test_every_benchmark_gives_positive_figures_beside_its_peer(quick_run: report.Run) -> None:
    for name, results in quick_run.results.items():
        assert results, name
        for r in results:
            assert r.ours > 0 and r.peer > 0 and math.isfinite(r.ours) and math.isfinite(r.peer), r
            assert r.ours_rounds and len(r.ours_rounds) == len(r.peer_rounds) >= 2, r
            assert r.peer_name and r.unit


def test_latencies_where_measured(quick_run: report.Run) -> None:
    http = quick_run.results["http"][0]
    pull = next(r for r in quick_run.results["policy"] if "pull" in r.name)
    for r in (http, pull):
        assert r.ours_latency and r.peer_latency
        assert 0 < r.ours_latency.p50 <= r.ours_latency.p99
        assert 0 < r.peer_latency.p50 <= r.peer_latency.p99
    assert not pull.higher_is_better and pull.goal == 1.5


def test_the_report_renders_every_name_the_machine_and_the_ratio(quick_run: report.Run) -> None:
    text = report.render(quick_run)
    assert "| benchmark | figure | ours | peer | ratio | goal | met? |" in text
    assert quick_run.machine.cpu in text and "## Machine" in text
    assert "`hub bench all --quick`" in text
    for name, results in quick_run.results.items():
        assert f"\n## {name}\n" in text
        assert "Options used: `rounds=2`" in text
        for r in results:
            assert r.name in text and report.ratio_text(r.ratio) in text
    assert "p99" in text


def test_the_seal_through_the_public_binding_stands_beside_the_direct_call(quick_run: report.Run) -> None:
    by_name = {r.name: r for r in quick_run.results["ingest"]}
    sealing = by_name["ingest: seal of a new pupil's event (state + data-key wrap), public binding"]
    opening = by_name["ingest: open of a stored event, public binding"]
    assert sealing.peer_name == seal.DIRECT_SEAL and opening.peer_name == seal.DIRECT_OPEN
    share = sealing.extra[0]
    assert share.startswith("what the public binding's seal adds to a new pupil's event")
    assert "ingest sqlite: " in share and "%" in share and "events/s" in share
    push = by_name["ingest sqlite: sealed store, new pupils, seal through nacl.bindings"]
    assert push.peer_name == "the same, its seals at the direct call's cost, derived"
    assert push.ours_rounds == by_name["ingest sqlite: sealed store, new pupils"].ours_rounds
    assert (push.peer > push.ours) == (sealing.ours < sealing.peer)  # the derived peer saves what the seal costs


@pytest.mark.parametrize("size", [0, 1, 700])
def test_the_direct_peer_seals_what_infra_sealing_opens_and_back(size: int) -> None:
    key, plaintext, aad = new_key(), os.urandom(size), b"aad"
    assert unseal(key, seal.direct_seal(key, plaintext, aad), aad) == plaintext
    assert seal.direct_unseal(key, seal_with_public(key, plaintext, aad), aad) == plaintext
    with pytest.raises(SealError):
        seal.direct_unseal(key, seal_with_public(key, plaintext, aad), b"other")


def test_the_terminal_table_has_a_ratio_column(quick_run: report.Run) -> None:
    table = report.table(quick_run.results["audit"])
    assert table.splitlines()[0].split()[:4] == ["figure", "ours", "peer", "ratio"]


def test_the_cli_writes_the_report(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "benchmarks.md"
    result = CliRunner().invoke(
        bench_app,
        [
            "policy",
            "--quick",
            "--rounds",
            "1",
            "--decisions",
            "50",
            "--small",
            "300",
            "--large",
            "600",
            "--items",
            "10",
            "--pulls",
            "2",
            "--write",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "## policy" in text and "`hub" in text
    assert "pull_sizes=(300, 600)" in text


def test_audit_log_bodies_are_the_size_the_hub_writes() -> None:
    sizes = [len(log_entry(i).body()) for i in range(300)]
    assert min(sizes) >= 500 and max(sizes) <= 700


def test_result_arithmetic() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    assert math.isnan(percentile([], 50))
    assert Latency.of([1.0, 2.0, 3.0]).count == 3
    lower = BenchResult("pull", "ms", 12.0, "small", 10.0, goal=1.5, higher_is_better=False)
    assert lower.ratio == pytest.approx(1.2) and lower.meets_goal is True
    assert BenchResult("x", "events/s", 4.0, "p", 10.0, goal=0.5).meets_goal is False
    assert BenchResult("x", "events/s", 4.0, "p", 10.0).meets_goal is None
    assert report.goal_text(lower) == "≤ 1.5" and report.met_text(lower) == "yes"
    assert report.ratio_text(0.005123) == "0.0051" and report.ratio_text(0.912) == "0.91"


@pytest.mark.postgres
def test_the_postgres_paths_run(pg_cluster) -> None:
    """Ingest and the pull on PostgreSQL (each starts its own throwaway cluster, as `hub bench` does);
    pg_cluster only skips this where PostgreSQL is not installed."""
    options = Options.quick(
        rounds=1,
        events=20,
        pupils=20,
        backend="postgres",
        decisions=20,
        pull_sizes=(200, 400),
        pull_items=10,
        pulls=2,
        pull_backend="postgres",
    )
    registered = benchmarks()
    ingest = registered["ingest"](options)
    pull = [r for r in registered["policy"](options) if "pull" in r.name]
    stored = [r for r in ingest if not r.name.startswith("ingest: ")]  # the seal figures run in memory
    assert stored and all(r.name.startswith("ingest postgres") and r.ours > 0 < r.peer for r in stored)
    assert "ingest postgres: " in next(r for r in ingest if "seal of" in r.name).extra[0]
    assert len(pull) == 1 and pull[0].name.startswith("policy postgres") and pull[0].ours > 0 < pull[0].peer
