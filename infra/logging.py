"""Structured logging (structlog): JSON in production, readable in a terminal.

Log lines carry ids, codes and counts only. Nothing that identifies a pupil may be
passed to a logger; `tests/security` runs the suite under capture to hold us to it.
"""

from __future__ import annotations

import logging

import structlog

from infra.settings import LogFormat, LogLevelName


def configure(log_format: LogFormat = "console", level: LogLevelName = "INFO") -> None:
    renderer = (
        structlog.processors.JSONRenderer() if log_format == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=False,
    )
