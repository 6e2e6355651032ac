"""Priority suggestions from what the customer wrote and who the customer is."""

from __future__ import annotations

import pytest

from caseclock.core.insights.priority import PrioritySignals, scale_of, suggest_priority

OUTAGE = (("outage", "production is down"),)


def test_an_outage_from_an_unhappy_platinum_customer_suggests_the_top_priority() -> None:
    """Outage (2) + very negative (2) + Platinum (1) = 5 points: P1, each point with its
    reason in words."""
    found = suggest_priority(
        PrioritySignals(
            current="P3",
            tier="Platinum",
            latest_band=-2,
            latest_drivers=("terrible (-2.5)",),
            cues=OUTAGE,
        )
    )
    assert found is not None
    assert (found.suggested, found.current, found.points) == ("P1", "P3", 5)
    assert found.reasons == (
        "the customer says production is down (“production is down”)",
        "the latest customer comment is very negative (terrible (-2.5))",
        "Platinum tier",
    )


def test_account_health_weighs_a_signal_but_never_makes_one() -> None:
    """A renewal near and breaches add points to an unhappy comment; on their own (a calm
    customer) they suggest nothing."""
    calm = PrioritySignals(
        current="P4", tier="Platinum", latest_band=1, renewal_in_days=10, recent_breaches=3
    )
    assert suggest_priority(calm) is None
    unhappy = PrioritySignals(
        current="P4", tier="Gold", latest_band=-1, renewal_in_days=10, recent_breaches=3
    )
    found = suggest_priority(unhappy)
    assert found is not None
    assert (found.suggested, found.points) == ("P2", 3)
    assert found.reasons[1:] == (
        "the account renews in 10 days",
        "3 breaches on the account in 30 days",
    )


@pytest.mark.parametrize(
    ("current", "band", "wanted"),
    [
        ("P1", -2, None),  # already the highest: never lowered, never the same
        ("P2", -1, None),  # one point suggests the third level, below P2
        ("P4", -1, "P3"),
        (None, -1, "P3"),  # no priority: any suggestion is higher
        ("Low", -2, "Normal"),  # the words scale, read from the record's priority
        ("normal", -2, None),
    ],
)
def test_suggestions_only_raise_on_the_records_own_scale(
    current: str | None, band: int, wanted: str | None
) -> None:
    """The suggested level is on the scale of the record's priority and only ever higher."""
    found = suggest_priority(PrioritySignals(current=current, tier=None, latest_band=band))
    assert (found.suggested if found else None) == wanted


def test_scales() -> None:
    """P1..P4 unless the priority is a word of the other scale."""
    assert scale_of("urgent")[0] == "Urgent"
    assert scale_of("Sev 2")[0] == "P1"
    assert scale_of(None)[0] == "P1"


def test_cues_count_once_per_rule_and_at_most_two_besides_an_outage() -> None:
    """Three other cues count two points; a rule seen twice counts and reads once."""
    found = suggest_priority(
        PrioritySignals(
            current="P4",
            tier=None,
            latest_band=0,
            cues=(
                ("asap", "ASAP"),
                ("asap", "urgent"),
                ("repeat", "5th time"),
                ("escalation", "lawyer"),
            ),
        )
    )
    assert found is not None
    assert found.points == 2
    assert [r.split(" (")[0] for r in found.reasons] == [
        "the customer asks for it now",
        "the customer has asked before",
        "the customer threatens to escalate",
    ]
