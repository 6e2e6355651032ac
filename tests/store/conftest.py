"""Store fixtures: an empty database per backend, for tests that migrate it themselves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from caseclock.store.database import make_engine
from tests.conftest import pg_schema


@pytest.fixture
def old_database(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty database on ``backend``, migrated by the test itself."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with pg_schema(migrated=False) as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
