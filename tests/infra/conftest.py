"""The store of an infra test, opened on each backend, and the persistence port over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.persistence import StorePersistence
from infra.settings import Settings
from infra.store import Store, open_store


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = open_store(settings)
    yield s
    s.close()


@pytest.fixture
def p(store: Store) -> StorePersistence:
    return StorePersistence(store)
