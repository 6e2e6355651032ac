"""The at-risk board: counts of the whole filtered queue, its two orders, and one row per
record with its next breach."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from caseclock.channels.email import EmailTemplates
from caseclock.console import board as board_module
from caseclock.console.board import Tick
from caseclock.console.queues import role_queues
from caseclock.core.calendar import BusinessCalendar
from caseclock.core.milestones import Basis, MilestoneState
from caseclock.core.policy import parse_bundle
from caseclock.services.effects import Targets
from caseclock.services.firing import FireOptions, fire_due
from caseclock.services.ingest import ingest
from caseclock.services.policy import apply_bundle
from caseclock.store.models import RecordRow
from tests.conftest import HELPDESK, Database
from tests.console.conftest import Web
from tests.console.scenario import NOW, SYSTEM, T0
from tests.console.test_pages import rows

COUNTS = re.compile(r'<li class="chip (\w+)"><span class="dot" aria-hidden="true"></span>(\d+) ')


def counts(html: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in COUNTS.findall(html)}


def test_counts_cover_every_matching_milestone_not_only_the_rows_shown(
    agent: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for two rows, the summary still counts all seven open milestones: C-1
    violated, C-2 at risk, the other five on track."""
    monkeypatch.setattr(board_module, "BOARD_LIMIT", 2)
    html = agent.get("/").text
    assert len(rows(html)) == 2
    assert counts(html) == {"red": 1, "yellow": 1, "green": 5, "paused": 0}
    assert "Showing the first 2 of 7 open milestones" in html
    standard = counts(agent.get("/?tier=Standard").text)
    assert standard == {"red": 0, "yellow": 0, "green": 1, "paused": 0}


def test_one_row_per_record_shows_its_next_breach(agent: Web) -> None:
    """The records view lists each record once, with the milestone that breaches next."""
    html = agent.get("/?view=records").text
    assert [(r, m) for r, m, _, _ in rows(html)] == [
        ("C-1", "first_response"),
        ("C-2", "first_response"),
        ("C-3", "first_response"),
        ("C-4", "first_response"),
    ]
    assert "Next breach" in html
    assert 'data-refresh="/board/rows?scope=all&amp;view=records"' in html


def test_board_offers_both_orders(agent: Web) -> None:
    """Soonest breach first and least time left first are both offered and kept on refresh."""
    html = agent.get("/?order=time_left").text
    assert '<option value="time_left" selected>Least time left first</option>' in html
    assert 'data-refresh="/board/rows?scope=all&amp;order=time_left"' in html
    assert [r for r, m, _, _ in rows(html) if m == "first_response"] == [
        "C-1",
        "C-2",
        "C-3",
        "C-4",
    ]


CALENDAR_TIME_BUNDLE = """
calendars:
  - name: us-east
    timezone: America/New_York
    week:
      mon: [["09:00", "17:00"]]
      tue: [["09:00", "17:00"]]
      wed: [["09:00", "17:00"]]
      thu: [["09:00", "17:00"]]
      fri: [["09:00", "17:00"]]
    holidays: ["2026-04-03"]
processes:
  weekly:
    name: Weekly update
    calendar: us-east
    milestones:
      - key: status_update
        name: Weekly status update
        start: {on: created}
        complete: {on: comment, public: true, author_role: agent}
        target: 7d
entitlement_rules:
  rules:
    - when: {field: tier, value: Platinum}
      process: weekly
"""


def platinum_case(session: Session, bundle: str, record: str, **data: str) -> None:
    """``bundle`` applied at T0, then the Platinum case ``record`` created at T0 with ``data``."""
    apply_bundle(session, parse_bundle(bundle), now=T0)
    created = {
        "id": f"{record}:created",
        "record": record,
        "type": "created",
        "at": T0.isoformat(),
        "data": {"type": "case", "status": "New", "tier": "Platinum", **data},
    }
    ingest(session, [created], principal=SYSTEM, provenance=HELPDESK, now=NOW)


def test_calendar_time_milestones_say_left_not_business_time_left(agent: Web, db: Database) -> None:
    """A 7-day status update opened at 10:00 has 6d 19h 30m left at 14:30, said as "left"
    and ticking through closed hours; the business-hours first responses say "business time
    left" and count business seconds."""
    with db.session_factory() as session:
        platinum_case(session, CALENDAR_TIME_BUNDLE, "W-1")
        session.commit()
    html = agent.get("/?milestone=status_update").text
    left = 7 * 86400 - int((NOW - T0).total_seconds())
    assert f'data-left="left" data-over="overdue" data-remaining="{left}"' in html
    assert "6d 19h left" in html
    assert "business time left" not in html.split("<tbody>")[1]
    first = agent.get("/?milestone=first_response").text
    assert 'data-left="business time left" data-over="business time overdue"' in first
    record = agent.get("/records/W-1").text
    assert "<dt>Time</dt>" in record  # the status update's wall-clock time left


