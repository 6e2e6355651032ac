"""Reports: compliance by milestone, tier, team and week; violations; response and resolution
times in business time; their charts and CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from caseclock.clock import FixedClock
from caseclock.services.access import Principal, Role
from caseclock.services.ingest import ingest
from caseclock.services.reports import (
    compliance_report,
    percentile,
    timing_report,
    violations,
)
from tests.conftest import HELPDESK, Database
from tests.console.conftest import Web
from tests.console.scenario import NOW, SYSTEM, T0, Keys
from tests.console.test_board import handed_to_a_role_queue

LATER = NOW + timedelta(hours=1)
EVERYONE = Principal(key_id=0, name="reader", role=Role.VIEWER)


def answer(db: Database, *records: str) -> None:
    """First public replies at NOW: C-1's is 30 minutes late, C-2's on time."""
    events = [
        {
            "id": f"{r}:reply",
            "record": r,
            "type": "comment",
            "at": NOW.isoformat(),
            "data": {"public": True, "author_role": "agent", "author": "ana"},
        }
        for r in records
    ]
    with db.session_factory() as session:
        ingest(session, events, principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([], 0.9, None), ([5.0], 0.9, 5.0), ([float(v) for v in range(1, 11)], 0.9, 9.0)],
)
def test_percentile_is_nearest_rank(values: list[float], share: float, expected: float) -> None:
    """p90 is the smallest value with at least 90 % of values at or below it."""
    assert percentile(values, share) == expected


def test_compliance_sliced_four_ways(db: Database, keys: Keys) -> None:
    """One late and one on-time first response: 50 % met, by milestone, tier, team and week."""
    answer(db, "C-1", "C-2")
    with db.session_factory() as session:
        report = compliance_report(session, EVERYONE, now=LATER, days=90)
    assert (report.overall.on_time, report.overall.late, report.overall.rate) == (1, 1, 0.5)
    assert [(s.label, s.counts.rate) for s in report.by_milestone] == [("First response", 0.5)]
    assert [(s.label, s.counts.decided) for s in report.by_tier] == [("Gold", 2)]
    assert [s.label for s in report.by_team] == ["L1"]
    assert [s.label for s in report.by_week] == ["2026-03-09"]


def test_open_milestone_past_its_deadline_is_a_violation(db: Database, keys: Keys) -> None:
    """Unanswered, C-1 and C-2's first responses count as violated, most overdue first."""
    with db.session_factory() as session:
        found = violations(session, EVERYONE, now=LATER, days=90)
        report = compliance_report(session, EVERYONE, now=LATER, days=90)
    assert [(v.record_id, v.milestone, v.over_by) for v in found] == [
        ("C-1", "First response", timedelta(hours=1, minutes=30)),
        ("C-2", "First response", timedelta(minutes=30)),
    ]
    assert report.overall.violated == 2


def test_times_are_business_time_with_p90(db: Database, keys: Keys) -> None:
    """First responses took 4h30 and 3h30 of business time: average 4h, p90 4h30."""
    answer(db, "C-1", "C-2")
    with db.session_factory() as session:
        timing = timing_report(session, EVERYONE, now=LATER, days=90)
    overall = timing.first_response[0]
    assert (overall.label, overall.count) == ("all tiers", 2)
    assert overall.average == timedelta(hours=4)
    assert overall.p90 == timedelta(hours=4, minutes=30)
    assert timing.resolution[0].count == 0


def test_scoped_key_reports_only_its_accounts(db: Database, keys: Keys) -> None:
    """A key scoped to globex sees none of acme's outcomes."""
    answer(db, "C-1", "C-2")
    scoped = Principal(key_id=0, name="globex", role=Role.VIEWER, accounts=frozenset({"globex"}))
    with db.session_factory() as session:
        assert compliance_report(session, scoped, now=LATER, days=90).overall.decided == 0


def test_reports_page_and_csv(agent: Web, db: Database, clock: FixedClock) -> None:
    """The page draws an SVG chart per view (compliance four ways, two timings, CSAT five
    ways, the two weekly trends of speed and quality); each CSV holds the same numbers."""
    answer(db, "C-1", "C-2")
    clock.set(LATER)
    html = agent.get("/reports").text
    assert html.count("<svg") == 13
    assert "50%" in html
    response = agent.get("/reports/compliance.csv?days=30")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["dimension", "label", "on_time"]
    assert ["milestone", "First response", "1", "1", "0", "2", "0.5000"] in rows
    timing = list(csv.reader(io.StringIO(agent.get("/reports/timing.csv").text)))
    assert ["first_response", "all tiers", "2", "14400", "16200"] in timing
    assert agent.get("/reports/nothing.csv").status_code == 404


