"""What every step of `hub demo` prints, and the partner it speaks for: Dutch, for a school administrator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import typer

from domain.parties import Organisation


@dataclass
class Partner:
    """A registered party with its own signed HTTP client."""

    label: str
    org: Organisation
    client: httpx.Client


def say(text: str = "", *, bold: bool = False) -> None:
    typer.secho(text, bold=bold)


def step(n: int, who: str, what: str) -> None:
    say()
    say(f"Stap {n}. {who}: {what}", bold=True)


def afweging(a: dict[str, Any]) -> None:
    say(f"   afweging: {a['outcome']} · grondslag {', '.join(a['legal_basis']) or '-'}")
    for criterion in ("proportionaliteit", "subsidiariteit", "doelmatigheid"):
        w = a[criterion]
        say(f"     {criterion:<18} {'ok' if w['passed'] else 'NEE'}: {w['reden']}")
    for name, why in a["withheld"].items():
        say(f"     achtergehouden {name}: {why['reden']}")


def check(r: httpx.Response, *expected: int) -> dict[str, Any]:
    if r.status_code not in expected:
        raise RuntimeError(f"{r.request.method} {r.request.url.path} answered {r.status_code}: {r.text}")
    body = r.json()
    if not isinstance(body, dict):
        raise RuntimeError(f"{r.request.method} {r.request.url.path} answered no JSON object: {r.text}")
    return body
