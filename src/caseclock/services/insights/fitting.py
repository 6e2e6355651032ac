"""Fitting a risk model: Kaplan-Meier curves (lifelines) and a calibrated logistic regression
(scikit-learn), turned into the plain ``RiskModel`` the core applies.

A logistic regression was chosen over boosted trees: its parameters are a short list of
numbers stored as JSON (no pickle), it scores 100,000 milestones in pure Python in a few
seconds, and each column's push on the score is the reason shown to people. The fit is
deterministic (lbfgs, no sampling).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from lifelines import KaplanMeierFitter
from sklearn.linear_model import LogisticRegression

from caseclock.core.insights.features import CATEGORICAL
from caseclock.core.insights.risk import KM_GRID, RiskModel, columns, km_breach, row
from caseclock.errors import CaseclockError
from caseclock.services.insights.history import Sample
from caseclock.store.repositories.insights import ClosedMilestone

CALIBRATION_SHARE = 0.25  # the latest quarter of the training samples calibrates the scores
_FLOOR = 1e-6


class UntrainableHistory(CaseclockError):
    """The history cannot train a model (too little of it, or no breach to learn from)."""

    status = 409
    title = "Not enough history"


def km_curves(milestones: Sequence[ClosedMilestone]) -> dict[str, tuple[float, ...]]:
    """Per definition, the survival of "not yet completed" over shares of the target: a
    completion is an event at its elapsed share; a cycle cancelled unfinished is censored."""
    durations: dict[str, list[float]] = defaultdict(list)
    observed: dict[str, list[bool]] = defaultdict(list)
    for milestone in milestones:
        durations[milestone.key].append(
            max(_FLOOR, milestone.elapsed_seconds / milestone.target_seconds)
        )
        observed[milestone.key].append(milestone.state == "completed")
    curves: dict[str, tuple[float, ...]] = {}
    for key in sorted(durations):
        fitter = KaplanMeierFitter().fit(durations[key], observed[key])
        values = fitter.survival_function_at_times(list(KM_GRID)).to_numpy()
        curves[key] = tuple(round(float(v), 6) for v in values)
    return curves


def _matrix(
    samples: Sequence[Sample], km: Mapping[str, Sequence[float]], names: Sequence[str]
) -> np.ndarray:
    rows = []
    for sample in samples:
        curve = km.get(sample.key)
        rows.append(
            row(
                sample.feats,
                km_breach(curve, sample.feats.numeric["share"]) if curve else 0.0,
                names,
            )
        )
    return np.asarray(rows, dtype=float)


def fit_model(
    samples: Sequence[Sample],
    km: Mapping[str, tuple[float, ...]],
    history: Mapping[str, int],
    min_history: int,
) -> RiskModel:
    """A calibrated model from ``samples`` (in time order): the regression learns from the
    earlier three quarters, Platt scaling from the latest quarter."""
    labels = np.asarray([s.breached for s in samples], dtype=int)
    if len(samples) < 2 or labels.min() == labels.max():
        raise UntrainableHistory(
            "the history holds no breach and no success to tell apart "
            f"({len(samples)} samples, {int(labels.sum())} breached)"
        )
    categories = {
        name: sorted({s.feats.categorical[name] for s in samples}) for name in CATEGORICAL
    }
    names = columns(categories)
    matrix = _matrix(samples, km, names)
    cut = max(1, int(len(samples) * (1 - CALIBRATION_SHARE)))
    fit_x, fit_y = matrix[:cut], labels[:cut]
    if fit_y.min() == fit_y.max():  # the earlier part alone cannot be learned from
        cut, fit_x, fit_y = len(samples), matrix, labels
    mean = fit_x.mean(axis=0)
    scale = fit_x.std(axis=0)
    scale[scale == 0] = 1.0
    regression = LogisticRegression(C=1.0, max_iter=2000)
    regression.fit((fit_x - mean) / scale, fit_y)
    platt_a, platt_b = 1.0, 0.0
    calib_y = labels[cut:]
    if len(calib_y) and calib_y.min() != calib_y.max():
        logits = regression.decision_function((matrix[cut:] - mean) / scale).reshape(-1, 1)
        platt = LogisticRegression(C=1e4, max_iter=2000).fit(logits, calib_y)
        platt_a, platt_b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    return RiskModel(
        names=tuple(names),
        mean=tuple(round(float(x), 9) for x in mean),
        scale=tuple(round(float(x), 9) for x in scale),
        coef=tuple(round(float(x), 9) for x in regression.coef_[0]),
        intercept=round(float(regression.intercept_[0]), 9),
        platt_a=round(platt_a, 9),
        platt_b=round(platt_b, 9),
        km=dict(km),
        history=dict(history),
        min_history=min_history,
    )