def test_csv_cells_that_would_start_a_formula_are_text(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """A violation owned by '=HYPERLINK(…)' of team '+L1' downloads with both cells prefixed by
    an apostrophe, so a spreadsheet shows them as text instead of running them; ordinary cells,
    dates and numbers are left as they are."""
    formula = '=HYPERLINK("http://example.invalid/x","click")'
    created = {
        "id": "F-1:created",
        "record": "F-1",
        "type": "created",
        "at": T0.isoformat(),  # its first response was due at NOW - 30 minutes
        "data": {"type": "case", "status": "New", "account": "acme", "tier": "Gold"}
        | {"owner": formula, "team": "+L1"},
    }
    with db.session_factory() as session:
        ingest(session, [created], principal=SYSTEM, provenance=HELPDESK, now=NOW)
        session.commit()
    clock.set(LATER)
    rows = list(csv.reader(io.StringIO(agent.get("/reports/violations.csv").text)))
    found = next(row for row in rows if row[0] == "F-1")
    assert found[5:7] == [f"'{formula}", "'+L1"]
    assert found[1] == "First response"
    assert int(found[4]) > 0
    assert next(row for row in rows if row[0] == "C-1")[5] == "bo"


def override(db: Database, record: str, at: datetime, **change: object) -> None:
    """An override on the record's first response, by lee."""
    event = {
        "id": f"{record}:override:{at.isoformat()}",
        "record": record,
        "type": "override",
        "at": at.isoformat(),
        "data": {"milestone": "first_response", "by": "lee", "reason": "customer on leave"}
        | change,
    }
    with db.session_factory() as session:
        ingest(session, [event], principal=SYSTEM, provenance=HELPDESK, now=at)
        session.commit()


def test_overridden_slas_are_listed_with_who_and_why(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """Reports list each override of the period, with the change, who made it and why; the
    CSV has the same rows."""
    override(db, "C-2", NOW, extend="2h")
    clock.set(LATER)
    html = agent.get("/reports").text
    assert html.count("Overridden SLAs (1)") == 1
    assert "<title>Reports" in html
    assert "extend 2h" in html
    assert "customer on leave" in html
    rows = list(csv.reader(io.StringIO(agent.get("/reports/overrides.csv").text)))
    assert rows[0] == ["record", "milestone", "at", "change", "by", "reason", "account"]
    assert rows[1:] == [
        ["C-2", "First response", NOW.isoformat(), "extend 2h", "lee", "customer on leave", "acme"]
    ]


def test_a_breach_stays_reported_after_an_extension(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """C-1's first response breached at 14:00; extending it by 2 h at 14:30 turns it green on
    the board, but reports still count the violation and say when it happened and what moved
    the deadline afterwards."""
    override(db, "C-1", NOW, extend="2h")
    clock.set(LATER)
    with db.session_factory() as session:
        found = {v.record_id: v for v in violations(session, EVERYONE, now=LATER, days=90)}
        report = compliance_report(session, EVERYONE, now=LATER, days=90)
    breach = found["C-1"]
    assert breach.violated_at == T0 + timedelta(hours=4)
    assert breach.over_by is None  # within its extended deadline now
    assert [(o.change, o.by) for o in breach.since_breach] == [("extend 2h", "lee")]
    assert report.overall.violated == 2  # C-1 (breached, extended) and C-2 (open, overdue)
    html = agent.get("/reports").text
    assert "violated at Mon 09 Mar 14:00 EDT, extended by 2h by lee" in html
    rows = list(csv.reader(io.StringIO(agent.get("/reports/violations.csv").text)))
    c1 = next(row for row in rows if row[0] == "C-1")
    assert c1[9:] == [
        "business",
        (T0 + timedelta(hours=4)).isoformat(),
        "extend 2h by lee: customer on leave",
    ]


def test_over_by_counts_the_milestone_s_own_clock(db: Database, keys: Keys) -> None:
    """C-2's first response, due 15:00, unanswered at 18:00 is over by 2 h of business time
    (the calendar closes at 17:00), as the board would count it, not by 3 h of wall time."""
    evening = NOW + timedelta(hours=3, minutes=30)  # 18:00 in New York
    with db.session_factory() as session:
        found = {v.record_id: v for v in violations(session, EVERYONE, now=evening, days=90)}
    assert found["C-2"].over_by == timedelta(hours=2)
    assert found["C-2"].basis == "business"


def test_a_violation_in_a_role_queue_names_the_queue(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """W-3, handed to ``role:senior_engineer`` at NOW, is still in that queue when its hour's
    "Queue pickup" runs out: the violations table says "Senior engineer queue" beside the
    owner, not the engine's key."""
    handed_to_a_role_queue(db, "W-3")
    clock.set(NOW + timedelta(hours=2))
    html = agent.get("/reports").text
    table = html.split('id="viol-h"')[1].split("</section>")[0]
    row = next(r for r in table.split("<tr>") if "/records/W-3" in r)
    assert "<td>Queue pickup</td>" in row
    assert '— <span class="muted">Senior engineer queue</span>' in row
    assert "senior_engineer" not in table


def in_the_queue_then_answered(db: Database, record: str) -> None:
    """``record`` handed to ``role:senior_engineer`` at NOW (``handed_to_a_role_queue``);
    while it waits there, lee holds its weekly status update for ten minutes, an agent's public
    reply completes it at NOW + 30 min, and the customer is satisfied (5 of 5)."""
    handed_to_a_role_queue(db, record)
    held: dict[str, object] = {
        "milestone": "status_update",
        "by": "lee",
        "reason": "customer on leave",
    }
    events: list[tuple[str, int, dict[str, object]]] = [
        ("override", 10, held | {"pause": True}),
        ("override", 20, held | {"resume": True}),
        ("comment", 30, {"public": True, "author_role": "agent", "author": "ana"}),
        ("csat", 40, {"score": 5}),
    ]
    with db.session_factory() as session:
        for kind, minutes, data in events:
            at = NOW + timedelta(minutes=minutes)
            event: dict[str, object] = {"id": f"{record}:{kind}:{minutes}", "record": record}
            event |= {"type": kind, "at": at.isoformat(), "data": data}
            ingest(session, [event], principal=SYSTEM, provenance=HELPDESK, now=at)
        session.commit()


def test_the_reports_name_a_role_queue_in_words(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """W-3's status update, completed and rated while the record sits in the Senior engineer
    queue, is counted for that queue: the compliance and CSAT charts, the speed table, the
    trend picker and its charts say "Senior engineer queue"; only the picker's option value
    keeps the engine's key, so choosing it still filters. The CSV keeps the raw team."""
    in_the_queue_then_answered(db, "W-3")
    clock.set(NOW + timedelta(hours=2))
    html = agent.get("/reports?trend=team:senior_engineer").text
    compliance = html.split('id="comp-h"')[1].split("</section>")[0]
    csat = html.split('id="csat-h"')[1].split("</section>")[0]
    speed = html.split('id="bal-h"')[1].split("</section>")[0]
    for section in (compliance, csat, speed):
        assert "Senior engineer queue" in section
        assert "senior_engineer" not in section.replace('value="team:senior_engineer"', "")
    assert 'id="chart-compliance-by-team-t">Compliance by team' in compliance
    assert "L1: 0% met of 2; Senior engineer queue: 50% met of 2" in compliance  # L1 as it is
    assert "Senior engineer queue: 100% satisfied of 1 answers" in csat
    assert "<td>Senior engineer queue</td>" in speed
    option = '<option value="team:senior_engineer" selected>Senior engineer queue</option>'
    assert option in speed
    assert "Average business time per week, Senior engineer queue" in speed
    assert "<td>tier Platinum</td>" in speed  # other groups keep their dimension
    assert '<option value="tier:Platinum">tier Platinum</option>' in speed
    rows = csv.reader(io.StringIO(agent.get("/reports/compliance.csv").text))
    assert any(row[:2] == ["team", "senior_engineer"] for row in rows)


def test_who_held_the_clocks_names_a_role_queue_in_words(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """The holders page counts W-3's time and lee's pause for the Senior engineer queue, in
    words; the agents' and reasons' tables are as they were, and the CSV keeps the raw team."""
    in_the_queue_then_answered(db, "W-3")
    clock.set(NOW + timedelta(hours=2))
    html = agent.get("/reports/holders").text
    main = html.split("<main")[1].split("</main>")[0]
    assert "<td>Senior engineer queue</td>" in main
    assert '<td class="wrap">Senior engineer queue</td>' in main
    assert '<td class="wrap">lee</td>' in main
    assert '<td class="wrap">customer on leave</td>' in main
    assert "senior_engineer" not in main
    assert "senior_engineer" in agent.get("/reports/holders.csv").text


def test_an_overdue_customer_milestone_is_listed_as_the_account_s(agent: Web) -> None:
    """A customer milestone past its due date is a violation whose row says "Customer
    milestone" and the account, linking to the account's milestones, not to the engine record
    that runs its clock."""
    made = agent.post(
        "/accounts/acme/milestones",
        {
            "name": "Kick-off",
            "when": "date",
            "due_on": (NOW - timedelta(days=2)).date().isoformat(),
        },
        token_from="/accounts/acme",
    )
    assert made.status_code == 303
    violations = agent.get("/reports").text.split("Violations (", 1)[1]
    assert '<a href="/accounts/acme#milestones">Customer milestone</a>' in violations
    assert "Kick-off" in violations
    assert "customer-milestones:" not in violations
