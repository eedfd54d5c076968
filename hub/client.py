"""A small client for partners, the demo and the tests: signs every request the hub's way.

client = httpx.Client(base_url="https://hub.example", auth=SignatureAuth("school:12AB00#1", seed))
client.post("/v1/verzuimmeldingen", json=..., headers={"Idempotency-Key": "..."})
"""

from __future__ import annotations

from collections.abc import Generator

import httpx

from hub.signatures import ACTOR_HEADER, Message, sign_message


class SignatureAuth(httpx.Auth):
    """httpx authentication that adds Content-Digest and an Ed25519 RFC 9421 signature."""

    requires_request_body = True

    def __init__(self, key_id: str, seed: bytes, actor: str | None = None) -> None:
        self.key_id = key_id
        self._seed = seed
        self.actor = actor

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.actor and ACTOR_HEADER not in request.headers:
            request.headers[ACTOR_HEADER] = self.actor
        message = Message.of(request.method, str(request.url), request.headers.items())
        sign_message(message, key_id=self.key_id, seed=self._seed, body=request.content)
        for name in ("content-digest", "signature-input", "signature"):
            if name in message.headers:
                request.headers[name] = message.headers[name]
        yield request
