"""Helpers for the evaluator tests: the shipped B2B policy and a small timeline builder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from caseclock.core.evaluate import evaluate
from caseclock.core.events import Event
from caseclock.core.milestones import Milestone
from caseclock.core.policy import PolicyBundle, Process
from caseclock.core.simulation import calendars_of
from caseclock.document_files import load_bundle

ROOT = Path(__file__).resolve().parents[2]
B2B_PATH = ROOT / "examples" / "policies" / "b2b.yaml"
B2B = load_bundle(B2B_PATH)
CALENDARS = calendars_of(B2B)


def at(text: str) -> datetime:
    """An aware instant from ISO text (always with an offset in these tests)."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


class Timeline:
    """Build one record's events with automatic ids."""

    def __init__(self, record: str = "C-1") -> None:
        self.record = record
        self.events: list[Event] = []

    def add(self, kind: str, when: str, **data: Any) -> Timeline:
        event = Event.model_validate(
            {
                "id": f"{self.record}-{len(self.events) + 1}",
                "record": self.record,
                "type": kind,
                "at": when,
                "data": data,
            }
        )
        self.events.append(event)
        return self

    def created(self, when: str, **fields: Any) -> Timeline:
        return self.add("created", when, **{"type": "case", "status": "New", **fields})


def run(
    process: str | Process,
    events: list[Event],
    now: str,
    *,
    bundle: PolicyBundle = B2B,
    account: dict[str, Any] | None = None,
) -> dict[tuple[str, int], Milestone]:
    """Evaluate and index the milestones by (key, cycle)."""
    chosen = bundle.processes[process] if isinstance(process, str) else process
    calendars = calendars_of(bundle) if bundle is not B2B else CALENDARS
    found = evaluate(chosen, events, at(now), calendars=calendars, account=account)
    return {(m.key, m.cycle): m for m in found}
