"""Reconciliation: caseclock's stored deadlines beside a source's own SLA state.

The source's deadlines are read by ``connectors.reconcile``; this module looks caseclock's
up (each milestone's latest cycle, as last evaluated) and hands both to ``compare``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from caseclock.connectors.reconcile import Difference, SourceDeadline, compare
from caseclock.store.repositories.milestones import MilestoneRepository

CHUNK = 1000  # records looked up per query


def reconcile(
    session: Session, theirs: Iterable[SourceDeadline], *, tolerance: timedelta
) -> tuple[list[Difference], int]:
    """The differences, and how many (record, milestone) pairs the source gave."""
    given = list(theirs)
    records = sorted({d.record for d in given})
    ours: dict[tuple[str, str], datetime | None] = {}
    repository = MilestoneRepository(session)
    for start in range(0, len(records), CHUNK):
        found = repository.for_records(records[start : start + CHUNK])
        for record_id, rows in found.items():
            for row in rows:  # ordered by key, then cycle: the latest cycle is kept
                ours[(record_id, row.key)] = row.deadline
    pairs = len({(d.record, d.milestone) for d in given})
    return compare(given, ours, tolerance=tolerance), pairs
