"""The HTTP/1.1 server under the app: uvicorn's h11 protocol with a deadline for the request head,
and its own refusals (a malformed request, a head too large) as problem+json like every other.

uvicorn closes an idle keep-alive connection but not one that sends its head a byte at a time, nor
a new connection that sends nothing; a few hundred such clients would hold every socket. Here the
head of each request must be complete within HUB_HEADER_TIMEOUT_SECONDS of the connection opening
or of the previous response; the body's deadline is admission's (hub/admission.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from functools import cache
from pathlib import Path

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.problems import PROBLEM_JSON, TITLES, problem_document
from infra.logging import configure
from infra.settings import Settings

# uvicorn's default for h11's buffer: a request head larger than this is refused (431).
MAX_HEAD_BYTES = 16 * 1024


@cache
def header_timeout() -> float:
    """Read once per process: uvicorn builds the protocol, not the app, for each connection."""
    return float(Settings().header_timeout_seconds)


def _head_too_large(buffered: bytes) -> bool:
    end = buffered.find(b"\r\n\r\n", 0, MAX_HEAD_BYTES + 4)
    return end == -1 and len(buffered) > MAX_HEAD_BYTES


class HubProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus a head deadline and problem+json for what the parser refuses."""

    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # h11 bounds only a head still incomplete; one that arrives whole in a read is bounded here.
        if self.conn.their_state is h11.IDLE and _head_too_large(self.conn.trailing_data[0] + data):
            self._refuse(
                431, "kop-te-groot", f"the request head is larger than the hub accepts ({MAX_HEAD_BYTES} bytes)"
            )
            return
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        if len(self.conn.trailing_data[0]) > MAX_HEAD_BYTES:
            self._refuse(
                431, "kop-te-groot", f"the request head is larger than the hub accepts ({MAX_HEAD_BYTES} bytes)"
            )
        else:
            self._refuse(400, "ongeldig-http", "the request is not valid HTTP (RFC 9112 framing)")

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(header_timeout(), self._head_late)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return  # a request is being served; its body has admission's deadline
        if self.conn.trailing_data[0]:
            self._refuse(408, "te-traag", f"the request head did not arrive within {header_timeout():g} s")
        else:  # a connection that never asked anything: nobody to tell
            self.transport.close()

    def _refuse(self, status: int, type_: str, detail: str) -> None:
        # Written raw: h11 will not frame a response to a request it never parsed.
        body = json.dumps(problem_document(status, type_, detail)).encode()
        head = (
            f"HTTP/1.1 {status} {TITLES[status]}\r\ncontent-type: {PROBLEM_JSON}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head.encode("ascii") + body)
        self.transport.close()


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    """uvicorn with this protocol, its logging through ours (infra/logging.py), metrics summed over workers."""
    import uvicorn

    configure(settings.log_format, settings.log_level)
    if workers > 1:
        _metrics_dir(settings.var_dir / "metrics")
    uvicorn.run(
        "hub.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=HubProtocol,
        log_config=None,
        access_log=False,
        log_level=settings.log_level.lower(),
    )


def _metrics_dir(path: Path) -> None:
    # prometheus-client's multiprocess files: emptied at each start (the old workers' counts are
    # gone with them), private like the rest of HUB_VAR_DIR.
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(mode=0o700, parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
