"""Structured logging (structlog): JSON in production, readable in a terminal.

Log lines carry ids, codes and counts only. Nothing that identifies a pupil may be
passed to a logger; `tests/reliability/test_no_secrets_in_logs.py` runs every route under
capture to hold us to it. The standard library's records (uvicorn, eventsourcing, httpx) go
through the same processors, so every line has one format and the request id bound to it.
"""

from __future__ import annotations

import logging
import sys

import structlog

from infra.settings import LogFormat, LogLevelName

_HANDLER = "ketenhub"  # our root handler's name: configuring again replaces it, never another's


class _Stdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to sys.stdout as it is at each line, as structlog's own lines do (a CLI runner swaps it)."""

    @property
    def stream(self) -> object:
        return sys.stdout

    @stream.setter
    def stream(self, _: object) -> None:
        pass


def configure(log_format: LogFormat = "console", level: LogLevelName = "INFO") -> None:
    renderer = (
        structlog.processors.JSONRenderer() if log_format == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=False,
    )
    handler = _Stdout()
    handler.name = _HANDLER
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    # The root's level stays the library default (WARNING): a library's chatter (alembic, httpx)
    # stays out of a CLI's output, while uvicorn's lines pass at the level uvicorn sets its own.
    root.handlers = [h for h in root.handlers if h.name != _HANDLER] + [handler]
    for name in ("uvicorn", "uvicorn.error"):  # through ours, not uvicorn's own handlers
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # Its access line holds the raw path and query (case and record ids); hub/observability.py
    # logs each request by its route template instead.
    access = logging.getLogger("uvicorn.access")
    access.handlers = []
    access.propagate = False
