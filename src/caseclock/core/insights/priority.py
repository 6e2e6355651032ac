"""A priority suggested for a record from what its customer wrote and who the customer is.

Points, each with its reason: the customer's recent comments (an outage cue 2, another
urgency cue 1 each up to 2; a very negative latest comment 2, a negative one 1), the account's
tier (a high tier 1), its health (renewal within 60 days 1; two or more breaches in the last
30 days 1). Only records whose customer said something urgent or unhappy get a suggestion:
tier and health weigh a signal, they never make one. Five points or more suggest the highest
priority of the record's scale, three or four the second, one or two the third; a suggestion is
made only when it is higher than the record's priority now (it never lowers one).

Scales: ``P1``..``P4`` (P1 highest) or ``Urgent, High, Normal, Low``, read from the record's
priority (the first scale when it has none or another word).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

SCALES: Final = (
    ("P1", "P2", "P3", "P4"),
    ("Urgent", "High", "Normal", "Low"),
)
HIGH_TIERS: Final = frozenset({"platinum", "enterprise", "premium"})
RENEWAL_DAYS: Final = 60
BREACHES: Final = 2  # breaches in the last 30 days that count against the account's health
_BANDS: Final = {-2: "very negative", -1: "negative"}
_CUE_WORDS: Final = {
    "outage": "says production is down",
    "asap": "asks for it now",
    "repeat": "has asked before",
    "impact": "reports business impact",
    "deadline": "has a deadline of their own",
    "escalation": "threatens to escalate",
}


@dataclass(frozen=True, slots=True)
class PrioritySignals:
    """What the suggestion weighs, read from the record, its comments and its account."""

    current: str | None
    tier: str | None
    latest_band: int | None  # the latest customer comment's sentiment band (-2 .. 2)
    latest_drivers: tuple[str, ...] = ()  # the words behind it
    cues: tuple[tuple[str, str], ...] = ()  # (rule, words) of the recent customer comments
    renewal_in_days: int | None = None
    recent_breaches: int = 0


@dataclass(frozen=True, slots=True)
class Suggestion:
    suggested: str
    current: str | None
    points: int
    reasons: tuple[str, ...]


def scale_of(priority: str | None) -> tuple[str, ...]:
    """The scale a priority belongs to (case ignored); the ``P`` scale otherwise."""
    folded = (priority or "").casefold()
    for scale in SCALES:
        if folded in {p.casefold() for p in scale}:
            return scale
    return SCALES[0]


def _rank(priority: str | None, scale: Sequence[str]) -> int:
    folded = (priority or "").casefold()
    for index, name in enumerate(scale):
        if name.casefold() == folded:
            return index
    return len(scale)  # none, or a word of no scale: below the lowest


def _comment_points(signals: PrioritySignals) -> tuple[int, list[str]]:
    points, reasons = 0, []
    rules = dict.fromkeys(rule for rule, _ in signals.cues)
    if "outage" in rules:
        points += 2
    others = [rule for rule in rules if rule != "outage"]
    points += min(2, len(others))
    for rule, words in signals.cues:
        if rule in rules:
            reasons.append(f"the customer {_CUE_WORDS.get(rule, rule)} (“{words}”)")
            del rules[rule]
    band = signals.latest_band
    if band is not None and band < 0:
        points += -band
        behind = f" ({', '.join(signals.latest_drivers)})" if signals.latest_drivers else ""
        reasons.append(f"the latest customer comment is {_BANDS[max(band, -2)]}{behind}")
    return points, reasons


def suggest_priority(signals: PrioritySignals) -> Suggestion | None:
    """The suggestion for a record, or None (nothing urgent or unhappy, or not higher)."""
    points, reasons = _comment_points(signals)
    if points == 0:
        return None
    if signals.tier and signals.tier.casefold() in HIGH_TIERS:
        points += 1
        reasons.append(f"{signals.tier} tier")
    if signals.renewal_in_days is not None and 0 <= signals.renewal_in_days <= RENEWAL_DAYS:
        points += 1
        reasons.append(f"the account renews in {signals.renewal_in_days} days")
    if signals.recent_breaches >= BREACHES:
        points += 1
        reasons.append(f"{signals.recent_breaches} breaches on the account in 30 days")
    scale = scale_of(signals.current)
    level = 0 if points >= 5 else 1 if points >= 3 else 2
    if level >= _rank(signals.current, scale):
        return None
    return Suggestion(scale[level], signals.current, points, tuple(reasons))
