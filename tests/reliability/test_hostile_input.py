"""Hostile input, table-driven over every /v1 route that takes a body, a path id or a query.

Each input must be refused with a 4xx application/problem+json, and nothing may be written
(the row counts of the event, directory, access-log, idempotency and key tables are compared
before and after). Routes come from the app itself, valid bodies and the acting role from the
authorization matrix, so a new route is covered as soon as it has its row there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from tests.reliability.helpers import PROBLEM_JSON, api_routes, table_counts
from tests.reliability.test_authz_matrix import PATH_VALUES, ROLES, Row, World, path_params, row_for

SQL_AND_PATH = (
    "' OR '1'='1",
    "1; DROP TABLE stored_events; --",
    '" OR 1=1 --',
    "' UNION SELECT key_id, wrapped FROM hub_data_keys --",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2f",
    "${jndi:ldap://x/a}",
    "\u0000",
    "GM0479\u0000' OR 1=1",
    "<script>alert(1)</script>",
    "a" * 5000,
)
NUMBERS = ("-1", "-1e308", "1e308", "1e400", "NaN", "Infinity", "-Infinity", "9" * 5000, "18446744073709551617")
QUERY_VALUES = ("-1", "1e999", "99999999999999999999999999999", "NaN", "' OR 1=1--", "0x10", "", "1;DROP TABLE x")
IDEMPOTENCY_KEYS = ("' OR 1=1 --", "../../etc/passwd", "a" * 1000, "key with spaces", "short")


@dataclass(frozen=True)
class Attempt:
    """One hostile request: what it is, for which route, and the statuses that may answer it."""

    name: str
    method: str
    url: str
    content: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    allowed: tuple[int, ...] = ()  # empty: any 4xx


def actor(row: Row) -> str:
    """The role that may use the route (first with a 2xx in the matrix; else the owning school)."""
    return next((role for role in ROLES if 200 <= row.expected(role) < 300), "school")


# -- the request body --------------------------------------------------------------
def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    for alt in ("anyOf", "oneOf"):
        if alt in schema:
            options = [_resolve(spec, s) for s in schema[alt] if s.get("type") != "null"]
            if options:
                return options[0]
    return schema


def _sub_schema(spec: dict[str, Any], schema: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    schema = _resolve(spec, schema)
    for part in path:
        schema = _resolve(
            spec, schema.get("items", {}) if isinstance(part, int) else schema.get("properties", {}).get(part, {})
        )
    return schema


def is_identifier(schema: dict[str, Any]) -> bool:
    """A constrained string: an identifier, code, date or enumerated value (not free text)."""
    return any(k in schema for k in ("pattern", "enum", "const")) or schema.get("format") in (
        "uuid",
        "date",
        "date-time",
    )


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))
    else:
        yield path, value


def _with(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    copy = json.loads(json.dumps(body))
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return copy


_RAW = "\u2063RAW\u2063"  # a marker swapped for a raw JSON token after dumping


def raw_json(body: Any, path: tuple[Any, ...], token: str) -> bytes:
    return json.dumps(_with(body, path, _RAW)).replace(json.dumps(_RAW), token).encode()


def nested(depth: int, opener: str, closer: str) -> bytes:
    return (opener * depth + closer * depth).encode()


BODY_CASES: dict[str, Callable[[dict[str, Any], int], bytes]] = {
    "huge body": lambda b, limit: json.dumps({**b, "opvulling": "x" * (limit + 1)}).encode(),
    "deep arrays": lambda b, limit: nested(min(100_000, limit // 2 - 1), "[", "]"),
    "deep objects": lambda b, limit: nested(min(30_000, limit // 8), '{"a":', "}"),
    "invalid utf-8": lambda b, limit: json.dumps(b).encode()[:-1] + b', "x": "\xff\xfe\xc0\xaf"}',
    "truncated": lambda b, limit: json.dumps(b).encode()[:-3],
    "a list": lambda b, limit: b"[]",
    "a string": lambda b, limit: b'"verzuim"',
    "null": lambda b, limit: b"null",
    "empty": lambda b, limit: b"",
    "unknown field": lambda b, limit: json.dumps({**b, "is_admin": True}).encode(),
}


def body_attempts(
    spec: dict[str, Any], method: str, url: str, path: str, body: dict[str, Any], limit: int
) -> Iterator[Attempt]:
    ctype = (("content-type", "application/json"),)
    for name, make in BODY_CASES.items():
        allowed = (413,) if name == "huge body" else ()
        yield Attempt(name, method, url, make(body, limit), ctype, allowed)
    yield Attempt("form encoded", method, url, b"uren=16", (("content-type", "application/x-www-form-urlencoded"),))
    operation = spec["paths"][path][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    for leaf, value in leaves(body):
        where = ".".join(map(str, leaf))
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            for token in NUMBERS:
                if _acceptable_number(_sub_schema(spec, schema, leaf), token):
                    continue
                yield Attempt(f"{where}={token[:24]}", method, url, raw_json(body, leaf, token), ctype)
        elif isinstance(value, str) and is_identifier(_sub_schema(spec, schema, leaf)):
            for hostile in SQL_AND_PATH:
                yield Attempt(
                    f"{where}={hostile[:24]!r}", method, url, json.dumps(_with(body, leaf, hostile)).encode(), ctype
                )


def _acceptable_number(schema: dict[str, Any], token: str) -> bool:
    """Whether the token is a legitimate value for the field (a bound the schema admits)."""
    try:
        value = float(token)
    except ValueError:
        return False
    if value != value or value in (float("inf"), float("-inf")):
        return False
    low, high = schema.get("minimum"), schema.get("maximum")
    return (low is None or value >= low) and (high is None or value <= high)


def route_attempts(spec: dict[str, Any], world: World, method: str, path: str, limit: int) -> Iterator[Attempt]:
    row = row_for(method, path)
    assert row is not None, f"{method} {path} has no row in the authorization matrix"
    params = path_params(path)
    values = {name: PATH_VALUES[name](world) for name in params}
    url = path.format(**values)
    for name in params:
        for hostile in SQL_AND_PATH:
            bad = path.format(**{**values, name: quote(hostile, safe="")})
            yield Attempt(
                f"{{{name}}}={hostile[:24]!r}",
                method,
                bad,
                json.dumps(row.body(world)).encode() if row.body else None,
                (("content-type", "application/json"),),
            )
    operation = spec["paths"][path][method.lower()]
    for param in operation.get("parameters", []):
        if param["in"] == "query":
            for hostile in QUERY_VALUES:
                yield Attempt(
                    f"?{param['name']}={hostile[:24]!r}", method, f"{url}?{param['name']}={quote(hostile, safe='')}"
                )
        if param["in"] == "header" and param["name"].lower() == "idempotency-key" and row.body:
            for hostile in IDEMPOTENCY_KEYS:
                yield Attempt(
                    f"Idempotency-Key={hostile[:24]!r}",
                    method,
                    url,
                    json.dumps(row.body(world)).encode(),
                    (("content-type", "application/json"), ("idempotency-key", hostile)),
                )
    if row.body is not None:
        yield from body_attempts(spec, method, url, path, row.body(world), limit)


def test_hostile_inputs_are_refused(world: World, app, hub, figures, database_url) -> None:
    spec = app.openapi()
    limit = hub.settings.max_body_bytes
    tried, routes, failures = 0, 0, []
    for method, path in api_routes(app):
        row = row_for(method, path)
        if row is None:  # the matrix test names the missing row
            continue
        client = world.clients[actor(row)]
        attempts = list(route_attempts(spec, world, method, path, limit))
        routes += bool(attempts)
        for attempt in attempts:
            before = table_counts(hub)
            r = client.request(attempt.method, attempt.url, content=attempt.content, headers=dict(attempt.headers))
            after = table_counts(hub)
            tried += 1
            ok = r.status_code in attempt.allowed if attempt.allowed else 400 <= r.status_code < 500
            problem = r.headers.get("content-type", "").startswith(PROBLEM_JSON)
            if not (ok and problem) or before != after:
                changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
                failures.append(
                    f"{method} {path} [{attempt.name}]: {r.status_code} "
                    f"{r.headers.get('content-type')} {r.text[:120]!r} written={changed}"
                )
    backend = "postgres" if database_url.startswith("postgres") else "sqlite"
    figures.record(f"hostile.{backend}.tried", f"hostile requests tried ({backend})", tried)
    figures.record(f"hostile.{backend}.routes", f"routes covered ({backend})", routes)
    figures.record(f"hostile.{backend}.failures", f"inputs not refused cleanly ({backend})", len(failures))
    assert not failures, f"{len(failures)} of {tried} hostile inputs not refused cleanly:\n" + "\n".join(failures[:60])


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-1", "1e999"])
def test_numbers_in_query_ids(world: World, value: str) -> None:
    r = world.clients["school"].get(f"/v1/verzuimmeldingen?limit={value}")
    assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith(PROBLEM_JSON)


def test_null_in_every_body_field_is_never_a_5xx(world: World, app) -> None:
    """JSON null for each property a body schema names (found by the fuzzer: `acties: null` was a 500)."""
    spec = app.openapi()
    failures = []
    for method, path in api_routes(app):
        row = row_for(method, path)
        if row is None or row.body is None:
            continue
        schema = _resolve(
            spec, spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
        )
        values = {name: PATH_VALUES[name](world) for name in path_params(path)}
        for prop in schema.get("properties", {}):
            body = {**row.body(world), prop: None}
            r = world.clients[actor(row)].request(method, path.format(**values), json=body)
            problem = r.headers.get("content-type", "").startswith(PROBLEM_JSON)
            if r.status_code >= 500 or (r.status_code >= 400 and not problem):
                failures.append(f"{method} {path} {prop}=null: {r.status_code} {r.text[:120]}")
    assert not failures, "\n".join(failures)
