"""docs/configuration.md lists every HUB_* setting, and is what `hub config docs` writes."""

from __future__ import annotations

from pathlib import Path

from hub.ops_cli import configuration_markdown
from infra.settings import Settings

DOC = Path(__file__).parents[2] / "docs" / "configuration.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`HUB_{name.upper()}`" not in text]
    assert not missing, f"docs/configuration.md lacks {missing}: run `hub config docs --write docs/configuration.md`"


def test_the_committed_table_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == configuration_markdown(), (
        "docs/configuration.md is stale: run `hub config docs --write docs/configuration.md`"
    )


def test_every_setting_has_a_meaning() -> None:
    assert all(field.description for field in Settings.model_fields.values())
