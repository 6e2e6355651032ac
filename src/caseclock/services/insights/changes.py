"""Ingestion's one call into the insights besides sentiment: note the records that changed, so
the worker works out their risk, priority suggestion and summary again (``worker/insights``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from caseclock.store.repositories.insight_state import InsightChangeRepository


def note_changed(session: Session, record_ids: Iterable[str], now: datetime) -> None:
    """Note that the records changed at ``now`` (a record noted already keeps its instant)."""
    InsightChangeRepository(session).note(record_ids, now)
