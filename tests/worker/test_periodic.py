"""The periodic jobs' shared helper: looking at most once per interval, and a claimed unit that is
sent then released for a retry or finished, whatever the send did."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.channels.outcome import DeliveryOutcome
from caseclock.worker.periodic import Paced, Sending, Settled, claim_send_settle
from tests.conftest import Database

NOW = datetime(2026, 3, 11, 16, 0, tzinfo=UTC)


def test_a_paced_job_looks_once_per_interval() -> None:
    """The first pass looks, passes within the interval do not, the first one after it does."""
    job = Paced(worker="w")
    assert job.looking(NOW, timedelta(minutes=1)) is True
    assert job.looking(NOW + timedelta(seconds=59), timedelta(minutes=1)) is False
    assert job.looking(NOW + timedelta(minutes=1), timedelta(minutes=1)) is True


def _run(
    db: Database, token: int | None, send: Sending | Exception
) -> tuple[Settled | None, list[str]]:
    calls: list[str] = []

    def sending(_claimed: int) -> Sending:
        if isinstance(send, Exception):
            raise send
        return send

    def record(name: str) -> Callable[[Session, int, Settled], None]:
        def settle(session: Session, claimed: int, done: Settled) -> None:
            calls.append(f"{name} {claimed}: {done.outcome}")

        return settle

    settled = claim_send_settle(
        db.session_factory,
        claim=lambda _session: token,
        send=sending,
        release=record("release"),
        finish=record("finish"),
        what="unit",
        nobody="nobody to send to",
    )
    return settled, calls


def test_a_unit_is_released_for_a_retry_or_finished(db: Database) -> None:
    """Held elsewhere: nothing runs. Sent: finished. Retryable, or the send raising: released with
    the reason. No recipient at all: finished with the ``nobody`` text."""
    assert _run(db, None, Sending([], [])) == (None, [])
    settled, calls = _run(db, 7, Sending(["a@example.com"], [DeliveryOutcome.delivered("250")]))
    assert settled == Settled(["a@example.com"], "250", sent=True, retry=False)
    assert calls == ["finish 7: 250"]
    settled, calls = _run(db, 8, RuntimeError("boom"))
    assert settled == Settled([], "unexpected RuntimeError: boom", sent=False, retry=True)
    assert calls == ["release 8: unexpected RuntimeError: boom"]
    _, calls = _run(db, 9, Sending([], []))
    assert calls == ["finish 9: nobody to send to"]
