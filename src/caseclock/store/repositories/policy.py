"""Queries over calendars, process versions and entitlement rule sets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseclock.store.models import (
    AccountRow,
    CalendarRow,
    EntitlementRuleSetRow,
    ProcessRow,
    RecordRow,
)


class CalendarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> CalendarRow | None:
        return self.session.get(CalendarRow, name)

    def list(self) -> Sequence[CalendarRow]:
        return self.session.scalars(select(CalendarRow).order_by(CalendarRow.name)).all()

    def add(self, row: CalendarRow) -> CalendarRow:
        self.session.add(row)
        self.session.flush()
        return row


class ProcessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str, version: int) -> ProcessRow | None:
        return self.session.scalars(
            select(ProcessRow).where(ProcessRow.key == key, ProcessRow.version == version)
        ).one_or_none()

    def latest(self, key: str) -> ProcessRow | None:
        return self.session.scalars(
            select(ProcessRow)
            .where(ProcessRow.key == key)
            .order_by(ProcessRow.version.desc())
            .limit(1)
        ).one_or_none()

    def list_latest(self) -> Sequence[ProcessRow]:
        newest = (
            select(ProcessRow.key, func.max(ProcessRow.version).label("version"))
            .group_by(ProcessRow.key)
            .subquery()
        )
        return self.session.scalars(
            select(ProcessRow)
            .join(
                newest,
                (ProcessRow.key == newest.c.key) & (ProcessRow.version == newest.c.version),
            )
            .order_by(ProcessRow.key)
        ).all()

    def versions(self, key: str) -> Sequence[int]:
        return self.session.scalars(
            select(ProcessRow.version).where(ProcessRow.key == key).order_by(ProcessRow.version)
        ).all()

    def get_many(self, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], ProcessRow]:
        wanted = set(pairs)
        if not wanted:
            return {}
        keys = {key for key, _ in wanted}
        rows = self.session.scalars(select(ProcessRow).where(ProcessRow.key.in_(keys))).all()
        return {(r.key, r.version): r for r in rows if (r.key, r.version) in wanted}

    def add(self, row: ProcessRow) -> ProcessRow:
        self.session.add(row)
        self.session.flush()
        return row


class RuleSetRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self) -> EntitlementRuleSetRow | None:
        return self.session.scalars(
            select(EntitlementRuleSetRow).order_by(EntitlementRuleSetRow.id.desc()).limit(1)
        ).one_or_none()

    def add(self, row: EntitlementRuleSetRow) -> EntitlementRuleSetRow:
        self.session.add(row)
        self.session.flush()
        return row


def known_types_and_tiers(session: Session) -> tuple[list[str], list[str]]:
    """The record types the installation holds, and the tiers of its accounts and records."""
    types = session.scalars(select(RecordRow.type).distinct()).all()
    tiers = {
        *session.scalars(select(AccountRow.tier).distinct()).all(),
        *session.scalars(select(RecordRow.tier).distinct()).all(),
    }
    return sorted(types), sorted(t for t in tiers if t)
