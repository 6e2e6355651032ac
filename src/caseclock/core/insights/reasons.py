"""Risk reasons in words: "70 % of target used", "customer waiting 2 days", "3 reassignments"."""

from __future__ import annotations

from caseclock.core.insights.features import Features
from caseclock.core.insights.risk import Reason

_FIXED = {
    "paused_now": "clock paused",
    "waiting_on_customer": "waiting on the customer",
    "sentiment_fall": "sentiment falling",
    "sentiment_last": "customer's last comment negative",
    "sentiment_min": "a very negative customer comment",
    "urgency": "urgency in customer comments",
    "km": "this milestone usually breaches from here",
    "weekend": "weekend",
    "priority_rank": "priority",
    "target_log_h": "target length",
    "left_log_h": "time left",
    "hour_sin": "time of day",
    "hour_cos": "time of day",
    "customer_comments": "many customer comments",
    "agent_replies": "many agent replies",
    "team_changes": "moved between teams",
    "backlog_log": "owner's open milestones",
}


def span(seconds: float) -> str:
    """A rough duration for reasons: ``3 hours``, ``2 days``."""
    hours = seconds / 3600
    if hours < 1:
        return f"{max(1, round(seconds / 60))} min"
    if hours < 48:
        count = round(hours)
        return f"{count} hour" + ("s" if count != 1 else "")
    return f"{round(hours / 24)} days"


def reason_text(reason: Reason, feats: Features) -> str:
    """One reason as people read it."""
    name = reason.feature
    if name == "share":
        return f"{round(feats.numeric['share'] * 100)} % of target used"
    if name == "customer_waiting_log_h":
        return f"customer waiting {span(feats.customer_waiting_s)}"
    if name == "reassignments":
        count = feats.reassignments
        return f"{count} reassignment" + ("s" if count != 1 else "")
    if "=" in name:
        category, _, value = name.partition("=")
        return {"definition": f"{value} milestone", "tier": f"{value} tier"}.get(
            category, f"{category} {value}"
        )
    return _FIXED.get(name, name)
