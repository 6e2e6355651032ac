"""Training on the demo's history: an honest, deterministic, stored model that scores the open
milestones, and a clear refusal when the history cannot train one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from caseclock.demo.generator import generate
from caseclock.demo.loader import load_demo
from caseclock.document_files import load_bundle
from caseclock.services.insights.fitting import UntrainableHistory
from caseclock.services.insights.scoring import RiskScorer, latest_model
from caseclock.services.insights.training import train
from caseclock.store.models import RecordRow
from tests.conftest import Database

NOW = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
BUNDLE = Path(__file__).resolve().parents[3] / "examples" / "policies" / "b2b.yaml"


def test_trains_evaluates_stores_and_scores(db: Database) -> None:
    """The model learns from records begun before the cut and is tested on later ones; the same
    history gives the same model; the stored row keeps the periods and the evaluation beside
    the baselines; open milestones get a probability with reasons, or "not enough history"."""
    with db.session_factory() as session:
        load_demo(
            session, load_bundle(BUNDLE), generate(now=NOW, cases=200), now=NOW, train_risk=False
        )
        trained = train(session, now=NOW, min_history=25)
        again = train(session, now=NOW, min_history=25, store=False)
        assert again.model == trained.model
        row = trained.row
        assert row is not None
        assert row.trained_from < row.trained_to
        assert row.tested_to is not None
        assert row.trained_to < row.tested_to
        points = row.evaluation["points"]
        assert [p["point"] for p in points][:3] == [
            "at start",
            "at 50 % of target",
            "at the warning (75 %)",
        ]
        for point in points:
            assert set(point["methods"]) == {"model", "elapsed share", "Kaplan-Meier"}
        loaded = latest_model(session)
        assert loaded is not None
        assert loaded[0] == trained.model
        records = [r.id for r in session.query(RecordRow).filter(RecordRow.is_closed.is_(False))]
        views = RiskScorer(session).for_records(records, NOW)
        scored = [v for v in views.values() if v.probability is not None]
        assert scored
        assert all(0.0 <= (v.probability or 0) <= 1.0 for v in scored)
        assert any(v.reasons for v in scored)
        known = set(trained.model.history)
        for (_record, key, _cycle), view in views.items():
            if not trained.model.knows(key):
                assert view.status == "not enough history" or key not in known


def test_untrainable_history_is_refused_with_why(db: Database) -> None:
    """No closed milestone, or too few of each definition: a clear message, nothing stored."""
    with db.session_factory() as session:
        with pytest.raises(UntrainableHistory, match="no closed milestone yet"):
            train(session, now=NOW)
        load_demo(
            session, load_bundle(BUNDLE), generate(now=NOW, cases=40), now=NOW, train_risk=False
        )
        with pytest.raises(UntrainableHistory, match=r"at least 500 closed milestones .*found: "):
            train(session, now=NOW, min_history=500)
        assert latest_model(session) is None


def test_the_demo_history_shows_something_true(db: Database) -> None:
    """The demo's breaches come from slow cases whose customers chase and grow impatient: from
    a milestone's start (where the elapsed share knows nothing, AUC 0.5), the model tells
    them apart better than both baselines, with a lower Brier score than the elapsed share,
    and its open milestones carry reasons in words."""
    with db.session_factory() as session:
        load_demo(
            session,
            load_bundle(BUNDLE),
            generate(now=NOW, cases=300, seed=7),
            now=NOW,
            train_risk=False,
        )
        trained = train(session, now=NOW)
        points = {p["point"]: p["methods"] for p in trained.evaluation["points"]}
        start = points["at start"]
        assert start["elapsed share"]["auc"] == 0.5
        assert start["model"]["auc"] > max(start["Kaplan-Meier"]["auc"], 0.75)
        for methods in points.values():
            if methods["model"]["auc"] is None:
                continue
            assert methods["model"]["auc"] > methods["elapsed share"]["auc"]
            assert methods["model"]["brier"] < methods["elapsed share"]["brier"]
        records = [r.id for r in session.query(RecordRow).filter(RecordRow.is_closed.is_(False))]
        views = RiskScorer(session).for_records(records, NOW)
        reasons = {r for v in views.values() for r in v.reasons}
        assert any("% of target used" in r for r in reasons)
