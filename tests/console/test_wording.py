"""What a lead reads is worded for people: no engine keys, no offsets, times on their clock."""

from __future__ import annotations

from datetime import timedelta

from caseclock.clock import FixedClock
from caseclock.console.wording import (
    action_words,
    duration_words,
    group_words,
    owner_words,
    team_words,
)
from caseclock.core.actions import ActionSpec
from tests.console.conftest import Web


def test_actions_and_owners_read_as_words() -> None:
    """Recipients, field updates and owners are said, not keyed."""
    said = [
        action_words(ActionSpec.model_validate(a))
        for a in (
            {"type": "email", "to": "team_lead:L2"},
            {"type": "email", "to": "owner"},
            {"type": "set_field", "field": "milestone_completed_at", "value": "completed_at"},
            {"type": "reassign", "to": "role:senior_engineer"},
        )
    ]
    assert said == [
        "email the L2 team lead",
        "email the record's owner",
        "record the time it was completed in the field “Milestone completed at”",
        "reassign to everyone with the senior engineer role",
    ]
    assert owner_words("team_lead") == "the team lead"
    assert owner_words("field:account_manager") == "the person in the field “Account manager”"


def test_a_role_queue_reads_as_a_queue() -> None:
    """A team that is a role's queue (a ``reassign`` to ``role:NAME`` keeps NAME as the team)
    reads as that queue; any other team by its own name."""
    queues = frozenset({"senior_engineer"})
    assert team_words("senior_engineer", queues) == "Senior engineer queue"
    assert team_words("L2", queues) == "L2"
    assert team_words("senior_engineer") == "senior_engineer"  # no policy names it a role


def test_a_report_group_reads_as_words() -> None:
    """The reports' groups: everyone, a tier or team with its dimension, a role's queue alone
    (a tier that happens to share the role's name stays a tier)."""
    queues = frozenset({"senior_engineer"})
    assert group_words("all", "everyone", queues) == "everyone"
    assert group_words("team", "senior_engineer", queues) == "Senior engineer queue"
    assert group_words("team", "L2", queues) == "team L2"
    assert group_words("tier", "senior_engineer", queues) == "tier senior_engineer"


def test_durations_read_as_words() -> None:
    """Targets read as amounts of business or calendar time."""
    assert [duration_words(t) for t in ("4h", "30m", "1bd", "5bd", "30d")] == [
        "4 business hours",
        "30 business minutes",
        "1 business day",
        "5 business days",
        "30 days",
    ]


def test_timeline_and_overrides_use_names_and_the_reader_zone(
    agent: Web, clock: FixedClock
) -> None:
    """Field changes and overrides read in words on the record page: the field's label and
    the milestone's name, not their keys; a flag set to yes; no UTC offsets."""
    agent.post(
        "/records/C-3/fields",
        {"field.priority": "P3", "field.l2_escalated": "on"},
        token_from="/records/C-3",
    )
    clock.advance(timedelta(minutes=5))
    agent.post(
        "/records/C-3/sla",
        {"milestone": "resolution", "action": "extend", "amount": "2h", "reason": "vendor"},
        token_from="/records/C-3",
    )
    html = agent.get("/records/C-3").text
    assert "L2 escalated was set to yes" in html
    assert "Resolution SLA extended by 2 business hours by ana" in html
    assert "l2_escalated" not in html.split('id="forms"')[0].replace(
        'name="field.l2_escalated"', ""
    )
    assert "-0400" not in html
    process = agent.get("/processes/gold").text
    assert "the same clock resumes" in process
