"""What ``/ready`` asks the store leaves nothing behind.

A readiness probe is called every few seconds for as long as a process lives, and a served
process collects cyclic garbage rarely (``caseclock.collector``); anything a call leaves behind
adds up.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine

from caseclock.store import migrate
from tests.conftest import Database

CALLS = 200


@pytest.fixture
def small_cache_engine(db: Database) -> Iterator[Engine]:
    """An engine on the test database whose statement cache holds only a few statements, so
    that a statement built anew on each call is soon evicted (and becomes garbage)."""
    engine = create_engine(db.url, query_cache_size=10)
    try:
        yield engine
    finally:
        engine.dispose()


def _revision_checks(engine: Engine) -> None:
    with engine.connect() as connection:
        for _ in range(CALLS):
            assert migrate.current_revision(connection) == migrate.head_revision()


def test_reading_the_revisions_leaves_no_cyclic_garbage(small_cache_engine: Engine) -> None:
    """Reading the database's revision and the code's head, as /ready does, 200 times, leaves
    fewer unreachable objects than calls (the migrations are not loaded again, and no table
    object is built per call)."""
    _revision_checks(small_cache_engine)  # warm: first statements compiled, head read
    gc.collect()
    gc.disable()
    try:
        _revision_checks(small_cache_engine)
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < CALLS