def test_only_business_time_countdowns_stop_when_the_calendar_closes() -> None:
    """On a Saturday a business-time countdown stands still and a calendar-time one runs:
    the board and the record page both ask ``tick_of`` with the milestone's basis."""
    calendar = BusinessCalendar.from_dict(
        {"name": "weekdays", "timezone": "UTC", "week": {"mon": [["09:00", "17:00"]]}}
    )
    saturday = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    running = MilestoneState.RUNNING
    assert board_module.tick_of(calendar, Basis.BUSINESS, running, saturday) == Tick(False, None)
    assert board_module.tick_of(calendar, Basis.CALENDAR, running, saturday) == Tick(True, None)
    paused = MilestoneState.PAUSED
    assert board_module.tick_of(calendar, Basis.CALENDAR, paused, saturday) == Tick(False, None)


TEAM_LEAD_BUNDLE = CALENDAR_TIME_BUNDLE.replace(
    "        target: 7d\n", "        target: 7d\n        owner: team_lead\n"
)


def test_a_milestone_owned_by_the_team_lead_says_so_in_words(agent: Web, db: Database) -> None:
    """A milestone whose owner is the record's team lead reads "the L2 team lead" on the
    board, not the engine's `team_lead:L2`."""
    with db.session_factory() as session:
        platinum_case(session, TEAM_LEAD_BUNDLE, "W-2", team="L2")
        session.commit()
    body = agent.get("/?milestone=status_update").text.split("<tbody>")[1]
    assert "the L2 team lead" in body
    assert "team_lead:" not in body


ROLE_QUEUE_BUNDLE = (
    CALENDAR_TIME_BUNDLE.replace(
        "        target: 7d\n",
        "        target: 7d\n"
        "        actions: {violation: {do: [{type: reassign, to: 'role:duty_manager'}]}}\n"
        "      - key: queue_pickup\n"
        "        name: Queue pickup\n"
        "        start: {on: team_changed}\n"
        "        complete: {on: owner_set}\n"
        "        target: 1h\n",
    )
    + """
escalation_rules:
  - name: quiet_platinum
    when: {field: tier, value: Platinum}
    since: created
    after: 2h
    calendar: us-east
    do: [{type: reassign, to: "role:senior_engineer"}]
"""
)


def handed_to_a_role_queue(db: Database, record: str) -> None:
    """The Platinum case ``record`` (owner bo), which the escalation rule of
    ``ROLE_QUEUE_BUNDLE`` hands to ``role:senior_engineer`` when it fires at NOW; its "Queue
    pickup" clock starts then and is due an hour later."""
    with db.session_factory() as session:
        platinum_case(session, ROLE_QUEUE_BUNDLE, record, owner="bo")
        targets = Targets({}, "http://console.test", None, EmailTemplates())
        fire_due(session, now=NOW, targets=targets, options=FireOptions(), only=[record])
        session.commit()


def test_a_role_queue_reads_as_a_queue_not_as_its_key(agent: Web, db: Database) -> None:
    """An escalation rule hands W-3 to ``role:senior_engineer``: the engine keeps
    ``senior_engineer`` as its team, and the board, the records list and the record page say
    "Senior engineer queue" (no "team not in the directory" flag), never the key. The queues
    are those the policy reassigns to, from escalation rules and milestone actions alike."""
    handed_to_a_role_queue(db, "W-3")
    with db.session_factory() as session:
        record = session.get(RecordRow, "W-3")
        assert record is not None
        assert (record.owner, record.team) == (None, "senior_engineer")  # the engine's value
        assert role_queues(session) == {"senior_engineer", "duty_manager"}
    board_row = agent.get("/?milestone=status_update").text.split("<tbody>")[1]
    assert '<span class="muted">Senior engineer queue</span>' in board_row
    assert "senior_engineer" not in board_row
    listed = agent.get("/records?q=W-3").text.split("<tbody>")[1]
    assert "Senior engineer queue" in listed
    assert "senior_engineer" not in listed
    page = agent.get("/records/W-3").text
    assert "· Senior engineer queue" in page
    assert "Assigned to owner nobody and Senior engineer queue" in page
    assert "team not in the directory" not in page
    # only the team field of the owner form keeps the engine's value, to send it back as it is
    assert "senior_engineer" not in page.replace('value="senior_engineer"', "")


def test_the_deadline_story_names_the_role_queue(agent: Web, db: Database) -> None:
    """W-3's "Queue pickup" clock started when the escalation rule handed it to
    ``role:senior_engineer``: "Why this deadline?" says it was handed to the Senior engineer
    queue, not to "nobody of senior_engineer"."""
    handed_to_a_role_queue(db, "W-3")
    page = agent.get("/records/W-3").text
    story = page.split("Queue pickup", 1)[1]
    assert re.search(
        r"The clock started on Mon 09 Mar at 14:30 EDT, when it was handed to the Senior "
        r"engineer queue\.",
        story,
    )
    assert "nobody of" not in page
    assert "senior_engineer" not in page.replace('value="senior_engineer"', "")
