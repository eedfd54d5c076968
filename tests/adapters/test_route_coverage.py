"""Every public use case on a pupil's data logs its refusals, and every one that weighs a
disclosure consults the involvement register (issue: "a test that every public route reading a
pupil's data consults involvement")."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import adapters

# Use cases that take a caller (`who`) but touch no single pupil's data: the SWV's counts, and
# the auditor's log routes (their own reads are logged by the audit work, not as refusals).
NOT_ON_A_PUPIL = {"adapters.swv.monitoring", "adapters.audit.sign_now", "adapters.audit.inclusion"}
NOT_ON_A_PUPIL |= {"adapters.audit.consistency", "adapters.audit.log_page"}
# Steps that guarded use cases call, not use cases of their own.
STEPS = {"adapters.answers.once", "adapters.disclosure.check_receipt"}


def _use_cases() -> dict[str, object]:
    """Every public function of an adapter module that takes the persistence and a caller."""
    found: dict[str, object] = {}
    for info in pkgutil.walk_packages(adapters.__path__, prefix="adapters."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != info.name:
                continue
            params = inspect.signature(inspect.unwrap(fn)).parameters
            if "who" in params and ("p" in params or "log" in params):
                found[f"{info.name}.{name}"] = fn
    return found


USE_CASES = _use_cases()


def test_the_use_cases_are_found() -> None:
    assert {"adapters.toestemming.give", "adapters.leerplicht.feed", "adapters.school.inschrijving.end"} <= set(
        USE_CASES
    )


def test_every_use_case_on_a_pupil_logs_its_refusals() -> None:
    unguarded = sorted(
        name
        for name, fn in USE_CASES.items()
        if name not in NOT_ON_A_PUPIL | STEPS and not hasattr(fn, "logs_refusals")
    )
    assert unguarded == []


def _calls(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


def test_every_module_that_weighs_a_disclosure_asks_who_is_involved() -> None:
    """The policy refuses a pupil-level request whose context was not given the register's answer
    (consent/policy.py is_involved: fail closed), and each module that asks it also asks the register."""
    weighing = []
    for path in Path(adapters.__path__[0]).rglob("*.py"):
        calls = _calls(path.read_text())
        # swv.py and kwartaalrapport.py weigh aggregates only: no pupil, so no register to ask.
        if "decide" in calls and path.name not in ("disclosure.py", "swv.py", "kwartaalrapport.py"):
            weighing.append(path.name)
            assert calls & {"involved_with", "involved"}, path
    assert sorted(weighing) == [
        "audit.py",
        "casus.py",
        "casuslijst.py",
        "casustafel.py",
        "jeugdteam.py",
        "leerplicht.py",
        "overdracht.py",
    ]
