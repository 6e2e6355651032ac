"""The worker retrains the breach-risk model on its schedule, and a history too short to train
on is no failure of the worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from caseclock.demo.generator import generate
from caseclock.demo.loader import load_demo
from caseclock.document_files import load_bundle
from caseclock.services.insights.scoring import recent_models
from caseclock.worker.insights import RetrainJob
from tests.conftest import Database

NOW = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
BUNDLE = Path(__file__).resolve().parents[2] / "examples" / "policies" / "b2b.yaml"


def test_retrains_when_the_newest_model_is_old_enough(db: Database) -> None:
    """No history: nothing stored, the worker goes on; with history a model is stored by the
    worker, not again within the interval, again once it has passed."""
    job = RetrainJob(db.session_factory, timedelta(hours=24))
    assert job.run(NOW) is False
    with db.session_factory() as session:
        assert recent_models(session) == []
        # the bare history: the worker, not the demo loader, trains the first model
        load_demo(
            session, load_bundle(BUNDLE), generate(now=NOW, cases=150), now=NOW, train_risk=False
        )
        session.commit()
    job = RetrainJob(db.session_factory, timedelta(hours=24))
    assert job.run(NOW) is True
    assert job.run(NOW + timedelta(hours=1)) is False
    assert (
        RetrainJob(db.session_factory, timedelta(hours=24)).run(NOW + timedelta(hours=2)) is False
    )
    assert job.run(NOW + timedelta(hours=25)) is True
    with db.session_factory() as session:
        models = recent_models(session)
    assert [m.trigger for m in models] == ["worker", "worker"]
    assert models[0].trained_at == NOW + timedelta(hours=25)
