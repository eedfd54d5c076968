"""The scale run grows one store and measures it at every step: correctness, never speed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.bench import bench_app, machine, report
from hub.bench.core import Options
from hub.bench.scale import FIGURES, STEP_HEADER, ScaleRun, scale_on

SMALL = Options.quick(scale_meldingen=(300, 900), scale_log=(2_000, 5_000), scale_pushes=10, pulls=2, pull_items=20)


@pytest.fixture(scope="module")
def run() -> ScaleRun:
    return scale_on("sqlite", SMALL)


def test_every_step_is_measured_on_a_store_of_its_size(run: ScaleRun) -> None:
    assert [(s.meldingen, s.log_entries) for s in run.steps] == [(300, 2_000), (900, 5_000)]
    for step in run.steps:
        assert step.push > 0 and step.push_latency.count == 10
        assert step.pull.count == 2 and step.pull.p50 > 0
        assert step.verify > 0 and step.verify_seconds > 0
        assert step.first_proof_ms > 0 and step.proof.count > 0 and step.inzage.count > 0
    assert run.steps[1].database_bytes > run.steps[0].database_bytes > 0


def test_each_figure_stands_beside_the_smallest_step(run: ScaleRun) -> None:
    assert len(run.results) == len(FIGURES)
    for result in run.results:
        assert "900 meldingen, 5,000 log entries" in result.name
        assert result.peer_name == "the same at 300 meldingen, 2,000 log entries"
        assert result.ours > 0 and result.peer > 0


def test_steps_must_grow() -> None:
    with pytest.raises(ValueError):
        scale_on("sqlite", dataclasses.replace(SMALL, scale_meldingen=(900, 300), scale_log=(2_000, 5_000)))
    with pytest.raises(ValueError):
        scale_on("sqlite", dataclasses.replace(SMALL, scale_meldingen=(300,), scale_log=(2_000, 5_000)))


def test_the_section_replaces_only_its_own_backend(run: ScaleRun) -> None:
    doc = "# Scaling\n\nprose\n\n<!-- scale-run:postgres:begin -->\nold pg\n<!-- scale-run:postgres:end -->\n"
    section = report.render_scale(
        run, "hub bench scale", datetime(2026, 11, 28, tzinfo=UTC), 60.0, machine.detect(), (0.1, 0.2)
    )
    once = report.replace_scale_section(doc, "sqlite", section)
    twice = report.replace_scale_section(once, "sqlite", section)
    assert once == twice and "old pg" in once and "prose" in once
    assert "| " + " | ".join(STEP_HEADER) + " |" in once


def test_the_cli_writes_its_section_into_the_document(tmp_path: Path) -> None:
    target = tmp_path / "scaling.md"
    target.write_text("# Scaling\n\nhand-written prose stays\n", encoding="utf-8")
    result = CliRunner().invoke(
        bench_app,
        [
            "scale",
            "--quick",
            "--meldingen",
            "200,400",
            "--log",
            "1000,2000",
            "--pushes",
            "5",
            "--write",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "hand-written prose stays" in text
    assert "<!-- scale-run:sqlite:begin -->" in text and "| 400 | 2,000 |" in text


def test_a_run_under_way_reports_after_each_step_and_says_so() -> None:
    seen: list[ScaleRun] = []
    options = dataclasses.replace(SMALL, scale_meldingen=(100, 200, 300), scale_log=(500, 1_000, 1_500))
    final = scale_on("sqlite", options, on_step=seen.append)
    assert [(len(r.steps), r.planned) for r in seen] == [(2, 3), (3, 3)]
    assert final.planned == 3 and len(final.steps) == 3
    partial = report.render_scale(
        seen[0], "hub bench scale", datetime(2026, 11, 28, tzinfo=UTC), 1.0, machine.detect(), (0.1, 0.2)
    )
    assert "Under way: 2 of 3 steps measured" in partial
    assert "Under way" not in report.render_scale(
        final, "hub bench scale", datetime(2026, 11, 28, tzinfo=UTC), 1.0, machine.detect(), (0.1, 0.2)
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_docs_scaling_holds_a_whole_national_year_run(backend: str) -> None:
    """Issue 6: at least one million meldingen and ten million log entries, measured by the command."""
    doc = (Path(__file__).parents[2] / "docs" / "scaling.md").read_text(encoding="utf-8")
    begin, end = f"<!-- scale-run:{backend}:begin -->", f"<!-- scale-run:{backend}:end -->"
    section = doc.split(begin, 1)[1].split(end, 1)[0]
    assert "`hub bench scale" in section and "Under way" not in section
    assert "| 1,000,000 | 10,000,000 |" in section
