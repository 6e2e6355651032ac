"""--explain at the core: causes, pauses, overrides and skipped closed time, as lines."""

from __future__ import annotations

from datetime import timedelta

from caseclock.core.durations import parse_duration
from caseclock.core.evaluate import replay_record
from caseclock.core.explain import CycleExplanation, explain
from caseclock.core.policy import parse_bundle
from caseclock.core.simulation import calendars_of
from tests.core.evaluate_setup import B2B, CALENDARS, Timeline, at


def _explained(t: Timeline, now: str) -> dict[tuple[str, int], CycleExplanation]:
    result = replay_record(B2B.processes["gold"], t.events, at(now), calendars=CALENDARS)
    return {(e.key, e.cycle): e for e in explain(result)}


def _text(item: CycleExplanation) -> str:
    return "\n".join(line.text for line in item.lines)


def test_reopened_resolution_explains_the_closed_interval() -> None:
    """A resumed cycle shows the closed time as a pause caused by the close and the reopen."""
    t = (
        Timeline()
        .created("2026-04-06T09:00:00-04:00")
        .add("closed", "2026-04-06T12:00:00-04:00")
        .add("reopened", "2026-04-07T09:00:00-04:00")
    )
    text = _text(_explained(t, "2026-04-07T10:00:00-04:00")["resolution", 1])
    assert "record closed [closed C-1-2]; ended: record reopened [reopened C-1-3]" in text
    assert "resumed: the record was reopened (on_reopen: resume)" in text


def test_override_without_open_cycle_is_noted_not_applied() -> None:
    """An override for a milestone that is not running is listed as ignored, with who and why."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add(
        "override",
        "2026-04-06T10:00:00-04:00",
        milestone="root_cause",
        extend="1h",
        by="lee",
        reason="vendor delay",
    )
    notes = _explained(t, "2026-04-06T11:00:00-04:00")["root_cause", 0]
    assert _text(notes) == "override extend by lee: vendor delay ignored: no open cycle"


def test_target_rule_and_holiday_are_explained() -> None:
    """The matching target rule is named; a public holiday inside the span is named too."""
    t = Timeline().created("2026-05-22T15:00:00-04:00")
    result = replay_record(
        B2B.processes["gold"],
        t.events,
        at("2026-05-22T15:00:00-04:00"),
        calendars=CALENDARS,
        account={"renewal_date": "2026-06-01"},
    )
    text = _text({(e.key, e.cycle): e for e in explain(result)}["resolution", 1])
    assert "16h on calendar us-east (target rule 1: account.renewal_date within next 30d)" in text
    assert "2026-05-25 holiday: Memorial Day" in text


def test_pause_until_in_the_past_is_noted_and_ignored() -> None:
    """A pause_until that has already passed when it is given changes nothing and says so."""
    t = Timeline().created("2026-04-06T09:00:00-04:00")
    t.add(
        "override",
        "2026-04-06T10:00:00-04:00",
        milestone="resolution",
        by="lee",
        reason="typo",
        pause_until="2026-04-06T09:30:00-04:00",
    )
    text = _text(_explained(t, "2026-04-06T11:00:00-04:00")["resolution", 1])
    assert "override pause_until 2026-04-06T09:30:00-04:00 by lee: typo ignored: past" in text
    assert "paused" not in text


NIGHT_SHIFT = """
calendars:
  - name: nights
    timezone: America/New_York
    week: {mon: [["22:00", "06:00"]], tue: [["22:00", "06:00"]], wed: [["22:00", "06:00"]],
           thu: [["22:00", "06:00"]], fri: [["22:00", "06:00"]], sat: [["22:00", "06:00"]],
           sun: [["22:00", "06:00"]]}
processes:
  nights:
    name: Night desk
    calendar: nights
    milestones:
      - key: resolution
        start: {on: created}
        complete: {on: closed}
        target: 8h
entitlement_rules:
  default: nights
"""


def test_counted_spans_print_real_elapsed_time_across_a_dst_change() -> None:
    """On the spring-forward night an 8-hour night shift lasts 7 hours: each counted span
    prints its real length, so the spans add up to the 8 hours counted."""
    bundle = parse_bundle(NIGHT_SHIFT)
    calendars = calendars_of(bundle)
    t = Timeline().created("2026-03-07T22:00:00-05:00")
    result = replay_record(
        bundle.processes["nights"], t.events, at("2026-03-09T12:00:00-04:00"), calendars=calendars
    )
    (story,) = explain(result)
    counted = [
        parse_duration(line.text.split()[-1]).amount
        for line in story.lines
        if line.text.strip().startswith("counted")
    ]
    assert sum(counted, timedelta(0)) == timedelta(hours=8)
    assert any(line.text.endswith("8h counted") for line in story.lines)
