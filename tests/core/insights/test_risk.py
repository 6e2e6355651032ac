"""Applying a stored risk model: calibrated probability, reasons, abstention, JSON round trip."""

from __future__ import annotations

import pytest

from caseclock.core.insights.features import CATEGORICAL, NUMERIC, Features
from caseclock.core.insights.reasons import reason_text, span
from caseclock.core.insights.risk import KM_GRID, RiskModel, columns, km_breach, score


def _feats(share: float, waiting_s: float = 0.0, definition: str = "resolution") -> Features:
    numeric = dict.fromkeys(NUMERIC, 0.0)
    numeric["share"] = share
    numeric["customer_waiting_log_h"] = 1.0 if waiting_s else 0.0
    categorical = dict.fromkeys(CATEGORICAL, "")
    categorical["definition"] = definition
    return Features(numeric, categorical, waiting_s, 0)


def _model(min_history: int = 30) -> RiskModel:
    names = columns({"definition": ["resolution"]})
    coef = [0.0] * len(names)
    coef[names.index("share")] = 2.0
    coef[names.index("customer_waiting_log_h")] = 1.0
    curve = tuple(1.0 - 0.04 * i for i in range(len(KM_GRID)))  # 0.2 left at the target
    return RiskModel(
        names=tuple(names),
        mean=(0.0,) * len(names),
        scale=(1.0,) * len(names),
        coef=tuple(coef),
        intercept=-1.0,
        platt_a=1.0,
        platt_b=0.0,
        km={"resolution": curve},
        history={"resolution": 40, "first_response": 5},
        min_history=min_history,
    )


def test_probability_rises_with_the_share_used_and_gives_reasons() -> None:
    """More of the target used means more risk; the columns that pushed it are the reasons,
    worded for people."""
    model = _model()
    early, late = score(model, _feats(0.1)), score(model, _feats(0.9, waiting_s=2 * 86400))
    assert early.probability is not None
    assert late.probability is not None
    assert late.probability > early.probability
    words = [reason_text(r, _feats(0.9, waiting_s=2 * 86400)) for r in late.reasons]
    assert words == ["90 % of target used", "customer waiting 2 days"]


def test_abstains_below_the_minimum_history() -> None:
    """A definition with fewer closed milestones than the minimum gets no number."""
    assert score(_model(), _feats(0.5, definition="first_response")).probability is None
    assert score(_model(), _feats(0.5, definition="unknown")).probability is None


def test_kaplan_meier_baseline_is_conditional_on_the_time_used() -> None:
    """P(open at the target | open at s) = S(1) / S(s): it grows as s nears the target."""
    curve = tuple(1.0 - 0.04 * i for i in range(len(KM_GRID)))
    assert km_breach(curve, 0.0) == pytest.approx(0.2)
    assert km_breach(curve, 0.5) == pytest.approx(0.2 / 0.6)
    assert km_breach(curve, 1.2) == 1.0


def test_json_round_trip() -> None:
    """A model read back from its JSON scores the same."""
    model = _model()
    again = RiskModel.from_json(model.to_json())
    assert score(again, _feats(0.7)) == score(model, _feats(0.7))
    with pytest.raises(ValueError, match="unknown risk model format"):
        RiskModel.from_json({"format": 99})


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(120, "2 min"), (3600, "1 hour"), (7200 * 10, "20 hours"), (86400 * 3, "3 days")],
)
def test_spans(seconds: float, text: str) -> None:
    """Durations in reasons are rough and readable."""
    assert span(seconds) == text
