"""A stored breach-risk model applied to features: a calibrated probability and its reasons.

The model is data (``RiskModel``, JSON in the store): a logistic regression over standardised
columns, a Platt calibration fitted on a later slice of the training period, and per definition
a Kaplan-Meier curve of completion time as a share of the target. The curve gives the chance
that a milestone still open at share ``s`` of its target completes only after it,
``S(1) / S(s)``: that conditional survival is itself a column of the regression and the
baseline the evaluation prints beside it.

A definition with fewer closed milestones than the model's ``min_history`` is not scored: the
answer is "not enough history", never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from caseclock.core.insights.features import CATEGORICAL, NUMERIC, Features

KM_GRID: Final = tuple(round(i * 0.05, 2) for i in range(21))  # shares 0 .. 1 of the target
REASONS: Final = 3
MODEL_FORMAT: Final = 1


def km_breach(curve: Sequence[float], share: float) -> float:
    """P(still open at share 1 | open at ``share``) from survival values on ``KM_GRID``."""
    if share >= 1.0:
        return 1.0
    step = min(int(max(share, 0.0) / 0.05), len(curve) - 1)
    at_share = curve[step]
    return min(1.0, curve[-1] / at_share) if at_share > 0 else 1.0


def columns(categories: Mapping[str, Sequence[str]]) -> list[str]:
    """The model's column names: the numeric features, ``km``, then one per category value."""
    return [*NUMERIC, "km"] + [
        f"{name}={value}" for name in CATEGORICAL for value in categories.get(name, ())
    ]


def row(feats: Features, km: float, names: Sequence[str]) -> list[float]:
    """The values of ``names`` (from ``columns``) for one milestone."""
    values: list[float] = []
    for name in names:
        if name == "km":
            values.append(km)
        elif "=" in name:
            category, _, value = name.partition("=")
            values.append(1.0 if feats.categorical.get(category) == value else 0.0)
        else:
            values.append(feats.numeric[name])
    return values


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class RiskModel:
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    platt_a: float  # calibrated logit = a * raw logit + b
    platt_b: float
    km: Mapping[str, tuple[float, ...]]  # definition -> survival on KM_GRID
    history: Mapping[str, int]  # definition -> closed milestones it was trained on
    min_history: int
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "names": list(self.names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "platt": [self.platt_a, self.platt_b],
            "km": {k: list(v) for k, v in self.km.items()},
            "history": dict(self.history),
            "min_history": self.min_history,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RiskModel:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"unknown risk model format {data.get('format')!r}")
        platt = data["platt"]
        return cls(
            names=tuple(data["names"]),
            mean=tuple(float(x) for x in data["mean"]),
            scale=tuple(float(x) for x in data["scale"]),
            coef=tuple(float(x) for x in data["coef"]),
            intercept=float(data["intercept"]),
            platt_a=float(platt[0]),
            platt_b=float(platt[1]),
            km={k: tuple(float(x) for x in v) for k, v in data["km"].items()},
            history={k: int(v) for k, v in data["history"].items()},
            min_history=int(data["min_history"]),
        )

    def knows(self, definition: str) -> bool:
        return self.history.get(definition, 0) >= self.min_history and definition in self.km

    def km_of(self, feats: Features) -> float:
        curve = self.km.get(feats.categorical["definition"])
        return km_breach(curve, feats.numeric["share"]) if curve else 0.0


@dataclass(frozen=True, slots=True)
class Reason:
    feature: str
    weight: float  # its push on the logit, positive raises the risk


@dataclass(frozen=True, slots=True)
class Risk:
    probability: float | None  # None: not enough history for this definition
    reasons: tuple[Reason, ...]
    km: float | None  # the Kaplan-Meier baseline for the same snapshot


def score(model: RiskModel, feats: Features) -> Risk:
    """The calibrated breach probability of one snapshot, with the columns that pushed it up
    most (at most ``REASONS``)."""
    if not model.knows(feats.categorical["definition"]):
        return Risk(None, (), None)
    km = model.km_of(feats)
    values = row(feats, km, model.names)
    z = model.intercept
    pushes: list[Reason] = []
    for name, value, mean, scale, coef in zip(
        model.names, values, model.mean, model.scale, model.coef, strict=True
    ):
        push = coef * (value - mean) / scale
        z += push
        if push > 0.05 and not (name.count("=") and value == 0.0):
            pushes.append(Reason(name, push))
    pushes.sort(key=lambda r: (-r.weight, r.feature))
    probability = _sigmoid(model.platt_a * z + model.platt_b)
    return Risk(round(probability, 4), tuple(pushes[:REASONS]), round(km, 4))
