"""The domain package stays pure: standard library and `eventsourcing.domain` only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
MODULES = ["errors", "identifiers", "protocol", "verzuim", "verzuimmelding", "overdracht"]
ALLOWED_THIRD_PARTY = {"eventsourcing.domain"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", MODULES)
def test_domain_module_imports_nothing_impure(module: str) -> None:
    """Source: design.md "Layout and direction of dependencies" (domain/ imports nothing of
    the project outside domain/; no I/O, SQL, web framework or pydantic)."""
    for name in _imports(DOMAIN / f"{module}.py"):
        top = name.split(".")[0]
        allowed = top in sys.stdlib_module_names or top == "domain" or name in ALLOWED_THIRD_PARTY
        assert allowed, f"domain/{module}.py imports {name}"
