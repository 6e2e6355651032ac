"""The policy editor: an admin sees the policy in force as YAML, a bad bundle is refused with
each problem at its path and line (nothing applied), a preview tells what would move, and
applying with a migration moves the open records. In Chromium at 1440 and 390 px too."""

from __future__ import annotations

import re
from html import unescape

import pytest
from playwright.sync_api import Page, expect

from caseclock.core.policy import parse_bundle
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import ingest
from caseclock.services.policy_migration import (
    change_policy,
    parse_migrate,
    run_batch,
    unfinished,
)
from caseclock.store.models import MilestoneRow, PolicyMigrationRow, ProcessRow, RecordRow
from tests.conftest import HELPDESK, T0, Database
from tests.console.conftest import Site, Web, sign_in
from tests.console.scenario import Keys


def _text(html: str) -> str:
    match = re.search(r'<textarea id="bundle"[^>]*>(.*?)</textarea>', html, re.S)
    assert match is not None
    return unescape(match.group(1))


@pytest.fixture
def admin(web: Web, keys: Keys) -> Web:
    return web.sign_in(keys.admin, me="root", tz="America/New_York")


def test_the_editor_shows_the_policy_in_force(admin: Web) -> None:
    """The bundle on the page reads back as the processes and rules in force, and applying
    it as it is changes nothing."""
    page = admin.get("/policy")
    assert page.status_code == 200
    bundle = parse_bundle(_text(page.text))
    assert sorted(bundle.processes) == ["gold", "standard"]
    assert bundle.entitlement_rules.replace
    again = admin.post(
        "/policy", {"bundle": _text(page.text), "action": "apply"}, token_from="/policy"
    )
    assert again.status_code == 200, again.text
    assert "process gold: version 1 (unchanged)" in again.text
    assert "(new version)" not in again.text


def test_the_editor_is_for_admins(agent: Web) -> None:
    assert agent.get("/policy").status_code == 403


def test_a_bad_bundle_is_refused_at_its_path_and_line(admin: Web, db: Database) -> None:
    """A target that is not a duration: 422, the problem named with its path and its line,
    what was typed kept, and no new version."""
    text = _text(admin.get("/policy").text).replace("duration: 4h", "duration: soon", 1)
    response = admin.post("/policy", {"bundle": text, "action": "apply"}, token_from="/policy")
    assert response.status_code == 422
    body = unescape(response.text)
    assert "processes.gold.milestones[0].target" in body
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "duration: soon" in row)
    assert f"line {line}" in body
    assert "duration: soon" in _text(response.text)
    with db.session_factory() as session:
        assert session.query(ProcessRow).count() == 2


def test_preview_then_apply_with_the_open_records_moved(admin: Web, db: Database) -> None:
    """Gold's first response cut to an hour: the preview counts the moves and writes nothing;
    applying with "every open record" moves the open Gold cases to version 2, and a case
    answered before the change says its answer was decided under version 1."""
    answered = [
        {
            "id": "K-c",
            "record": "K-1",
            "type": "created",
            "at": "2026-03-09T13:00:00+00:00",
            "data": {"tier": "Gold"},
        },
        {
            "id": "K-a",
            "record": "K-1",
            "type": "comment",
            "at": "2026-03-09T13:30:00+00:00",
            "data": {"public": True, "author_role": "agent"},
        },
    ]
    with db.session_factory() as session:
        ingest(session, answered, principal=SYSTEM, provenance=HELPDESK, now=T0)
        session.commit()
    text = _text(admin.get("/policy").text).replace("duration: 4h", "duration: 1h", 1)
    shown = admin.post(
        "/policy", {"bundle": text, "action": "preview", "migrate": "open"}, token_from="/policy"
    )
    assert shown.status_code == 200, shown.text
    assert "What this bundle would do" in shown.text
    assert "earlier" in shown.text
    with db.session_factory() as session:
        assert session.query(ProcessRow).count() == 2
    done = admin.post(
        "/policy", {"bundle": text, "action": "apply", "migrate": "open"}, token_from="/policy"
    )
    assert done.status_code == 200, done.text
    assert "process gold: version 2 (new version)" in done.text
    with db.session_factory() as session:
        gold = session.query(RecordRow).filter(RecordRow.process_key == "gold").all()
        open_gold = [r for r in gold if not r.is_closed]
        assert open_gold
        assert {r.process_version for r in open_gold} == {2}
        kept = session.query(MilestoneRow).filter(MilestoneRow.record_id == "K-1").all()
        assert {(m.key, m.kept_version) for m in kept} >= {("first_response", 1)}
    record = admin.get("/records/K-1")
    assert "decided under version 1 of Gold" in record.text


