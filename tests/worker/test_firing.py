"""The worker end to end on both backends: timers fire once, effects land on the timeline,
deliveries reach a real HTTP receiver and a real SMTP server."""

from __future__ import annotations

import json

from sqlalchemy import select

from caseclock.channels.signing import verify
from caseclock.clock import FixedClock
from caseclock.store.models import DeliveryRow, EventRow, FiringRow, RecordRow, TaskRow
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import (
    SECRET,
    agent_reply,
    count,
    created,
    minutes,
    prepare,
)
from tests.worker.firing_setup import send as send_events
from tests.worker.servers import Receiver, Reply, SmtpSink


def test_warning_fires_once_with_every_action(
    db: Database, worker: Worker, receiver: Receiver, smtp_sink: tuple[SmtpSink, int]
) -> None:
    """At the warning instant the email, the signed webhook and the note go out, once."""
    prepare(db.session_factory, T0, hook=receiver.url)
    send_events(db.session_factory, T0, created("C-1", T0))
    assert worker.run_once(T0 + minutes(44)).fired == []
    first = worker.run_once(T0 + minutes(45))
    again = worker.run_once(T0 + minutes(46))
    assert [(f.source, f.kind.value, f.late) for f in first.fired] == [
        ("first_response", "warning", False)
    ]
    assert again.fired == []
    assert first.delivered == 2
    [hook] = receiver.received
    verify(SECRET, hook.headers, hook.body, T0 + minutes(45))
    payload = json.loads(hook.body)
    assert payload["kind"] == "warning"
    assert hook.headers["Idempotency-Key"] == payload["id"]
    [message] = smtp_sink[0].messages()
    assert message["To"] == "ana@example.com"
    trigger_key = payload["id"].rsplit(".", 1)[0]  # one key per action: <trigger>.<index>
    assert message["Message-ID"] == f"<{trigger_key}.0@caseclock>"
    with db.session_factory() as session:
        notes = session.scalars(
            select(EventRow).where(EventRow.record_id == "C-1", EventRow.type == "note")
        ).all()
        assert [n.data["body"] for n in notes] == ["First response is at risk"]


def test_violation_reassigns_creates_a_task_and_posts_to_chat(
    db: Database, worker: Worker, receiver: Receiver
) -> None:
    """At the deadline the record goes to the senior queue, the lead gets a task, chat hears."""
    prepare(db.session_factory, T0, hook=receiver.url, chat=receiver.url)
    send_events(db.session_factory, T0, created("C-2", T0))
    worker.run_once(T0 + minutes(61))
    with db.session_factory() as session:
        record = session.get(RecordRow, "C-2")
        assert record is not None
        assert (record.owner, record.team) == (None, "senior_engineer")
        [task] = session.scalars(select(TaskRow).where(TaskRow.record_id == "C-2")).all()
        assert (task.title, task.assignee) == ("Investigate missed milestone", "lee")
        kinds = session.scalars(select(FiringRow.trigger).order_by(FiringRow.id)).all()
    assert kinds == ["warning", "violation"]  # the warning fell due first, a minute late
    chats = [r for r in receiver.received if b'"blocks"' in r.body]
    assert len(chats) == 1


def test_repeated_violation_fires_every_half_hour(db: Database, worker: Worker) -> None:
    """A violation that repeats fires again at each repetition, as a repeated_violation."""
    prepare(db.session_factory, T0)
    send_events(db.session_factory, T0, created("C-3", T0))
    for at in (45, 60, 89, 90, 120):
        worker.run_once(T0 + minutes(at))
    with db.session_factory() as session:
        fired = session.execute(
            select(FiringRow.trigger, FiringRow.sequence).order_by(FiringRow.id)
        ).all()
    assert [tuple(f) for f in fired] == [
        ("warning", 0),
        ("violation", 0),
        ("repeated_violation", 1),
        ("repeated_violation", 2),
    ]


def test_success_stamps_the_completion(db: Database, worker: Worker) -> None:
    """A completed milestone fires its success: the completion instant lands in a field."""
    prepare(db.session_factory, T0)
    send_events(db.session_factory, T0, created("C-4", T0))
    send_events(db.session_factory, T0 + minutes(20), agent_reply("C-4", T0 + minutes(20)))
    worker.run_once(T0 + minutes(21))
    with db.session_factory() as session:
        record = session.get(RecordRow, "C-4")
        assert record is not None
        assert record.fields["first_response_at"].startswith("2026-03-09T14:20:00")
        assert count(session, FiringRow.id) == 1


def test_downtime_fires_late_once_and_never_warns_a_completed_milestone(
    db: Database, worker: Worker
) -> None:
    """After downtime: the open milestone gets one late violation (its warning is skipped, and
    the repetitions missed are not replayed); the one completed meanwhile gets only its
    success, never its warning."""
    prepare(db.session_factory, T0)
    send_events(db.session_factory, T0, created("C-5", T0), created("C-6", T0))
    send_events(db.session_factory, T0 + minutes(30), agent_reply("C-6", T0 + minutes(30)))
    result = worker.run_once(T0 + minutes(200))
    fired = sorted((f.record_id, f.kind.value, f.late, f.skipped) for f in result.fired)
    assert fired == [
        ("C-5", "violation", True, False),
        ("C-5", "warning", True, True),
        ("C-6", "success", True, False),
    ]
    assert worker.run_once(T0 + minutes(201)).fired == []


def test_a_webhook_answered_500_twice_is_delivered_once(
    db: Database, worker: Worker, receiver: Receiver, clock: FixedClock
) -> None:
    """500, 500, then 200: three attempts with one idempotency key, then delivered for good."""
    prepare(db.session_factory, T0, hook=receiver.url)
    send_events(db.session_factory, T0, created("C-7", T0))
    receiver.script(Reply(500), Reply(500))
    clock.set(T0 + minutes(45))
    states = []
    for _ in range(4):
        worker.run_once(clock.now())
        with db.session_factory() as session:
            row = session.scalars(select(DeliveryRow).where(DeliveryRow.channel == "webhook")).one()
            states.append((row.state, row.attempts))
        clock.advance(minutes(3))  # the backoff waits at most 30 s, then 60 s
    assert states == [("pending", 1), ("pending", 2), ("delivered", 3), ("delivered", 3)]
    keys = {r.headers["Idempotency-Key"] for r in receiver.received}
    assert len(receiver.received) == 3
    assert len(keys) == 1
