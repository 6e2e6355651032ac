"""The garbage collector's settings: a started app tunes them, unless told not to."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from caseclock import collector
from caseclock.api.app import create_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from tests.conftest import Database

CPYTHON_DEFAULTS = (700, 10, 10)


@pytest.fixture
def pristine_collector() -> Iterator[None]:
    """CPython's settings and nothing frozen for the test; the process's own state after."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.unfreeze()
    gc.set_threshold(*CPYTHON_DEFAULTS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if frozen:
            gc.freeze()


@pytest.mark.usefixtures("pristine_collector")
def test_tune_freezes_what_is_alive_once_and_collects_young_objects_less_often() -> None:
    kept = [[index] for index in range(1000)]  # long-lived containers, as an app holds
    collector.tune()
    frozen = gc.get_freeze_count()
    assert frozen >= len(kept)
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)
    more = [[index] for index in range(1000)]
    collector.tune()  # again: thresholds only, what came since is not frozen
    assert gc.get_freeze_count() == frozen
    assert len(more) == len(kept)


@pytest.mark.usefixtures("pristine_collector")
@pytest.mark.parametrize("tuning", [True, False])
def test_the_app_tunes_the_collector_at_start_up(
    db: Database, clock: FixedClock, tuning: bool
) -> None:
    app = create_app(
        Settings(database_url=db.url, gc_tuning=tuning),
        clock=clock,
        engine=db.engine,
        session_factory=db.session_factory,
    )
    assert gc.get_threshold() == CPYTHON_DEFAULTS  # building the app changes nothing
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        if tuning:
            assert gc.get_threshold()[0] == collector.YOUNG_THRESHOLD
            assert gc.get_freeze_count() > 0
        else:
            assert gc.get_threshold() == CPYTHON_DEFAULTS
            assert gc.get_freeze_count() == 0
