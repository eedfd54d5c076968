"""docs/benchmarks.md and the terminal table, rendered from one run's results.

The file is only ever written by `hub bench … --write`: every figure in it comes from the
run it describes, beside the machine, the command and the options that produced it.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hub.bench.core import Benchmark, BenchResult, Latency, Options
from hub.bench.machine import Machine

if TYPE_CHECKING:
    from hub.bench.scale import ScaleRun

HEADER = ("figure", "ours", "peer", "ratio", "goal", "met?")


@dataclass(frozen=True)
class Run:
    """One `hub bench` invocation: what ran, where, how, and what it measured."""

    command: str
    started: datetime
    seconds: float
    machine: Machine
    options: Options
    results: Mapping[str, list[BenchResult]]  # by benchmark name, in running order
    benchmarks: Mapping[str, Benchmark]
    reads: Mapping[str, tuple[str, ...]]
    load: tuple[float, float] = (math.nan, math.nan)  # 1-minute load average at the start and at the end

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "started": self.started.isoformat(),
            "seconds": round(self.seconds, 1),
            "machine": self.machine.as_dict(),
            "options": self.options.as_dict(),
            "load": list(self.load),
            "results": {name: [r.as_dict() for r in results] for name, results in self.results.items()},
        }


def figure(value: float) -> str:
    """A figure with as many digits as mean something: 12,345 / 123 / 12.3 / 1.23."""
    if math.isnan(value):
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio_text(ratio: float) -> str:
    """Two decimals, or two significant digits for a ratio far below one (0.0051, not 0.01)."""
    if math.isnan(ratio):
        return "—"
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}"


def goal_text(result: BenchResult) -> str:
    sign = "≥" if result.higher_is_better else "≤"
    if result.limit is not None:
        return f"{sign} {result.limit:g} {result.unit} (ours)"
    if result.goal is None:
        return "—"
    return f"{sign} {result.goal:g}"


def met_text(result: BenchResult) -> str:
    met = result.meets_goal
    return "—" if met is None else "yes" if met else "NO"


def row(result: BenchResult) -> tuple[str, ...]:
    """One result as (figure, ours, peer, ratio, goal, met?)."""
    return (
        result.name,
        f"{figure(result.ours)} {result.unit}",
        f"{figure(result.peer)} {result.unit} ({result.peer_name})",
        ratio_text(result.ratio),
        goal_text(result),
        met_text(result),
    )


def _latency_text(latency: Latency | None) -> str:
    if latency is None:
        return "—"
    return f"p50 {figure(latency.p50)} {latency.unit}, p99 {figure(latency.p99)} {latency.unit} (n={latency.count})"


def table(results: Sequence[BenchResult]) -> str:
    """A plain-text table for the terminal, latencies under their figure."""
    rows = [HEADER, *(row(r) for r in results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = []
    for i, cells in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
            continue
        result = results[i - 1]
        if result.ours_latency or result.peer_latency:
            lines.append(
                f"  latency ours: {_latency_text(result.ours_latency)}; peer: {_latency_text(result.peer_latency)}"
            )
    return "\n".join(lines)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    def cells(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

    return [cells(header), "|" + "|".join(":--" if a == "l" else "--:" for a in align) + "|", *(cells(r) for r in rows)]


def _ratio_range(result: BenchResult) -> str:
    """The spread of the round-by-round ratios: how far to trust the ratio of the medians."""
    ratios = sorted(o / p for o, p in zip(result.ours_rounds, result.peer_rounds, strict=False) if p)
    if not ratios:
        return "no round ratios"
    return f"ratio by round {ratio_text(ratios[0])}–{ratio_text(ratios[-1])}"


def _options_used(run: Run, name: str) -> str:
    values = run.options.as_dict()
    return ", ".join(f"`{key}={values[key]!r}`" for key in run.reads.get(name, ()) if key in values)


def _section(run: Run, name: str, results: list[BenchResult]) -> list[str]:
    lines = [f"## {name}", ""]
    doc = inspect.getdoc(run.benchmarks[name]) if name in run.benchmarks else None
    if doc:
        lines += [" ".join(doc.split()), ""]
    lines += _md_table(HEADER, [row(r) for r in results], "llllll")
    latencies = [r for r in results if r.ours_latency or r.peer_latency]
    if latencies:
        lines += ["", "Per-operation latency, over every operation of every round:", ""]
        latency_rows = []
        for r in latencies:
            for side, latency in (("ours", r.ours_latency), (r.peer_name, r.peer_latency)):
                if latency is not None:
                    latency_rows.append(
                        (
                            r.name,
                            side,
                            f"{figure(latency.p50)} {latency.unit}",
                            f"{figure(latency.p99)} {latency.unit}",
                            str(latency.count),
                        )
                    )
        lines += _md_table(("figure", "side", "p50", "p99", "n"), latency_rows, "llrrr")
    notes = list(dict.fromkeys(note for r in results for note in r.extra))
    rounds = [
        f"{r.name}: ours {', '.join(figure(v) for v in r.ours_rounds)}; "
        f"peer {', '.join(figure(v) for v in r.peer_rounds)}; {_ratio_range(r)}"
        for r in results
        if r.ours_rounds
    ]
    lines += ["", "Notes:", "", *(f"- {n}" for n in notes), *(f"- per round, {x}" for x in rounds)]
    lines += ["", f"Options used: {_options_used(run, name)}", ""]
    return lines


def render(run: Run) -> str:
    """The whole of docs/benchmarks.md for `run`."""
    m = run.machine
    lines = [
        "# Benchmarks",
        "",
        "<!-- Written by `hub bench`; do not edit by hand. Refresh with `make bench`. -->",
        "",
        f"Measured on {run.started:%Y-%m-%d %H:%M} UTC by `{run.command}` ({run.seconds / 60:.1f} minutes).",
        "",
        "Each figure of ours stands beside a peer measured in the same run on the same machine, the sides "
        "alternating round by round; both are medians over the rounds. Absolute figures move with the "
        "machine; the ratio ours/peer is what a change to our code moves. A goal is a ratio: a minimum "
        "(≥) where higher is better, a maximum (≤) where lower is; a goal marked (ours) bounds our own "
        "figure, as an issue set it.",
        "",
        "## Machine",
        "",
        *_md_table(
            ("", ""),
            [
                ("CPU", m.cpu),
                ("cores available", str(m.cores)),
                ("RAM", f"{m.ram_gib:g} GiB"),
                ("OS", m.os),
                ("Python", m.python),
                ("SQLite", m.sqlite),
                ("PostgreSQL", m.postgres),
                ("load average (1 min), start / end", f"{run.load[0]:.1f} / {run.load[1]:.1f}"),
            ],
            "ll",
        ),
        "",
        "A load average above the cores available means other processes shared the machine during the "
        "run: absolute figures then drop and rounds scatter more, which the alternating rounds spread "
        "over both sides.",
        "",
        "## Summary",
        "",
        *_md_table(
            ("benchmark", *HEADER), [(name, *row(r)) for name, rs in run.results.items() for r in rs], "lllllll"
        ),
        "",
    ]
    for name, results in run.results.items():
        lines += _section(run, name, results)
    return "\n".join(lines).rstrip() + "\n"


# -- the scale run: a generated section of docs/scaling.md per backend --------------------
def _markers(backend: str) -> tuple[str, str]:
    return f"<!-- scale-run:{backend}:begin -->", f"<!-- scale-run:{backend}:end -->"


def render_scale(
    run: ScaleRun, command: str, started: datetime, seconds: float, machine: Machine, load: tuple[float, float]
) -> str:
    """The generated section of docs/scaling.md for one backend's scale run."""
    # Imported here: the scale run pulls in the use cases, which `hub bench all` alone needs not.
    from hub.bench.scale import (
        NATIONAL_PUSHES_PER_YEAR,
        PEAK_FACTOR,
        SCHOOL_DAYS,
        SCHOOL_HOURS,
        STEP_HEADER,
        national_peak_pushes_per_second,
        step_rows,
    )

    begin, end = _markers(run.backend)
    m = machine
    peak, largest = national_peak_pushes_per_second(), run.steps[-1]
    lines = [
        begin,
        "<!-- Written by `hub bench scale`; do not edit by hand. Refresh with `make bench-scale`. -->",
        "",
        f"Measured on {started:%Y-%m-%d %H:%M} UTC by `{command}` ({seconds / 60:.0f} minutes) on "
        f"{m.cpu}, {m.cores} cores, {m.ram_gib:g} GiB, Python {m.python}, SQLite {m.sqlite}, {m.postgres}; "
        f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end."
        + (
            f" **Under way: {len(run.steps)} of {run.planned} steps measured.**" if len(run.steps) < run.planned else ""
        ),
        "",
        *_md_table(STEP_HEADER, step_rows(run.steps), "rrrrrrrrrrr"),
        "",
        f"A national peak hour ({NATIONAL_PUSHES_PER_YEAR:,} pushes a year in {SCHOOL_DAYS} school days of "
        f"{SCHOOL_HOURS} hours, the peak hour at {PEAK_FACTOR}× the mean) is {peak:.1f} pushes/s: the push rate "
        f"at the largest step is {largest.push / peak:,.0f}× that, from one process writing serially.",
        "",
        "Growth from the smallest step to the largest (ours = largest, peer = smallest; the goal bounds the growth):",
        "",
        *_md_table(HEADER, [row(r) for r in run.results], "llllll"),
        end,
    ]
    return "\n".join(lines)


def replace_scale_section(document: str, backend: str, section: str) -> str:
    """`document` with its generated section for `backend` replaced by `section` (appended if absent)."""
    begin, end = _markers(backend)
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        return head + section + rest.split(end, 1)[1]
    return document.rstrip() + "\n\n" + section + "\n"
