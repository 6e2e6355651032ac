"""The B2B example policy: with an endpoint named ``ops`` registered, every warning and
violation also reaches it; without one, those webhook actions are skipped and noted."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from caseclock.document_files import load_bundle
from caseclock.services.policy import apply_bundle
from caseclock.store.models import FiringRow
from caseclock.worker.loop import Worker
from tests.conftest import T0, Database
from tests.worker.firing_setup import created, minutes, register_local, send
from tests.worker.servers import Receiver

B2B = Path(__file__).resolve().parents[2] / "examples" / "policies" / "b2b.yaml"


def _apply(db: Database, hook: str | None) -> None:
    with db.session_factory() as session:
        apply_bundle(session, load_bundle(B2B), now=T0)
        if hook is not None:
            register_local(session, "ops", "webhook", hook, T0)
        session.commit()


def test_b2b_warnings_and_violations_reach_ops(
    db: Database, worker: Worker, receiver: Receiver
) -> None:
    """A Platinum case left alone: its 30-minute assignment milestone warns, then violates;
    both reach ops as signed webhooks."""
    _apply(db, receiver.url)
    send(db.session_factory, T0, created("P-1", T0, tier="Platinum", owner=None))
    worker.run_once(T0 + minutes(23))  # the warning, at 75 % of 30 minutes
    worker.run_once(T0 + minutes(31))
    kinds = {
        (json.loads(r.body)["milestone"]["key"], json.loads(r.body)["kind"])
        for r in receiver.received
    }
    assert {("assignment", "warning"), ("assignment", "violation")} <= kinds


def test_b2b_without_ops_skips_the_webhook_and_says_so(db: Database, worker: Worker) -> None:
    """No endpoint named ops: the firing is recorded with a note, nothing is sent."""
    _apply(db, None)
    send(db.session_factory, T0, created("P-2", T0, tier="Platinum", owner=None))
    worker.run_once(T0 + minutes(31))
    with db.session_factory() as session:
        notes = session.scalars(
            select(FiringRow.notes).where(FiringRow.source == "assignment")
        ).all()
    assert any("no endpoint 'ops' registered" in note for row in notes for note in row)
