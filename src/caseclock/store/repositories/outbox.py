"""Queries over the outbox (``deliveries``) and the registered endpoints."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, or_, select, update
from sqlalchemy.orm import Session

from caseclock.store.bulk import among, insert_rows, update_rows
from caseclock.store.models import DeliveryRow, EndpointRow

DELIVERIES = cast(Table, DeliveryRow.__table__)

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STATES = (PENDING, DELIVERED, FAILED)


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert new deliveries (every mapping has the same keys) in one statement."""
        insert_rows(self.session, DELIVERIES, rows)

    def claim(
        self,
        now: datetime,
        limit: int,
        *,
        skip_endpoints: Collection[str] = (),
        skip_email: bool = False,
    ) -> Sequence[tuple[int, str, str | None]]:
        """Lock pending deliveries due at ``now`` (skipping those another worker holds, and
        those to the skipped targets): their ``(id, channel, endpoint)``, soonest first, so
        the caller picks which to take before loading their documents (``get_many``)."""
        rows = self.session.execute(
            select(DeliveryRow.id, DeliveryRow.channel, DeliveryRow.endpoint)
            .where(
                DeliveryRow.state == PENDING,
                DeliveryRow.next_attempt_at <= now,
                *_not_to(skip_endpoints, skip_email),
            )
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        return [(row.id, row.channel, row.endpoint) for row in rows]

    def lease(self, ids: Sequence[int], *, now: datetime, until: datetime) -> list[Any]:
        """Count one more attempt on each of ``ids`` (locked by ``claim``) and lease it until
        ``until``; return what sending needs of each (``id``, ``key``, ``channel``,
        ``endpoint``, ``recipients``, ``document``, ``attempts``), in one statement."""
        if not ids:
            return []
        table = DELIVERIES
        statement = (
            update(table)
            .where(among(self.session, table.c.id, ids))
            .values(attempts=table.c.attempts + 1, next_attempt_at=until, updated_at=now)
            .returning(
                table.c.id,
                table.c.key,
                table.c.channel,
                table.c.endpoint,
                table.c.recipients,
                table.c.document,
                table.c.attempts,
            )
        )
        return list(self.session.execute(statement).all())

    def renew(self, leases: Sequence[tuple[int, int]], until: datetime) -> None:
        """Push ``next_attempt_at`` to ``until`` for each ``(id, attempts)`` still pending with
        that attempt count (a lease another worker has taken over is left alone)."""
        update_rows(
            self.session,
            DELIVERIES,
            [{"id": i, "attempts": a, "next_attempt_at": until} for i, a in leases],
            key=("id", "attempts"),
            where=[DELIVERIES.c.state == PENDING],
        )

    def release(self, leases: Sequence[tuple[int, int, datetime]]) -> None:
        """Give back each ``(id, attempts, at)`` still held untried: the attempt it counted
        is taken back and it is due again at ``at``."""
        update_rows(
            self.session,
            DELIVERIES,
            [{"id": i, "attempts": a, "next_attempt_at": at} for i, a, at in leases],
            key=("id", "attempts"),
            where=[DELIVERIES.c.state == PENDING],
            also={"attempts": DELIVERIES.c.attempts - 1},
        )

    def settle(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write each settled attempt (``id``, ``attempts`` and the columns it sets), where
        the row is still pending with that attempt count (its lease still held)."""
        update_rows(
            self.session,
            DELIVERIES,
            rows,
            key=("id", "attempts"),
            where=[DELIVERIES.c.state == PENDING],
        )

    def get(self, delivery_id: int) -> DeliveryRow | None:
        return self.session.get(DeliveryRow, delivery_id)

    def get_for_update(self, delivery_id: int) -> DeliveryRow | None:
        return self.session.scalars(
            select(DeliveryRow).where(DeliveryRow.id == delivery_id).with_for_update()
        ).one_or_none()

    def list(
        self, *, state: str | None, record_id: str | None, limit: int, offset: int
    ) -> Sequence[DeliveryRow]:
        query = select(DeliveryRow)
        if state is not None:
            query = query.where(DeliveryRow.state == state)
        if record_id is not None:
            query = query.where(DeliveryRow.record_id == record_id)
        query = query.order_by(DeliveryRow.id.desc()).limit(limit).offset(offset)
        return self.session.scalars(query).all()

    def next_attempt(
        self, *, skip_endpoints: Collection[str] = (), skip_email: bool = False
    ) -> datetime | None:
        return self.session.scalar(
            select(func.min(DeliveryRow.next_attempt_at)).where(
                DeliveryRow.state == PENDING, *_not_to(skip_endpoints, skip_email)
            )
        )


def _not_to(endpoints: Collection[str], email: bool) -> list[ColumnElement[bool]]:
    """Conditions leaving out deliveries to ``endpoints`` and, when ``email``, emails."""
    conditions: list[ColumnElement[bool]] = []
    if endpoints:
        conditions.append(
            or_(DeliveryRow.endpoint.is_(None), DeliveryRow.endpoint.not_in(sorted(endpoints)))
        )
    if email:
        conditions.append(DeliveryRow.channel != "email")
    return conditions


class EndpointRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> EndpointRow | None:
        return self.session.get(EndpointRow, name)

    def all(self) -> dict[str, EndpointRow]:
        rows = self.session.scalars(select(EndpointRow).order_by(EndpointRow.name)).all()
        return {row.name: row for row in rows}

    def add(self, row: EndpointRow) -> EndpointRow:
        self.session.add(row)
        self.session.flush()
        return row
