"""Train and evaluate the breach-risk model on this installation's closed milestones.

The split is by record and by time: records whose first milestone started before the cut
(the earlier ``1 - test_share`` of the history's time span) train, and only with milestones
that had ended by the cut; records that began after it test. The stored model is exactly the
one evaluated, with the period it learned from and the period it was tested on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from caseclock.core.insights.risk import RiskModel
from caseclock.services.insights.fitting import UntrainableHistory, fit_model, km_curves
from caseclock.services.insights.history import (
    TRAINING_SHARES,
    Backlogs,
    Sample,
    SampleTaker,
)
from caseclock.services.insights.scorecard import POINTS, evaluate
from caseclock.store.models import RiskModelRow
from caseclock.store.repositories.insights import (
    ClosedMilestone,
    RiskModelRepository,
    TrainingRepository,
)

MIN_HISTORY = 30  # closed milestones of a definition before its risk is scored
TEST_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class Trained:
    model: RiskModel
    evaluation: dict[str, Any]
    row: RiskModelRow | None  # None when not stored (``evaluate`` only)


def _split(
    closed: Sequence[ClosedMilestone], test_share: float
) -> tuple[list[ClosedMilestone], list[ClosedMilestone], datetime]:
    first: dict[str, datetime] = {}
    for milestone in closed:  # in start order: the first seen is the record's first
        first.setdefault(milestone.record_id, milestone.started_at)
    earliest, latest = min(first.values()), max(first.values())
    cut = earliest + (latest - earliest) * (1 - test_share)
    train = [m for m in closed if first[m.record_id] < cut and m.ended_at <= cut]
    test = [m for m in closed if first[m.record_id] >= cut]
    return train, test, cut


def _check_history(counts: Counter[str], min_history: int) -> None:
    if not any(n >= min_history for n in counts.values()):
        found = ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "none"
        raise UntrainableHistory(
            f"not enough history: a definition needs at least {min_history} closed milestones "
            f"before the test period to be scored (found: {found})"
        )


def train(
    session: Session,
    *,
    now: datetime,
    min_history: int = MIN_HISTORY,
    test_share: float = TEST_SHARE,
    trigger: str = "command",
    store: bool = True,
) -> Trained:
    """Fit on the earlier history, evaluate on the later, store the model (unless ``store`` is
    false). ``UntrainableHistory`` says why when the history cannot train one."""
    if not 0 < test_share < 1:
        raise UntrainableHistory("the test share must lie between 0 and 1 (e.g. 0.25)")
    repo = TrainingRepository(session)
    closed = repo.closed_milestones()
    if not closed:
        raise UntrainableHistory("not enough history: no closed milestone yet")
    train_set, test_set, cut = _split(closed, test_share)
    counts = Counter(m.key for m in train_set)
    _check_history(counts, min_history)
    taker = SampleTaker(session, Backlogs(repo.owner_spans()))
    train_samples = sorted(taker.samples(train_set, TRAINING_SHARES), key=_order)
    test_samples = list(taker.samples(test_set, [share for _, share in POINTS]))
    model = fit_model(train_samples, km_curves(train_set), dict(counts), min_history)
    evaluation = {
        "trained_from": train_set[0].started_at.isoformat() if train_set else None,
        "trained_to": cut.isoformat(),
        "tested_to": max(m.ended_at for m in test_set).isoformat() if test_set else None,
        "train_milestones": len(train_set),
        "test_milestones": len(test_set),
        "train_samples": len(train_samples),
        "test_samples": len(test_samples),
        "history": dict(sorted(counts.items())),
        "abstains": sorted(k for k, n in counts.items() if n < min_history),
        "points": evaluate(model, test_samples),
    }
    row = None
    if store:
        row = RiskModelRepository(session).add(
            RiskModelRow(
                trained_at=now,
                trained_from=train_set[0].started_at,
                trained_to=cut,
                tested_to=max(m.ended_at for m in test_set) if test_set else None,
                closed_milestones=len(train_set),
                trigger=trigger,
                model=model.to_json(),
                evaluation=evaluation,
            )
        )
    return Trained(model, evaluation, row)


def _order(sample: Sample) -> tuple[datetime, str, str, float]:
    return (sample.at, sample.record_id, sample.key, sample.share_point)
