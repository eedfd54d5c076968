"""`hub bench`: run the benchmarks, print each figure beside its peer, write docs/benchmarks.md."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from hub.bench import machine, report
from hub.bench.core import Backend, BenchResult, MissingExtra, Options, check_extras

if TYPE_CHECKING:
    from hub.bench.scale import ScaleRun

bench_app = typer.Typer(help="Benchmarks: our figures beside a peer's, measured in the same run.", no_args_is_help=True)

Quick = Annotated[bool, typer.Option("--quick", help="Small sizes: a smoke run in seconds (figures mean little)")]
Write = Annotated[Path | None, typer.Option("--write", help="Write the report (markdown) to this file")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the results as JSON instead of tables")]
Rounds = Annotated[int | None, typer.Option(min=1, help="Rounds per benchmark (each round runs every side once)")]
BackendOpt = Annotated[Backend | None, typer.Option(help="sqlite, postgres or both")]


def _progress(message: str) -> None:
    typer.echo(f"[{datetime.now():%H:%M:%S}] {message}", err=True)


def _options(quick: bool, **changes: Any) -> Options:
    given = {k: v for k, v in changes.items() if v is not None}
    base = Options.quick() if quick else Options()
    return dataclasses.replace(base, progress=_progress, **given)


def _command() -> str:
    return shlex.join(["hub", *sys.argv[1:]])


def _refuse(missing: MissingExtra) -> NoReturn:
    """One line naming the extra to install, exit code 2 (a usage error): no traceback."""
    typer.secho(str(missing), fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _run(names: list[str], options: Options, write: Path | None, as_json: bool) -> None:
    """Run `names` in order; a benchmark that fails is reported and the others still run,
    but then no report is written (a report is of a whole run) and the exit code is 1.
    A benchmark whose peer needs the `bench` extra, on an install without it, stops the run
    before anything runs (exit code 2)."""
    # Imported here: the benchmarks pull in their peers and the whole hub, and every other
    # `hub` command must start without them.
    from hub.bench.suite import READS, benchmarks

    registered = benchmarks()
    try:
        check_extras(names)
    except MissingExtra as missing:
        _refuse(missing)
    started, start, load_before = datetime.now(UTC), perf_counter(), os.getloadavg()[0]
    results: dict[str, list[BenchResult]] = {}
    failed: list[str] = []
    for name in names:
        _progress(f"{name}: running")
        began = perf_counter()
        try:
            results[name] = registered[name](options)
        except MissingExtra as missing:  # a peer that did not declare what it needs
            _refuse(missing)
        except Exception:
            failed.append(name)
            typer.secho(f"{name} failed:\n{traceback.format_exc()}", fg=typer.colors.RED, err=True)
            continue
        _progress(f"{name}: done in {perf_counter() - began:.0f} s")
        if not as_json:
            typer.echo(f"\n{name}\n{report.table(results[name])}\n")
    run = report.Run(
        _command(),
        started,
        perf_counter() - start,
        machine.detect(),
        options,
        results,
        registered,
        READS,
        (load_before, os.getloadavg()[0]),
    )
    if as_json:
        typer.echo(json.dumps(run.as_dict(), indent=2, default=str))
    if failed:
        typer.secho(f"failed: {', '.join(failed)}; no report written", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    if write is not None:
        write.parent.mkdir(parents=True, exist_ok=True)
        write.write_text(report.render(run), encoding="utf-8")
        _progress(f"wrote {write}")


@bench_app.command("all")
def bench_all(
    quick: Quick = False,
    rounds: Rounds = None,
    backend: Annotated[Backend | None, typer.Option(help="ingest: sqlite, postgres or both")] = None,
    pull_backend: Annotated[Backend | None, typer.Option(help="policy pull: sqlite, postgres or both")] = None,
    write: Write = None,
    as_json: AsJson = False,
) -> None:
    """Run every benchmark (full sizes: about 20 minutes; --quick: well under a minute)."""
    options = _options(quick, rounds=rounds, backend=backend, pull_backend=pull_backend)
    from hub.bench.suite import benchmarks

    _run(list(benchmarks()), options, write, as_json)


@bench_app.command("ingest")
def bench_ingest(
    quick: Quick = False,
    rounds: Rounds = None,
    events: Annotated[int | None, typer.Option(min=1, help="Events each side stores per round")] = None,
    pupils: Annotated[int | None, typer.Option(min=1, max=1818, help="Distinct pupils in the workload")] = None,
    backend: BackendOpt = None,
    write: Write = None,
    as_json: AsJson = False,
) -> None:
    """Storing meldingen through the sealed store against plain eventsourcing; the seal beside the direct call."""
    _run(["ingest"], _options(quick, rounds=rounds, events=events, pupils=pupils, backend=backend), write, as_json)


@bench_app.command("http")
def bench_http(
    quick: Quick = False,
    rounds: Rounds = None,
    requests: Annotated[int | None, typer.Option(min=1, help="Pushes each server gets per round")] = None,
    concurrency: Annotated[int | None, typer.Option(min=1, help="Client threads")] = None,
    write: Write = None,
    as_json: AsJson = False,
) -> None:
    """Signed pushes per second through the hub against a no-op FastAPI endpoint."""
    _run(["http"], _options(quick, rounds=rounds, requests=requests, concurrency=concurrency), write, as_json)


@bench_app.command("audit")
def bench_audit(
    quick: Quick = False,
    rounds: Rounds = None,
    log_entries: Annotated[int | None, typer.Option(min=1, help="Entries in the log verify_log reads")] = None,
    pushes: Annotated[int | None, typer.Option(min=1, help="Pushes per side per round (append figure)")] = None,
    verify_rounds: Annotated[int | None, typer.Option(min=1, help="Rounds of the verify sides")] = None,
    write: Write = None,
    as_json: AsJson = False,
) -> None:
    """Access-log appends with a push, and verify_log against a bare chain and pymerkle."""
    options = _options(quick, rounds=rounds, log_entries=log_entries, pushes=pushes, verify_rounds=verify_rounds)
    _run(["audit"], options, write, as_json)


@bench_app.command("casussen")
def bench_casussen(
    quick: Quick = False,
    rounds: Rounds = None,
    cases: Annotated[int | None, typer.Option(min=1, help="Cases of the SWV in the store (a third open)")] = None,
    backend: BackendOpt = None,
    write: Write = None,
    as_json: AsJson = False,
) -> None:
    """The SWV's list of open thuiszitter cases against a plain event-sourced list of the same cases."""
    _run(["casussen"], _options(quick, rounds=rounds, cases=cases, backend=backend), write, as_json)


