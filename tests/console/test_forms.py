"""The record page's forms as a lead uses them: a refused form keeps its place and what was
typed; the fields a policy reads, the handover and manual completion run its milestones."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from caseclock.clock import FixedClock
from caseclock.store.models import EventRow
from tests.conftest import Database
from tests.console.conftest import Web
from tests.console.test_pages import event_count


def form_html(html: str, form_id: str) -> str:
    """The markup of one form of the page."""
    match = re.search(rf'<form [^>]*id="{form_id}".*?</form>', html, re.S)
    assert match is not None, f"no form {form_id}"
    return match.group(0)


def milestone_html(html: str, key: str) -> str:
    match = re.search(rf'<li class="milestone [^"]*" data-milestone="{key}".*?</li>', html, re.S)
    assert match is not None, f"no milestone {key}"
    return match.group(0)


def events_of(db: Database, record: str) -> list[tuple[str, dict[str, object]]]:
    with db.session_factory() as session:
        rows = session.scalars(
            select(EventRow).where(EventRow.record_id == record).order_by(EventRow.seq)
        ).all()
        return [(r.type, dict(r.data)) for r in rows]


def test_refused_form_shows_its_error_in_place_and_keeps_what_was_typed(
    agent: Web, db: Database
) -> None:
    """An SLA change with an amount that is no duration answers the record page (422) with the
    error inside the SLA form, next to the amount, every typed value kept; nothing is written,
    and the form posts to its own anchor so the browser lands on it, not on the page's top."""
    count = event_count(db)
    response = agent.post(
        "/records/C-3/sla",
        {
            "milestone": "resolution",
            "action": "shorten",
            "amount": "2 parsecs",
            "reason": "the customer's change window moved",
        },
        token_from="/records/C-3",
    )
    assert response.status_code == 422
    sla = form_html(response.text, "form-sla")
    assert 'action="/records/C-3/sla#form-sla"' in sla
    assert 'class="form-error" role="alert" id="sla-error"' in sla
    assert re.search(r'id="sla-amount"[^>]*value="2 parsecs"[^>]*aria-invalid="true"', sla)
    assert 'value="the customer&#39;s change window moved"' in sla
    assert '<option value="shorten" selected>' in sla
    assert '<option value="resolution" selected>' in sla
    assert "sla-error" not in form_html(response.text, "form-comment")
    assert event_count(db) == count


def test_a_comment_over_the_size_limit_is_refused_at_the_form(agent: Web, db: Database) -> None:
    """A 1 MB comment is refused with the limit (64 KiB) named in the comment form; nothing is
    stored, and the box itself holds at most that many characters."""
    count = event_count(db)
    response = agent.post(
        "/records/C-2/comment",
        {"body": "x" * 1_000_000, "visibility": "internal"},
        token_from="/records/C-2",
    )
    assert response.status_code == 422
    comment = form_html(response.text, "form-comment")
    assert "at most 65536 characters" in comment
    assert 'maxlength="65536"' in comment
    assert 'value="internal" checked' in comment
    assert event_count(db) == count


def test_status_is_a_pick_list_of_the_process_statuses(agent: Web, db: Database) -> None:
    """The status form offers the record's status and those its process names; a status from
    elsewhere is refused at the form and not written."""
    status = form_html(agent.get("/records/C-1").text, "form-status")
    options = re.findall(r'<option value="([^"]+)"', status)
    assert options == ["New", "Waiting for Customer", "Investigating", "Closed"]
    count = event_count(db)
    response = agent.post("/records/C-1/status", {"status": "Party"}, token_from="/records/C-1")
    assert response.status_code == 422
    assert "choose one of New, Waiting for Customer" in form_html(response.text, "form-status")
    assert event_count(db) == count


def test_fields_form_runs_the_milestones_on_those_fields(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """The fields form offers what the policy reads (priority, the L2 flag, root cause): ticking
    the L2 flag starts L2 dwell; filling in the root cause completes root cause analysis;
    fields left as they were write nothing."""
    html = agent.get("/records/C-3").text
    fields = form_html(html, "form-fields")
    assert 'name="field.l2_escalated"' in fields
    assert "L2 escalated" in fields
    assert 'name="field.root_cause"' in fields
    assert 'name="field.priority"' in fields
    agent.post("/records/C-3/status", {"status": "Investigating"}, token_from="/records/C-3")
    before = len(events_of(db, "C-3"))
    agent.post(
        "/records/C-3/fields",
        {"field.priority": "P3", "field.l2_escalated": "on", "field.root_cause": ""},
        token_from="/records/C-3",
    )
    written = events_of(db, "C-3")[before:]
    assert written == [("field", {"field": "l2_escalated", "value": True})]
    assert "On track" in milestone_html(agent.get("/records/C-3").text, "l2_dwell")
    clock.advance(timedelta(hours=1))
    agent.post(
        "/records/C-3/fields",
        {"field.priority": "P1", "field.l2_escalated": "on", "field.root_cause": "bad index"},
        token_from="/records/C-3",
    )
    assert events_of(db, "C-3")[before + 1 :] == [
        ("priority", {"priority": "P1"}),
        ("field", {"field": "root_cause", "value": "bad index"}),
    ]
    page = agent.get("/records/C-3").text
    assert "Completed on time" in milestone_html(page, "root_cause")


def test_handover_to_l2_sets_the_flag_and_mark_complete_clears_it(
    agent: Web, db: Database, clock: FixedClock
) -> None:
    """Handing a case to L2 with the L2 flag ticked starts its L2 dwell clock in the same
    instant; "Mark complete" on that milestone clears the flag and completes it. Milestones
    completed by what they wait for (a reply) offer no such button."""
    page = agent.get("/records/C-1").text
    assert "Mark complete" not in milestone_html(page, "first_response")
    agent.post(
        "/records/C-1/owner",
        {"owner": "chen", "team": "L2", "note": "logs attached", "field.l2_escalated": "on"},
        token_from="/records/C-1",
    )
    kinds = [kind for kind, _ in events_of(db, "C-1")[-2:]]
    assert kinds == ["owner", "field"]
    dwell = milestone_html(agent.get("/records/C-1").text, "l2_dwell")
    assert "Mark complete" in dwell
    clock.advance(timedelta(minutes=40))
    response = agent.post(
        "/records/C-1/complete", {"milestone": "l2_dwell"}, token_from="/records/C-1"
    )
    assert response.status_code == 303
    assert "L2+dwell+time+marked+complete" in response.headers["location"]
    assert events_of(db, "C-1")[-1] == ("field", {"field": "l2_escalated", "value": None})
    dwell = milestone_html(agent.get("/records/C-1").text, "l2_dwell")
    assert "Completed on time" in dwell


def test_mark_complete_is_refused_where_the_definition_does_not_allow_it(
    agent: Web, db: Database
) -> None:
    """Completing a reply milestone by hand is refused with a reason, and writes nothing."""
    count = event_count(db)
    response = agent.post(
        "/records/C-1/complete", {"milestone": "first_response"}, token_from="/records/C-1"
    )
    assert response.status_code == 422
    assert "completed by what it waits for" in unescape(response.text)
    assert event_count(db) == count
