""" "Why this deadline?" in sentences on the reader's clock, from the engine's own replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from caseclock.console.deadline_story import Story, event_words, story
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.calendar_spec import CalendarSpec
from caseclock.core.evaluate import replay_record
from caseclock.core.events import Event
from caseclock.core.policy import Process

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
CALENDARS = {
    "nights": BusinessCalendar(
        CalendarSpec.model_validate(
            {
                "name": "nights",
                "timezone": "America/New_York",
                "week": {
                    day: [["22:00", "24:00"], ["00:00", "06:00"]]
                    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
            }
        )
    ),
    "days": BusinessCalendar(
        CalendarSpec.model_validate(
            {
                "name": "days",
                "timezone": "America/New_York",
                "week": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
                "holidays": ["2026-04-03"],
            }
        )
    ),
}
PROCESS = Process.model_validate(
    {
        "key": "p",
        "name": "P",
        "calendar": "days",
        "milestones": [
            {
                "key": "resolution",
                "name": "Resolution",
                "start": {"on": "created"},
                "complete": {"on": "closed"},
                "pause": {"field": "status", "value": "Waiting for Customer"},
                "target": {
                    "rules": [{"when": {"field": "priority", "value": "P1"}, "duration": "8h"}],
                    "duration": "2bd",
                },
            },
            {
                "key": "night_watch",
                "start": {"on": "created"},
                "complete": {"on": "closed"},
                "calendar": "nights",
                "target": "8h",
            },
        ],
    }
)


def event(number: int, kind: str, at: str, **data: Any) -> Event:
    return Event.model_validate(
        {"id": f"e{number}", "record": "C-1", "type": kind, "at": at, "data": data}
    )


def told(events: list[Event], now: str, key: str, zone: ZoneInfo = NEW_YORK) -> Story:
    instant = datetime.fromisoformat(now)
    replay = replay_record(PROCESS, events, instant, calendars=CALENDARS)
    track = next(t for t in replay.tracks if t.key == key)
    return story(track, track.cycles[-1], PROCESS.definition(key), now=instant, zone=zone)


def test_the_story_says_what_started_it_the_target_and_why_pauses_and_overrides() -> None:
    """Sentences name the start, the target rule in words, the pause with what caused and ended
    it, the override with who and why, the holiday skipped and the deadline, all in the
    reader's zone, with no event ids or UTC offsets."""
    events = [
        event(1, "created", "2026-04-02T09:00:00-04:00", priority="P1", status="New"),
        event(2, "status", "2026-04-02T10:00:00-04:00", status="Waiting for Customer"),
        event(3, "status", "2026-04-02T12:00:00-04:00", status="Investigating"),
        event(
            4,
            "override",
            "2026-04-02T13:00:00-04:00",
            milestone="resolution",
            extend="1h",
            by="ana",
            reason="vendor fix",
        ),
    ]
    text = told(events, "2026-04-06T09:30:00-04:00", "resolution")
    sentences = " ".join(text.sentences)
    assert "The clock started on Thu 02 Apr at 09:00 EDT, when the record was created." in sentences
    assert "The target is 8 business hours, counted in the open hours of the days" in sentences
    assert "because priority is P1" in sentences
    assert (
        "paused from Thu 02 Apr at 10:00 EDT, when the status became Waiting for Customer"
        in sentences
    )
    assert (
        "until Thu 02 Apr at 12:00 EDT, when the status became Investigating: 2h 00m not counted"
        in sentences
    )
    assert (
        "ana extended it by 1 business hour on Thu 02 Apr at 13:00 EDT: “vendor fix”." in sentences
    )
    assert "Holidays on its calendar are skipped: Fri 03 Apr." in sentences
    assert "So the deadline is Mon 06 Apr at 12:00 EDT" in sentences
    assert "e1" not in sentences
    assert "-0400" not in sentences
    assert text.counted[0] == "Thu 02 Apr 09:00\N{EN DASH}10:00 EDT: 1h 00m"


def test_times_are_on_the_reader_clock() -> None:
    """A reader in London reads the same instants on London's clock."""
    events = [event(1, "created", "2026-04-02T09:00:00-04:00", status="New")]
    text = told(events, "2026-04-02T10:00:00-04:00", "resolution", zone=LONDON)
    assert (
        text.sentences[0]
        == "The clock started on Thu 02 Apr at 14:00 BST, when the record was created."
    )


def test_a_night_shift_across_the_clock_change_counts_its_real_length() -> None:
    """On the night clocks spring forward a 22:00-06:00 shift is 7 hours, and the story says
    so (the wall clock shows 8)."""
    events = [event(1, "created", "2026-03-07T21:00:00-05:00", status="New")]
    text = told(events, "2026-03-08T12:00:00-04:00", "night_watch")
    assert text.counted[0] == "Sat 07 Mar 22:00 EST \N{EN DASH} Sun 08 Mar 06:00 EDT: 7h 00m"
    assert "Now, Sun 08 Mar at 12:00 EDT, 7h 00m has been counted." in text.sentences


def test_a_handoff_to_a_role_queue_names_the_queue() -> None:
    """A team that is a role queue reads as that queue, with or without an owner; any other
    team as it is."""
    queues = {"senior_engineer"}
    at = "2026-04-02T09:00:00-04:00"
    to_queue = event(1, "owner", at, owner=None, team="senior_engineer")
    assert event_words(to_queue, queues=queues) == "it was handed to the Senior engineer queue"
    to_ana = event(2, "owner", at, owner="ana", team="senior_engineer")
    assert event_words(to_ana, queues=queues) == "it was handed to ana in the Senior engineer queue"
    to_team = event(3, "owner", at, owner=None, team="L2")
    assert event_words(to_team, queues=queues) == "it was handed to nobody of L2"
