"""The domain package stays pure: side-effect-free standard library and `eventsourcing.domain` only.

Every module of domain/ is checked, found with pkgutil, so a new module is covered the
moment it exists.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import domain

# The standard library a pure rule may use: values, text, dates, collections, typing.
# Anything else (os, sys, io, pathlib, socket, sqlite3, logging, time, importlib, ...)
# touches the world or the interpreter and belongs in infra/ or hub/.
PURE_STDLIB = frozenset(
    {
        "__future__",
        "abc",
        "calendar",
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "fractions",
        "functools",
        "itertools",
        "math",
        "numbers",
        "operator",
        "random",
        "re",
        "string",
        "types",
        "typing",
        "unicodedata",
        "uuid",
    }
)
ALLOWED_THIRD_PARTY = frozenset({"eventsourcing.domain"})


def _domain_modules() -> dict[str, Path]:
    """Every module of the domain package, the package itself included, by dotted name."""
    names = ["domain"] + [info.name for info in pkgutil.walk_packages(domain.__path__, prefix="domain.")]
    found: dict[str, Path] = {}
    for name in names:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        found[name] = Path(spec.origin)
    return found


MODULES = _domain_modules()


def _is_allowed(name: str) -> bool:
    top = name.split(".")[0]
    return top in PURE_STDLIB or top == "domain" or name in ALLOWED_THIRD_PARTY


def impure_imports(source: str, *, package: str) -> list[str]:
    """The imports of `source` (a module of `package`) that domain/ may not make."""
    parts = package.split(".")
    bad: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            bad.extend(alias.name for alias in node.names if not _is_allowed(alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A relative import stays inside domain/ only while it climbs no higher than it.
                base = parts[: len(parts) - node.level + 1]
                if not base or base[0] != "domain":
                    bad.append("." * node.level + (node.module or ""))
            elif node.module is None or not _is_allowed(node.module):
                bad.append(node.module or "")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            bad.append("__import__")
    return bad


def test_every_domain_module_is_found() -> None:
    """The discovery finds the package's modules, so the check below cannot pass by checking nothing."""
    on_disk = {p.stem for p in Path(domain.__path__[0]).glob("*.py") if p.stem != "__init__"}
    assert {name.removeprefix("domain.") for name in MODULES} >= on_disk
    assert {"domain.purposes", "domain.catalogue", "domain.consent", "domain.records"} <= set(MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_domain_module_imports_nothing_impure(module: str) -> None:
    """Source: design.md "Layout and direction of dependencies" (domain/ imports nothing of
    the project outside domain/; no I/O, SQL, web framework or pydantic)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    assert impure_imports(path.read_text(encoding="utf-8"), package=package) == [], (
        f"{module} imports outside the pure set"
    )


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "import os.path",
        "from os import environ",
        "import sys",
        "from pathlib import Path",
        "import sqlite3",
        "import logging",
        "import time",
        "import importlib",
        "import infra",
        "from infra.store import open_store",
        "from consent.policy import decide",
        "from audit import chain",
        "from hub.container import Hub",
        "import adapters.ports",
        "import pydantic",
        "from eventsourcing.application import Application",
        "from .. import infra",
        "def f():\n    import os",
        "x = __import__('os')",
    ],
)
def test_the_check_flags_impure_imports(source: str) -> None:
    assert impure_imports(source, package="domain")


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "from collections.abc import Mapping",
        "from domain.parties import Role",
        "from . import parties",
        "from .fields import FIELDS",
        "from eventsourcing.domain import Aggregate",
    ],
)
def test_the_check_passes_pure_imports(source: str) -> None:
    assert impure_imports(source, package="domain") == []