@bench_app.command("overload")
def bench_overload(
    quick: Quick = False,
    rounds: Annotated[int | None, typer.Option(min=1, help="Rounds (each runs both hubs' two phases)")] = None,
    seconds: Annotated[float | None, typer.Option(min=0.1, help="Seconds at ten times the sustainable rate")] = None,
    backend: BackendOpt = None,
    write: Write = None,
    as_json: AsJson = False,
) -> None:
    """Pushes at ten times the sustainable rate against the same hub with shedding off."""
    options = _options(quick, overload_rounds=rounds, overload_seconds=seconds, backend=backend)
    _run(["overload"], options, write, as_json)


@bench_app.command("policy")
def bench_policy(
    quick: Quick = False,
    rounds: Rounds = None,
    decisions: Annotated[int | None, typer.Option(min=1, help="decide() calls per side per round")] = None,
    small: Annotated[int | None, typer.Option(min=1, help="Meldingen in the small store")] = None,
    large: Annotated[int | None, typer.Option(min=1, help="Meldingen in the large store")] = None,
    items: Annotated[int | None, typer.Option(min=1, max=500, help="Feed items per pull")] = None,
    pulls: Annotated[int | None, typer.Option(min=1, help="Pulls per store per round")] = None,
    backend: BackendOpt = None,
    write: Write = None,
    as_json: AsJson = False,
) -> None:
    """decide() against a dict allow-list, and a feed pull at a small and a large store."""
    base = _options(quick)
    sizes = (small or base.pull_sizes[0], large or base.pull_sizes[1])
    options = _options(
        quick, rounds=rounds, decisions=decisions, pull_sizes=sizes, pull_items=items, pulls=pulls, pull_backend=backend
    )
    _run(["policy"], options, write, as_json)


@bench_app.command("scale")
def bench_scale(
    quick: Quick = False,
    meldingen: Annotated[str | None, typer.Option(help="Stored meldingen at each step, comma-separated")] = None,
    log: Annotated[str | None, typer.Option(help="Access-log entries at each step, comma-separated")] = None,
    pushes: Annotated[int | None, typer.Option(min=1, help="Pushes timed at each step")] = None,
    backend: BackendOpt = None,
    write: Annotated[
        Path | None,
        typer.Option("--write", help="Replace this backend's generated section of this file (docs/scaling.md)"),
    ] = None,
) -> None:
    """A national year: one store grown in steps, push, pull, verify, proofs and inzage at each."""
    from hub.bench.ingest import backends
    from hub.bench.scale import scale_on  # imports the benchmarks' peers, as _run does

    def sizes(text: str | None) -> tuple[int, ...] | None:
        return None if text is None else tuple(int(s.replace("_", "")) for s in text.split(","))

    options = _options(
        quick, scale_meldingen=sizes(meldingen), scale_log=sizes(log), scale_pushes=pushes, scale_backend=backend
    )
    for name in backends(options.scale_backend):
        run = scale_on(name, options, on_step=_section_writer(write))
        typer.echo(f"\nscale {run.backend}\n{report.table(run.results)}\n")


def _section_writer(write: Path | None) -> Callable[[ScaleRun], None]:
    """What a scale run calls after each step: its backend's section of `write`, rewritten."""
    started, start, load_before = datetime.now(UTC), perf_counter(), os.getloadavg()[0]

    def write_section(run: ScaleRun) -> None:
        if write is None:
            return
        section = report.render_scale(
            run, _command(), started, perf_counter() - start, machine.detect(), (load_before, os.getloadavg()[0])
        )
        existing = write.read_text(encoding="utf-8") if write.exists() else ""
        write.write_text(report.replace_scale_section(existing, run.backend, section), encoding="utf-8")
        _progress(f"wrote the {run.backend} section of {write} ({len(run.steps)} of {run.planned} steps)")

    return write_section
