"""The benchmark harness behind `hub bench`: our figures beside a peer's, measured in the same run.

It sits above what it measures (`hub`, `adapters`, `infra`), so nothing below imports it.
`hub.cli` mounts `bench_app`; the benchmarks themselves (and their peers) are imported only
when a benchmark runs, so every other `hub` command starts without them.
"""

from __future__ import annotations

from hub.bench.cli import bench_app

__all__ = ["bench_app"]
