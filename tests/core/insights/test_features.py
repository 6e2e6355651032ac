"""As-of features: what a prediction at an instant reads, and that it never looks past it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caseclock.core.events import Event
from caseclock.core.insights.features import (
    as_of,
    cue_counts,
    features,
    prefix,
    sentiment_scores,
)
from tests.core.evaluate_setup import B2B, CALENDARS, Timeline, at

ORIGIN = at("2026-03-02T09:00:00-05:00")
BODIES = (
    "Thanks, that helps.",
    "This is the third time I ask. Production is down!",
    "Still waiting, this is really frustrating.",
    "Logs attached.",
    None,
)
CHANGES: list[tuple[str, dict[str, Any]]] = [
    ("comment", {"public": True, "author_role": "agent", "body": "Could you send the logs?"}),
    ("comment", {"public": True, "author_role": "customer"}),
    ("status", {"status": "Waiting for Customer"}),
    ("status", {"status": "Investigating"}),
    ("owner", {"owner": "ana", "team": "L1"}),
    ("owner", {"owner": "eli", "team": "L2"}),
    ("priority", {"priority": "P1"}),
    ("override", {"milestone": "resolution", "pause": True, "by": "lee", "reason": "vendor"}),
    ("override", {"milestone": "resolution", "resume": True, "by": "lee", "reason": "back"}),
    ("closed", {}),
]


def _event(n: int, kind: str, when: datetime, data: dict[str, Any]) -> Event:
    return Event.model_validate(
        {"id": f"e{n}", "record": "C-1", "type": kind, "at": when.isoformat(), "data": data}
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Event], datetime]:
    """One case's ordered events and an instant inside its life."""
    created = ORIGIN + timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
    events = [_event(0, "created", created, {"type": "case", "status": "New", "priority": "P2"})]
    when = created
    for n in range(1, draw(st.integers(0, 14)) + 1):
        when += timedelta(minutes=draw(st.integers(1, 36 * 60)))
        kind, data = draw(st.sampled_from(CHANGES))
        if kind == "comment" and data["author_role"] == "customer":
            data = {**data, "body": draw(st.sampled_from(BODIES))}
        events.append(_event(n, kind, when, data))
    instant = created + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    return events, instant


@settings(max_examples=60, deadline=None)
@given(histories())
def test_features_never_read_past_the_instant(history: tuple[list[Event], datetime]) -> None:
    """Cutting the timeline after the prediction instant changes neither the snapshot nor a
    single feature: nothing that happened later can leak into a prediction or a training row."""
    events, instant = history
    process = B2B.processes["gold"]
    whole = as_of(process, events, instant, calendars=CALENDARS)
    cut = prefix(events, instant)
    assert as_of(process, cut, instant, calendars=CALENDARS) == whole
    scores_whole = sentiment_scores(events)
    scores_cut = sentiment_scores(cut)
    for snap in whole.values():
        whole_features = features(snap, events, scores=scores_whole, cues=cue_counts(events))
        assert whole_features == features(snap, cut, scores=scores_cut, cues=cue_counts(cut))


def test_snapshot_counts_what_was_known_then() -> None:
    """At an instant the features count the reassignments, customer comments, the customer's
    unanswered wait and the share of the target used so far."""
    t = (
        Timeline()
        .created("2026-03-03T09:00:00-05:00", priority="P2", tier="Gold")
        .add("owner", "2026-03-03T09:10:00-05:00", owner="ana", team="L1")
        .add("owner", "2026-03-03T10:00:00-05:00", owner="bo", team="L1")
        .add(
            "comment",
            "2026-03-03T11:00:00-05:00",
            public=True,
            author_role="customer",
            body="This is the second time I ask, production is down. Terrible.",
        )
    )
    instant = at("2026-03-03T13:00:00-05:00")
    snaps = as_of(B2B.processes["gold"], t.events, instant, calendars=CALENDARS)
    resolution = snaps[("resolution", 1)]
    feats = features(
        resolution,
        t.events,
        scores=sentiment_scores(t.events),
        cues=cue_counts(t.events),
        backlog=4,
    )
    assert feats.reassignments == 1
    assert feats.numeric["customer_comments"] == 1.0
    assert feats.customer_waiting_s == 2 * 3600
    assert feats.numeric["sentiment_last"] < -0.2
    assert feats.numeric["urgency"] == 2.0  # asked again, production down
    assert 0 < feats.numeric["share"] < 1
    assert feats.categorical == {"definition": "resolution", "tier": "Gold", "team": "L1"}