def test_a_holiday_from_the_calendars_page_is_previewed_then_applied(
    admin: Web, db: Database
) -> None:
    """The calendars page offers an admin to add a holiday; its form opens the editor on a
    bundle holding only that calendar with the holiday, every open record chosen to move;
    applied, the calendar has it and the open records count on the new version. A date in
    the past is refused, saying why."""
    assert "Add a holiday" in admin.get("/calendars").text
    shown = admin.get("/policy?calendar=us-east&holiday=2026-03-10")
    assert shown.status_code == 200, shown.text
    bundle = parse_bundle(_text(shown.text))
    assert [c.name for c in bundle.calendars] == ["us-east"]
    assert "2026-03-10" in [str(d) for d in bundle.calendars[0].holidays]
    assert not bundle.processes
    assert re.search(r'value="open" checked', shown.text)
    done = admin.post(
        "/policy",
        {"bundle": _text(shown.text), "action": "apply", "migrate": "open"},
        token_from="/policy",
    )
    assert done.status_code == 200, done.text
    assert "calendar us-east: updated" in done.text
    with db.session_factory() as session:
        held = {
            r.calendar_versions.get("us-east") if r.calendar_versions else 1
            for r in session.query(RecordRow).filter(RecordRow.is_closed.is_(False))
            if r.process_key is not None  # a record without a process runs no clock
        }
    assert held == {2}
    past = admin.get("/policy?calendar=us-east&holiday=2026-03-01")
    assert past.status_code == 422
    assert "not in the future" in past.text


def test_an_interrupted_migration_is_resumed_from_the_editor(admin: Web, db: Database) -> None:
    """A migration whose second batch died before its commit: the editor says it was
    interrupted and how far it got; "Resume the migration" moves the rest, each record once."""
    text = _text(admin.get("/policy").text).replace("duration: 4h", "duration: 1h", 1)
    with db.session_factory() as session:
        made = change_policy(
            session,
            parse_bundle(text),
            choice=parse_migrate("open"),
            actor="root",
            now=T0,
        )
        assert made.migration is not None
        run_batch(session, made.migration, now=T0, size=1)
        session.commit()
    with db.session_factory() as session:
        run_batch(session, unfinished(session), now=T0, size=1)
        session.rollback()  # died before its commit
    page = admin.get("/policy")
    assert "A migration was interrupted" in page.text
    assert "moved 1 open record " in unescape(page.text)
    done = admin.post("/policy/resume", {}, token_from="/policy")
    assert done.status_code == 200, done.text
    assert "A migration was interrupted" not in done.text
    with db.session_factory() as session:
        gold = session.query(RecordRow).filter(RecordRow.process_key == "gold").all()
        assert {r.process_version for r in gold if not r.is_closed} == {2}
        assert session.query(PolicyMigrationRow).one().finished_at is not None
    assert admin.post("/policy/resume", {}, token_from="/policy").status_code == 409


@pytest.mark.browser
def test_the_editor_in_a_browser(screen: Page, site: Site) -> None:
    """At 1440 and 390 px: the editor opens from the menu, checking a broken bundle lists the
    problem, a preview shows its tables, and nothing is wider than the screen."""
    sign_in(screen, site, site.keys.admin, me="root")
    screen.get_by_role("link", name="Policy", exact=True).click()
    expect(screen.get_by_role("heading", name="Policy editor")).to_be_visible()
    editor = screen.get_by_label("Bundle (YAML or JSON)")
    original = editor.input_value()
    editor.fill(original.replace("duration: 4h", "duration: soon", 1))
    screen.get_by_role("button", name="Check").click()
    expect(screen.get_by_role("alert")).to_contain_text("processes.gold.milestones[0].target")
    _fits(screen)
    screen.get_by_label("Bundle (YAML or JSON)").fill(
        original.replace("duration: 4h", "duration: 1h", 1)
    )
    screen.get_by_label("every open record").check()
    screen.get_by_role("button", name="Preview").click()
    expect(screen.get_by_role("heading", name="What this bundle would do")).to_be_visible()
    expect(screen.get_by_text("The largest moves")).to_be_visible()
    _fits(screen)


@pytest.mark.browser
def test_a_holiday_from_the_calendars_page_in_a_browser(screen: Page, site: Site) -> None:
    """At 1440 and 390 px: an admin adds a holiday on the Calendars page, lands in the editor
    with every open record chosen to move, previews it; nothing is wider than the screen."""
    sign_in(screen, site, site.keys.admin, me="root")
    screen.goto(f"{site.url}/calendars")
    _fits(screen)
    screen.get_by_label("Add a holiday").first.fill("2026-03-12")
    screen.get_by_role("button", name="Preview it on the open clocks").first.click()
    expect(screen.get_by_role("heading", name="Policy editor")).to_be_visible()
    expect(screen.get_by_label("every open record")).to_be_checked()
    assert "2026-03-12" in screen.get_by_label("Bundle (YAML or JSON)").input_value()
    screen.get_by_role("button", name="Preview").click()
    expect(screen.get_by_role("heading", name="What this bundle would do")).to_be_visible()
    _fits(screen)


def _fits(page: Page) -> None:
    wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wider <= 0, f"{page.url} is {wider}px wider than the screen"
