"""What an operator scrapes at /metrics (Prometheus text format): traffic, latency, shedding, faults, the log.

Labels are route templates, methods, statuses, roles and codes: never a path with its ids, never a
key id, never anything of a pupil. With several workers (`hub serve --workers N`) the values are
summed over them through prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter("ketenhub_requests", "HTTP requests answered", ["route", "method", "status", "rol"])
LATENCY = Histogram(
    "ketenhub_request_duration_seconds",
    "Time from the request's arrival to the end of its answer",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PUSHES = Counter("ketenhub_pushes", "Records accepted (a 2xx to a signed POST, PUT or DELETE)", ["route", "rol"])
PULLS = Counter("ketenhub_pulls", "Reads answered (a 2xx to a signed GET)", ["route", "rol"])
REFUSALS = Counter("ketenhub_refusals", "Signed requests refused (4xx)", ["route", "status", "rol"])
SHED = Counter("ketenhub_shed", "Requests not started: at capacity, waited too long, or the client left", ["reden"])
QUEUE = Gauge("ketenhub_queue_depth", "Signed requests admitted and not yet answered", multiprocess_mode="livesum")
DATABASE_ERRORS = Counter(
    "ketenhub_database_errors", "Requests answered 503/507 for a fault of the database", ["fault"]
)


class AccessLogCollector(Collector):
    """The access log's size and the size an auditor last verified, read at each scrape."""

    def __init__(self, sizes: Callable[[], tuple[int, int | None]]) -> None:
        self.sizes = sizes

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            size, verified = self.sizes()
        except Exception:  # the database is down: the other figures still tell the operator so
            return
        yield GaugeMetricFamily("ketenhub_accesslog_size", "Entries in the access log", value=size)
        if verified is not None:
            yield GaugeMetricFamily(
                "ketenhub_accesslog_verified_size", "Tree size of the last passing `hub audit verify`", value=verified
            )


def exposition(log_sizes: Callable[[], tuple[int, int | None]]) -> bytes:
    """Every metric of this process (or of all workers, in multiprocess mode) and of the log."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)  # type: ignore[no-untyped-call]
    else:
        workers = REGISTRY  # this process's metrics, with its CPU, memory and open files
    log = CollectorRegistry()
    log.register(AccessLogCollector(log_sizes))
    return generate_latest(workers) + generate_latest(log)
