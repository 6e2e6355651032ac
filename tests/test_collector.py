"""The garbage collector's settings: a server process's app tunes them, an app factory does not."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from caseclock import collector
from caseclock.api.app import create_app
from caseclock.api.asgi import serving_app
from caseclock.clock import FixedClock
from caseclock.config import Settings
from caseclock.connectors.importer import BatchOutcome, run_import
from caseclock.connectors.mapping import ImportMapping
from caseclock.connectors.rows import Source
from tests.conftest import Database
from tests.connectors.snapshot_export import MAPPING, generate

CPYTHON_DEFAULTS = (700, 10, 10)
TUNED = (collector.YOUNG_THRESHOLD, *collector.OLDER_THRESHOLDS)


@pytest.fixture
def pristine_collector() -> Iterator[None]:
    """CPython's settings and nothing frozen for the test; the process's own state after."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.unfreeze()
    gc.set_threshold(*CPYTHON_DEFAULTS)
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        if frozen:
            gc.freeze()


def walked(obj: object) -> bool:
    """Whether the collector's generations (not the frozen ones) hold ``obj``."""
    return any(tracked is obj for tracked in gc.get_objects())


@pytest.mark.usefixtures("pristine_collector")
def test_tune_freezes_what_is_alive_and_collects_young_objects_less_often() -> None:
    kept = [[index] for index in range(100)]  # long-lived containers, as an app holds
    assert walked(kept)
    collector.tune()
    assert not walked(kept)
    assert gc.get_threshold() == TUNED
    later = [[index] for index in range(100)]
    assert walked(later)
    collector.tune()  # again (a second app in one process): what came since is frozen too
    assert not walked(later)


@pytest.mark.usefixtures("pristine_collector")
@pytest.mark.parametrize("tuning", [True, False])
def test_the_serving_app_tunes_the_collector_unless_told_not_to(
    db: Database, clock: FixedClock, tuning: bool
) -> None:
    settings = Settings(database_url=db.url, gc_tuning=tuning)
    app = serving_app(settings, clock=clock, engine=db.engine)
    assert walked(app) is not tuning
    assert gc.get_threshold() == (TUNED if tuning else CPYTHON_DEFAULTS)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200


@pytest.mark.usefixtures("pristine_collector")
def test_the_app_factory_leaves_the_collector_alone(db: Database, clock: FixedClock) -> None:
    """Tests and scripts build many apps: building and starting one changes nothing here."""
    app = create_app(Settings(database_url=db.url), clock=clock, engine=db.engine)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
    assert gc.get_threshold() == CPYTHON_DEFAULTS
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("pristine_collector")
def test_an_import_freezes_its_sorted_rows_only_in_a_tuned_process(tmp_path: Path) -> None:
    """``run_import`` calls ``read`` once every row is read and sorted; ``freeze_kept`` then
    stops the collector walking those rows in a tuned process, and leaves an untuned one be."""
    export = tmp_path / "export.csv"
    export.write_text(generate(3, seed=1).text, encoding="utf-8")
    mapping = ImportMapping.model_validate(MAPPING)
    frozen_at_read: list[int] = []

    def read() -> None:
        collector.freeze_kept()
        frozen_at_read.append(gc.get_freeze_count())

    def sink(planned: object) -> BatchOutcome:
        return BatchOutcome()

    before = gc.get_freeze_count()
    summary = run_import(Source(export, mapping), sink, read=read)
    assert summary.records == 3
    assert frozen_at_read == [before]  # untuned: nothing frozen
    collector.tune()
    tuned = gc.get_freeze_count()
    run_import(Source(export, mapping), sink, read=read)
    assert frozen_at_read[1] > tuned
