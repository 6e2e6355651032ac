"""Review digests: sent over real SMTP (text and HTML) and to the team's chat, once per period
however many workers look at the same instant, and again only when the next period ends."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx

from caseclock.channels.email import SmtpSettings
from caseclock.services.access import Principal, Role
from caseclock.services.directory import load_directory
from caseclock.services.endpoints import register_endpoint
from caseclock.services.review_schedules import ScheduleChange, set_schedule
from caseclock.services.teams import get_team, update_team
from caseclock.store.database import SessionFactory
from caseclock.store.models import CycleAnalysisRow, MilestoneRow
from caseclock.worker.reviews import ReviewJob, Sent
from tests.services.review_setup import NOW, OPTIONS, build
from tests.worker.firing_setup import settings_for
from tests.worker.servers import Receiver, SmtpSink

ADMIN = Principal(key_id=1, name="admin", role=Role.ADMIN)


def _job(url: str, factory: SessionFactory, port: int, http: httpx.Client, name: str) -> ReviewJob:
    settings = settings_for(url, port)
    smtp = SmtpSettings(host="127.0.0.1", port=port, sender="caseclock@example.com")
    return ReviewJob(factory, settings, http, smtp, worker=name)


def _with_chat(factory: SessionFactory, receiver: Receiver) -> None:
    with factory() as session:
        register_endpoint(
            session,
            name="l2-chat",
            kind="chat",
            url=receiver.url,
            secret=None,
            now=NOW,
            allow_private=True,
        )
        update_team(
            session, get_team(session, "L2"), {"chat_endpoint": "l2-chat"}, actor="t", now=NOW
        )
        session.commit()


def test_three_workers_send_each_team_digest_once(
    committed_db: tuple[str, SessionFactory],
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
    receiver: Receiver,
) -> None:
    """Three workers look at the same instant at once: each team's weekly digest goes out
    once (email to lee, sam and the team address; chat to L2's endpoint); looking again in
    the same period sends nothing."""
    url, factory = committed_db
    build(factory)
    _with_chat(factory, receiver)
    sink, port = smtp_sink
    jobs = [_job(url, factory, port, client, f"worker-{n}") for n in range(3)]
    results: list[list[Sent]] = [[] for _ in jobs]
    start = threading.Barrier(len(jobs))

    def look(n: int) -> None:
        start.wait()
        results[n] = jobs[n].run(NOW)

    threads = [threading.Thread(target=look, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    sent = sorted((s.team, s.sent) for found in results for s in found)
    assert sent == [("L1", True), ("L2", True)]
    messages = sink.messages()
    assert len(messages) == 2
    l2 = next(m for m in messages if "team L2" in str(m["Subject"]))
    assert sorted(str(l2["To"]).split(", ")) == [
        "l2@example.com",
        "lee@example.com",
        "sam@example.com",
    ]
    text = l2.get_body(("plain",))
    html = l2.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "Violated since the last review" in text.get_content()
    assert "R-VIOL" in html.get_content()
    assert len(receiver.received) == 1
    assert b"Weekly milestone review, team L2" in receiver.received[0].body
    again = _job(url, factory, port, client, "worker-3").run(NOW + timedelta(hours=1))
    assert again == []
    assert len(sink.messages()) == 2


def test_the_next_period_sends_again_with_a_link_to_its_review(
    committed_db: tuple[str, SessionFactory],
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
) -> None:
    """A week later the next digest goes out; its link opens that period in the console."""
    url, factory = committed_db
    build(factory)
    sink, port = smtp_sink
    job = _job(url, factory, port, client, "worker-0")
    job.run(NOW)
    job.next_look = None
    job.run(NOW + timedelta(days=7))
    subjects = sorted(str(m["Subject"]) for m in sink.messages())
    assert len(subjects) == 4
    l2 = [m for m in sink.messages() if "team L2" in str(m["Subject"])][-1]
    body = l2.get_body(("plain",))
    assert body is not None
    assert (
        "/reviews/L2?cadence=weekly&until=2026-03-16T08%3A00%3A00%2B00%3A00" in body.get_content()
    )


def test_a_team_schedule_sends_a_daily_digest_to_its_recipients(
    committed_db: tuple[str, SessionFactory],
    smtp_sink: tuple[SmtpSink, int],
    client: httpx.Client,
) -> None:
    """L2 marks the globex account high priority, reviews at 08:00 in Berlin (07:00 UTC in
    early March) and names its recipients: at Monday 14:00 UTC its weekly and its daily
    digests go out, to those recipients only, the daily one covering globex's records; L1
    keeps the installation's weekly one to its address. The weekly email gives the week's
    CSAT (R-WEEK's 5 of Sunday)."""
    url, factory = committed_db
    build(factory)
    with factory() as session:
        set_schedule(
            session,
            ADMIN,
            load_directory(session),
            team="L2",
            change=ScheduleChange(
                hour=8,
                time_zone="Europe/Berlin",
                daily_accounts=["globex"],
                recipients=["Ops@Example.com", "lee@example.com"],
            ),
            options=OPTIONS,
            now=NOW,
        )
        session.commit()
    sink, port = smtp_sink
    sent = _job(url, factory, port, client, "worker-0").run(NOW)
    assert sorted((s.team, s.cadence, s.sent) for s in sent) == [
        ("L1", "weekly", True),
        ("L2", "daily", True),
        ("L2", "weekly", True),
    ]
    l2 = [m for m in sink.messages() if "team L2" in str(m["Subject"])]
    assert {str(m["To"]) for m in l2} == {"lee@example.com, ops@example.com"}
    [daily] = [m for m in l2 if str(m["Subject"]).startswith("Daily")]
    body = daily.get_body(("plain",))
    assert body is not None
    assert "R-QUIET" in body.get_content()
    assert "R-VIOL" not in body.get_content()  # acme's: not high priority
    weekly = next(m for m in l2 if str(m["Subject"]).startswith("Weekly")).get_body(("plain",))
    assert weekly is not None
    assert "Period: Mon 02 Mar 2026 08:00 CET to Mon 09 Mar 2026 08:00 CET" in weekly.get_content()
    assert "Customer satisfaction: 100% satisfied (1 of 1 answers)" in weekly.get_content()
    with factory() as session:  # the same look analysed the completed milestones
        analysed = session.query(CycleAnalysisRow).count()
        completed = session.query(MilestoneRow).filter(MilestoneRow.state == "completed").count()
    assert analysed == completed > 0
