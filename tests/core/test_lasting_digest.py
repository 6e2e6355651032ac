"""The digest of a milestone row's lasting values: equal values, equal digests; any lasting
change, a new digest; what moves with the clock, no change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caseclock.core.milestones import Milestone, MilestoneState, Timer, TimerKind, lasting_digest

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def running(**changes: object) -> Milestone:
    values: dict[str, object] = {
        "calendar": "us-east",
        "started_at": T0,
        "deadline": T0 + timedelta(hours=4),
        "warning_at": T0 + timedelta(hours=3),
        "target": timedelta(hours=4),
        "elapsed": timedelta(minutes=30),
        "remaining": timedelta(hours=3, minutes=30),
        "owner": None,
    }
    values.update(changes)
    return Milestone("first_response", "First response", 1, MilestoneState.RUNNING, **values)  # type: ignore[arg-type]


def plan(milestone: Milestone) -> list[Timer]:
    assert milestone.deadline is not None
    return [
        Timer(milestone.deadline - timedelta(hours=1), milestone.key, 1, TimerKind.WARNING),
        Timer(milestone.deadline, milestone.key, 1, TimerKind.VIOLATION),
    ]


def digest(milestone: Milestone, owner: str | None = "ana", team: str | None = "L1") -> str:
    return lasting_digest(
        "C-1", milestone, plan(milestone), 0, owner=owner, team=team, account="acme"
    )


def test_equal_values_give_equal_digests_however_objects_are_shared() -> None:
    """From marshal's version 3 on, an object met twice is written as a back-reference; the
    digest must not see whether owner and team are one string object or two equal ones."""
    shared = "".join(["sup", "port"])
    one, other = "".join(["sup", "port"]), "".join(["supp", "ort"])
    assert one is not other
    assert digest(running(), owner=shared, team=shared) == digest(running(), owner=one, team=other)


def test_what_moves_with_the_clock_does_not_change_the_digest() -> None:
    later = running(elapsed=timedelta(hours=1), remaining=timedelta(hours=3))
    assert digest(later) == digest(running())


@pytest.mark.parametrize(
    "changed",
    [
        running(deadline=T0 + timedelta(hours=5)),
        running(warning_at=T0 + timedelta(hours=2)),
        running(started_at=T0 + timedelta(minutes=1)),
        running(target=timedelta(hours=8)),
        running(paused=timedelta(minutes=5)),
        running(calendar="eu-west"),
        running(late=True),
    ],
)
def test_a_lasting_change_changes_the_digest(changed: Milestone) -> None:
    assert digest(changed) != digest(running())


def test_owner_team_state_and_next_timer_are_lasting() -> None:
    base = digest(running())
    assert digest(running(), owner="eli") != base
    assert digest(running(), team="L2") != base
    completed = running()
    completed.state = MilestoneState.COMPLETED
    assert digest(completed) != base
    m = running()
    assert lasting_digest("C-1", m, plan(m), 1, owner="ana", team="L1", account="acme") != base


def test_identity_account_and_the_plan_are_lasting() -> None:
    m = running()
    timers = plan(m)
    base = lasting_digest("C-1", m, timers, 0, owner="ana", team="L1", account="acme")

    def with_(**changes: object) -> str:
        args: dict[str, object] = {
            "record_id": "C-1",
            "milestone": m,
            "timers": timers,
            "first": 0,
            "owner": "ana",
            "team": "L1",
            "account": "acme",
        }
        args.update(changes)
        return lasting_digest(**args)  # type: ignore[arg-type]

    other_key = Milestone("resolution", m.name, 1, m.state, deadline=m.deadline)
    renamed = Milestone(m.key, "First reply", 1, m.state, deadline=m.deadline)
    second_cycle = Milestone(m.key, m.name, 2, m.state, deadline=m.deadline)
    later_warning = [Timer(timers[0].at + timedelta(minutes=1), m.key, 1, TimerKind.WARNING)]
    repeated = [timers[0], Timer(timers[1].at, m.key, 1, TimerKind.VIOLATION, sequence=1)]
    success = [timers[0], Timer(timers[1].at, m.key, 1, TimerKind.SUCCESS)]
    digests = [
        with_(record_id="C-2"),
        with_(milestone=other_key),
        with_(milestone=renamed),
        with_(milestone=second_cycle),
        with_(account="globex"),
        with_(timers=[*timers, later_warning[0]]),
        with_(timers=repeated),
        with_(timers=success),
        with_(timers=list(reversed(timers))),
        with_(timers=timers[:1]),
    ]
    assert base not in digests
    assert len(set(digests)) == len(digests)
