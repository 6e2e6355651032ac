"""Screenshots of every console page, made from the demo data, for the README.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a fresh SQLite demo (seed 7, 300 cases) as of a fixed Tuesday morning in New York, serves
the real app under uvicorn on 127.0.0.1 with that instant as its clock, signs in through the
sign-in form with Debian's headless Chromium, hands one case over to L2 and extends one SLA
through the forms (so those parts of the record page have something to show), and saves one PNG
a page at 1440 px wide, and the board, a record and the reports at a phone's 390 px
(``*-phone.png``).
The demo is loaded as of an hour earlier (which trains its breach-risk model and stores its open
milestones' risk, so the board shows risk) and the worker then runs every five minutes up to that
instant, with an ``ops`` webhook endpoint answered in-process, so warnings and violations of the
last hour fire on time and the record page shows actions fired and their deliveries.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page, ViewportSize, sync_playwright
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.console.live, shared with the browser tests

from tests.console.live import CHROMIUM_ARGS, LiveServer, chromium_path  # noqa: E402

from caseclock.api.app import create_app  # noqa: E402
from caseclock.clock import FixedClock  # noqa: E402
from caseclock.config import Settings  # noqa: E402
from caseclock.demo.generator import generate  # noqa: E402
from caseclock.demo.loader import load_demo  # noqa: E402
from caseclock.document_files import load_bundle  # noqa: E402
from caseclock.services.access import create_key  # noqa: E402
from caseclock.services.endpoints import register_endpoint  # noqa: E402
from caseclock.store import migrate  # noqa: E402
from caseclock.store.database import (  # noqa: E402
    SessionFactory,
    make_engine,
    make_session_factory,
)
from caseclock.store.models import EventRow, FiringRow, MilestoneRow, RecordRow  # noqa: E402
from caseclock.worker.loop import Worker  # noqa: E402

NOW = datetime(2026, 11, 24, 16, 10, tzinfo=UTC)  # Tuesday 11:10 in New York
WORKER_HOUR = timedelta(hours=1)
WORKER_STEP = timedelta(minutes=5)
VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def busy_record(factory: SessionFactory) -> tuple[str, str]:
    """An open Gold or Platinum case with actions fired in the last hour and a long timeline,
    and its account: the record page then has a story to tell."""
    with factory() as session:
        events = (
            select(EventRow.record_id, func.count().label("n"))
            .group_by(EventRow.record_id)
            .subquery()
        )
        fired = (
            select(func.count())
            .select_from(FiringRow)
            .where(FiringRow.record_id == RecordRow.id, FiringRow.skipped.is_(False))
            .scalar_subquery()
        )
        row = session.execute(
            select(RecordRow.id, RecordRow.account_id)
            .join(events, events.c.record_id == RecordRow.id)
            .join(MilestoneRow, MilestoneRow.record_id == RecordRow.id)
            .where(
                RecordRow.is_closed.is_(False),
                RecordRow.tier.in_(["Gold", "Platinum"]),
                MilestoneRow.is_open.is_(True),
                MilestoneRow.key == "resolution",
            )
            .order_by(fired.desc(), events.c.n.desc(), RecordRow.id)
            .limit(1)
        ).one()
        return str(row.id), str(row.account_id)


def fire_actions(factory: SessionFactory, url: str) -> None:
    """The worker's passes over the last hour, every five minutes, ending at NOW; webhooks to
    the ``ops`` endpoint are answered 200 in-process."""
    with factory() as session:
        register_endpoint(
            session,
            name="ops",
            kind="webhook",
            url="https://ops.example/hooks/caseclock",
            secret=secrets.token_urlsafe(16),
            now=NOW - WORKER_HOUR,
        )
        session.commit()
    http = httpx.Client(transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    worker = Worker(factory, Settings(database_url=url), http=http)
    try:
        at = NOW - WORKER_HOUR
        while at <= NOW:
            worker.run_once(at)
            at += WORKER_STEP
    finally:
        worker.close()
        http.close()


def shoot(page: Page, url: str, path: Path, *, full: bool = True, explain: bool = False) -> None:
    """Save the page at ``url``; with ``explain``, its first "Why this deadline?" opened."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if explain:
        page.locator("details.explain summary").first.click()
    page.screenshot(path=str(path), full_page=full)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    chromium = chromium_path()
    if chromium is None:
        sys.exit("needs Debian's Chromium: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        bundle = load_bundle(ROOT / "examples" / "policies" / "b2b.yaml")
        with factory() as session:
            start = NOW - WORKER_HOUR
            load_demo(session, bundle, generate(now=start, cases=300, seed=7), now=start)
            key = create_key(session, role="admin", name="lead", accounts=None, now=NOW).secret
            session.commit()
        fire_actions(factory, url)
        record, account = busy_record(factory)
        app = create_app(
            Settings(database_url=url, console_secret=secrets.token_urlsafe(32)),
            clock=FixedClock(NOW),
            engine=engine,
        )
        with LiveServer(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport=VIEWPORT, timezone_id="America/New_York", device_scale_factor=1
            )
            page = context.new_page()
            base = server.url
            shoot(page, base + "/login", out / "login.png", full=False)
            page.get_by_text("Sign in with an API key instead").click()
            page.get_by_label("API key").fill(key)
            page.get_by_label("Your name as owner").fill("ana")
            page.get_by_label("Your team").fill("L1")
            page.get_by_role("button", name="Sign in with the key").click()
            page.wait_for_url(base + "/")
            shoot(page, base + "/?milestone=first_response", out / "at-risk.png", full=False)
            _act_on(page, base + f"/records/{record}")
            shoot(page, base + f"/records/{record}", out / "record.png", explain=True)
            shoot(page, base + "/records?q=sync", out / "records.png", full=False)
            shoot(page, base + f"/accounts/{account}", out / "account.png")
            shoot(page, base + "/processes/gold", out / "process.png")
            shoot(page, base + "/calendars", out / "calendars.png")
            shoot(page, base + "/reports", out / "reports.png")
            phone = browser.new_context(
                viewport=PHONE, timezone_id="America/New_York", device_scale_factor=1
            )
            phone.add_cookies(context.cookies())
            small = phone.new_page()
            shoot(small, base + "/", out / "at-risk-phone.png", full=False)
            shoot(small, base + f"/records/{record}", out / "record-phone.png", full=False)
            shoot(small, base + "/reports", out / "reports-phone.png", full=False)
            browser.close()
        engine.dispose()


def _act_on(page: Page, url: str) -> None:
    """A warm handoff to L2 (which sets the L2 flag, so L2 dwell time starts) and a 4h
    extension of resolution, through the record's forms."""
    page.goto(url)
    handover = page.locator("#form-owner")
    handover.get_by_label("New owner", exact=True).fill("fatima")
    handover.get_by_label("Team (optional)").fill("L2")
    handover.get_by_label("L2 escalated").check()
    handover.get_by_label("Handoff note for the new owner").fill(
        "Customer runs v4.2 on two nodes; sync fails only on the second. Logs are attached; "
        "they expect a call before 3 pm their time."
    )
    page.get_by_role("button", name="Hand over").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Milestone", exact=True).select_option("resolution")
    page.get_by_label("Change", exact=True).select_option("extend")
    page.get_by_label("Amount").fill("4h")
    page.get_by_label("Reason").fill("customer asked to wait for their change window")
    page.get_by_role("button", name="Change SLA").click()
    page.wait_for_load_state("networkidle")


if __name__ == "__main__":
    main()
