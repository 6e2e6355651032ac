"""What the worker did on one record: the timers it fired (or skipped), newest first, each with
the deliveries it put in the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from caseclock.store.models import DeliveryRow, FiringRow
from caseclock.store.repositories.reports import ReportRepository


@dataclass(frozen=True, slots=True)
class FiredTimer:
    firing: FiringRow
    deliveries: list[DeliveryRow]  # oldest first


def fired_on(session: Session, record_id: str) -> list[FiredTimer]:
    repo = ReportRepository(session)
    by_firing: dict[int, list[DeliveryRow]] = {}
    for delivery in repo.deliveries(record_id):
        by_firing.setdefault(delivery.firing_id, []).append(delivery)
    return [FiredTimer(f, by_firing.get(f.id, [])) for f in repo.firings(record_id)]
