"""A hand-made breach-risk model stored as training would store it, for the tests that need
a model in use without training one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from caseclock.core.insights.risk import KM_GRID, RiskModel, columns
from caseclock.store.models import RiskModelRow
from tests.conftest import Database


def store_model(
    db: Database,
    *,
    at: datetime,
    history: Mapping[str, int],
    coef: Mapping[str, float],
    intercept: float,
) -> None:
    """Store a model over the definitions of ``history`` (their closed milestones; fewer than
    30 abstain) whose score is ``intercept`` plus ``coef`` on the raw (unscaled) features."""
    keys = list(history)
    names = columns({"definition": keys})
    model = RiskModel(
        names=tuple(names),
        mean=(0.0,) * len(names),
        scale=(1.0,) * len(names),
        coef=tuple(coef.get(name, 0.0) for name in names),
        intercept=intercept,
        platt_a=1.0,
        platt_b=0.0,
        km={key: tuple(1.0 - 0.03 * i for i in range(len(KM_GRID))) for key in keys},
        history=dict(history),
        min_history=30,
    )
    with db.session_factory() as session:
        session.add(
            RiskModelRow(
                trained_at=at,
                trained_from=at - timedelta(days=30),
                trained_to=at,
                tested_to=at,
                closed_milestones=max(history.values()),
                trigger="command",
                model=model.to_json(),
                evaluation={"points": []},
            )
        )
        session.commit()
