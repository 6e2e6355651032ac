"""The honest evaluation: the model beside the baselines a lead already has, on later history.

At each point of a milestone's life (at its start, at 50 % of its target, at the warning),
over the test samples taken there: ROC AUC, average precision, Brier score and a calibration
table, for the model, for the elapsed share of the target read as a probability, and for the
definition's Kaplan-Meier curve.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from caseclock.core.insights.risk import RiskModel, km_breach, score
from caseclock.services.insights.history import Sample

POOLED = "the three points together"
POINTS = (("at start", 0.0), ("at 50 % of target", 0.5), ("at the warning (75 %)", 0.75))
BINS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0000001)
METHODS = ("model", "elapsed share", "Kaplan-Meier")


def _calibration(predicted: np.ndarray, labels: np.ndarray) -> list[dict[str, Any]]:
    table = []
    for low, high in itertools.pairwise(BINS):
        inside = (predicted >= low) & (predicted < high)
        count = int(inside.sum())
        table.append(
            {
                "from": low,
                "to": min(high, 1.0),
                "count": count,
                "predicted": round(float(predicted[inside].mean()), 4) if count else None,
                "observed": round(float(labels[inside].mean()), 4) if count else None,
            }
        )
    return table


def metrics(predicted: Sequence[float], labels: Sequence[bool]) -> dict[str, Any]:
    """AUC and AP (None when the labels hold one class), Brier, calibration table."""
    p = np.clip(np.asarray(predicted, dtype=float), 0.0, 1.0)
    y = np.asarray(labels, dtype=int)
    both = len(y) > 0 and y.min() != y.max()
    return {
        "auc": round(float(roc_auc_score(y, p)), 4) if both else None,
        "ap": round(float(average_precision_score(y, p)), 4) if both else None,
        "brier": round(float(brier_score_loss(y, p)), 4) if len(y) else None,
        "calibration": _calibration(p, y),
    }


def evaluate(model: RiskModel, samples: Sequence[Sample]) -> list[dict[str, Any]]:
    """One entry per point, then one for the points together (where the elapsed share differs
    between milestones): sample and breach counts, then each method's metrics."""
    results = []
    for label, share in (*POINTS, (POOLED, None)):
        taken = [
            s for s in samples if (share is None or s.share_point == share) and model.knows(s.key)
        ]
        labels = [s.breached for s in taken]
        by_method = {
            "model": [score(model, s.feats).probability or 0.0 for s in taken],
            "elapsed share": [min(1.0, s.feats.numeric["share"]) for s in taken],
            "Kaplan-Meier": [km_breach(model.km[s.key], s.feats.numeric["share"]) for s in taken],
        }
        results.append(
            {
                "point": label,
                "share": share,
                "samples": len(taken),
                "breached": sum(labels),
                "methods": {name: metrics(values, labels) for name, values in by_method.items()},
            }
        )
    return results
