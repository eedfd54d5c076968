"""API fuzzing: schemathesis over the app's published OpenAPI, every operation, every request signed.

Cases are generated from the schema (valid and invalid data), sent through a TestClient signed
with the key of the role the authorization matrix names for the route (RFC 9421 via
hub.client.SignatureAuth), and checked: no 5xx, and status code, content type and body
conform to the schema. Half the cases of a route with path ids use ids of real records.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.test_authz_matrix import PATH_VALUES, World, row_for
from tests.reliability.test_hostile_input import actor

EXAMPLES = 12  # per operation and generation mode: about a minute for the whole API
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def database_url(tmp_path) -> str:
    # The HTTP surface is the same on both backends; the backend tests cover PostgreSQL.
    return f"sqlite:///{tmp_path}/hub.sqlite"


def _send(client: httpx.Client, case: Any) -> httpx.Response | None:
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "params": kwargs.get("params") or None,
        "headers": {k: v for k, v in (kwargs.get("headers") or {}).items() if k.lower() != "connection"},
    }
    if "json" in kwargs:
        request["json"] = kwargs["json"]
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        request["content"] = data if isinstance(data, bytes | str) else None
    try:
        return client.request(**request)
    except (httpx.InvalidURL, UnicodeEncodeError, ValueError, TypeError):
        return None  # not expressible as an HTTP request (e.g. a header name with a space)


def fuzz(
    strategy: Any,
    examples: int,
    client: httpx.Client,
    label: str,
    cases: Counter[str],
    failures: dict[tuple[str, str], str],
    unsendable: Counter[str],
) -> Any:
    """A hypothesis test sending `examples` cases of one operation; counts and failures go to the arguments."""

    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = _send(client, case)
        if response is None:
            unsendable[label] += 1
            return
        cases[label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:  # one exception per failed check
            for failure in group.exceptions:
                key = (label, getattr(failure, "title", type(failure).__name__))
                sent = response.request
                failures.setdefault(
                    key,
                    f"{response.status_code} {response.text[:160]} <- {sent.method} {sent.url} {sent.content[:300]!r}",
                )

    return run


def test_schemathesis_finds_no_5xx_and_no_schema_breach(world: World, app, figures) -> None:
    schema = schemathesis.openapi.from_dict(app.openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    cases: Counter[str] = Counter()
    unsendable: Counter[str] = Counter()
    failures: dict[tuple[str, str], str] = {}

    for operation in operations:
        row = row_for(operation.method.upper(), operation.path)
        client = world.clients[actor(row)] if row else world.clients["school"]
        label = f"{operation.method.upper()} {operation.path}"
        params = [p for p in PATH_VALUES if "{" + p + "}" in operation.path]
        real_ids = {p: PATH_VALUES[p](world) for p in params}
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if params:
            strategies.append(operation.as_strategy(path_parameters=real_ids))

        fuzz(st.one_of(strategies), EXAMPLES * len(strategies), client, label, cases, failures, unsendable)()

    total = sum(cases.values())
    print(
        f"\nschemathesis: {total} cases over {len(operations)} operations "
        f"({sum(unsendable.values())} not expressible as HTTP)"
    )
    figures.record("fuzz.operations", "operations fuzzed", len(operations))
    figures.record("fuzz.cases", "cases generated and sent (signed)", total)
    figures.record("fuzz.server_errors", "5xx answers", sum(1 for _, title in failures if "Server error" in title))
    figures.record("fuzz.failures", "distinct (operation, check) failures", len(failures))
    assert total >= len(operations) * EXAMPLES
    assert not failures, "\n".join(f"{op}: {title}: {example}" for (op, title), example in sorted(failures.items()))
