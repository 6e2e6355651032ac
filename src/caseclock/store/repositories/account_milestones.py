"""Queries over customer milestones, their tasks, notes and collaborators, and the accounts
list by lifecycle phase and renewal window.

The phase filter mirrors ``core.milestone_status.PhaseSpan.holds``: a lifecycle milestone's
phase holds from ``phase_since`` (included) to ``phase_until`` (excluded; null: open-ended).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Table, and_, func, literal, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from caseclock.store.bulk import copy_rows, is_postgres
from caseclock.store.models import (
    AccountMilestoneRow,
    AccountRow,
    AccountTaskRow,
    MilestoneCollaboratorRow,
    MilestoneNoteRow,
    MilestoneReminderRow,
    MilestoneRow,
    PlanRow,
    RecordRow,
    UserRow,
)

M = AccountMilestoneRow
_BATCH = 5000  # ids per IN list
_Under = TypeVar("_Under", AccountTaskRow, MilestoneNoteRow)


def phase_holds(day: date) -> ColumnElement[bool]:
    """SQL of ``PhaseSpan.holds(day)`` over ``account_milestones`` (phase rows only)."""
    return and_(
        M.phase.is_not(None),
        or_(M.phase_until > day, M.phase_until.is_(None)),
        M.phase_since <= day,
    )


def _phase_of(day: date) -> Any:
    """The phase an account of the outer query is in on ``day`` (a lookup per account)."""
    return (
        select(M.phase)
        .where(M.account_id == AccountRow.id, phase_holds(day))
        .order_by(M.phase_since.desc())
        .limit(1)
        .scalar_subquery()
    )


@dataclass(frozen=True, slots=True)
class AccountFilter:
    """Which accounts a list shows: ``phase`` on ``today``, renewal within ``renewal_days``."""

    today: date
    phase: str | None = None
    renewal_until: date | None = None
    search: str | None = None


class AccountMilestoneRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- milestones ----------------------------------------------------------------------

    def add(self, row: AccountMilestoneRow) -> AccountMilestoneRow:
        self.session.add(row)
        self.session.flush()
        return row

    def reserve_ids(self, count: int) -> list[int]:
        """``count`` ids for new milestones, taken before their rows are written (a plan's
        milestones name each other by id): the table's sequence on PostgreSQL; on SQLite, one
        writer at a time, the ids after the highest."""
        if count <= 0:
            return []
        if is_postgres(self.session):
            return list(
                self.session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('account_milestones', 'id'))"
                        " FROM generate_series(1, :n)"
                    ),
                    {"n": count},
                )
            )
        highest = self.session.scalar(select(func.max(M.id))) or 0
        return list(range(highest + 1, highest + 1 + count))

    def insert_new(
        self, milestones: Sequence[Mapping[str, Any]], tasks: Sequence[Mapping[str, Any]]
    ) -> None:
        """Write new milestones (with their reserved ids) and their tasks in two statements."""
        copy_rows(self.session, cast(Table, AccountMilestoneRow.__table__), milestones)
        copy_rows(self.session, cast(Table, AccountTaskRow.__table__), tasks)

    def by_ids(self, ids: Iterable[int]) -> Sequence[AccountMilestoneRow]:
        wanted = list(set(ids))
        if not wanted:
            return []
        return self.session.scalars(select(M).where(M.id.in_(wanted)).order_by(M.id)).all()

    def get(self, milestone_id: int) -> AccountMilestoneRow | None:
        return self.session.get(AccountMilestoneRow, milestone_id)

    def for_account(self, account_id: str) -> Sequence[AccountMilestoneRow]:
        return self.session.scalars(
            select(M).where(M.account_id == account_id).order_by(M.due_on, M.id)
        ).all()

    def for_accounts(self, account_ids: Iterable[str]) -> Sequence[AccountMilestoneRow]:
        """Every milestone of the accounts (several thousand ids go in batches)."""
        wanted = sorted(set(account_ids))
        found: list[AccountMilestoneRow] = []
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            found.extend(
                self.session.scalars(
                    select(M).where(M.account_id.in_(batch)).order_by(M.account_id, M.id)
                ).all()
            )
        return found

    def accounts_with_milestones(self) -> list[str]:
        return list(self.session.scalars(select(M.account_id).distinct().order_by(M.account_id)))

    def accounts_without_record(self, prefix: str) -> list[str]:
        """Accounts with milestones but no record named ``prefix`` + their id."""
        record = select(RecordRow.id).where(RecordRow.id == literal(prefix) + M.account_id)
        query = select(M.account_id).where(~record.exists()).distinct().order_by(M.account_id)
        return list(self.session.scalars(query))

    def collaborator_handles(self, milestone_ids: Iterable[int]) -> dict[int, list[str]]:
        """The handles of each milestone's collaborators."""
        found: dict[int, list[str]] = defaultdict(list)
        for milestone_id, handle in self.session.execute(
            select(MilestoneCollaboratorRow.milestone_id, UserRow.handle)
            .join(UserRow, UserRow.id == MilestoneCollaboratorRow.user_id)
            .where(MilestoneCollaboratorRow.milestone_id.in_(sorted(set(milestone_ids))))
            .order_by(UserRow.handle)
        ):
            found[milestone_id].append(handle)
        return found

    def dependents(self, milestone_id: int) -> Sequence[AccountMilestoneRow]:
        """Open milestones that count from ``milestone_id`` or wait for it."""
        return self.session.scalars(
            select(M)
            .where(or_(M.after_id == milestone_id, M.starts_after_id == milestone_id))
            .where(M.completed_at.is_(None))
            .order_by(M.id)
        ).all()

    def lifecycle_for(self, account_ids: Iterable[str]) -> Sequence[AccountMilestoneRow]:
        """The accounts' lifecycle milestones by due date, those due the same day in the order
        they were made (``core.milestone_status.phase_spans`` keeps that order)."""
        wanted = list(set(account_ids))
        if not wanted:
            return []
        return self.session.scalars(
            select(M)
            .where(M.account_id.in_(wanted), M.phase.is_not(None))
            .order_by(M.account_id, M.due_on, M.id)
        ).all()

    def earliest_open_pins(self, account_ids: Iterable[str], pin: str) -> dict[str, date]:
        """Per account, the earliest due date of its open milestones pinned as ``pin``."""
        wanted = list(set(account_ids))
        if not wanted:
            return {}
        rows = self.session.execute(
            select(M.account_id, func.min(M.due_on))
            .where(M.account_id.in_(wanted), M.pin == pin, M.completed_at.is_(None))
            .group_by(M.account_id)
        )
        return {str(account_id): due for account_id, due in rows}

    def reminders_due(self, now: datetime, limit: int) -> Sequence[AccountMilestoneRow]:
        """Open milestones whose next reminder is due, soonest first (each is then claimed
        through the reminder ledger, ``claim_reminder``)."""
        return self.session.scalars(
            select(M)
            .where(M.next_reminder_at <= now, M.completed_at.is_(None))
            .order_by(M.next_reminder_at, M.id)
            .limit(limit)
        ).all()

    def claim_reminder(
        self, row: MilestoneReminderRow, *, stale_before: datetime
    ) -> MilestoneReminderRow | None:
        """Insert the reminder's ledger row as claimed; or take over a claim made before
        ``stale_before`` and never sent (its worker died). None when another worker holds it
        or sent it."""
        try:
            with self.session.begin_nested():
                self.session.add(row)
            return row
        except IntegrityError:
            pass
        taken = self.session.execute(
            update(MilestoneReminderRow)
            .where(
                MilestoneReminderRow.milestone_id == row.milestone_id,
                MilestoneReminderRow.due_on == row.due_on,
                MilestoneReminderRow.sequence == row.sequence,
                MilestoneReminderRow.sent_at.is_(None),
                MilestoneReminderRow.claimed_at < stale_before,
            )
            .values(worker=row.worker, claimed_at=row.claimed_at)
            .returning(MilestoneReminderRow.id)
        ).scalar_one_or_none()
        return None if taken is None else self.session.get(MilestoneReminderRow, taken)

    def reminder(self, reminder_id: int) -> MilestoneReminderRow | None:
        return self.session.get(MilestoneReminderRow, reminder_id)

    def release_reminder(self, row: MilestoneReminderRow) -> None:
        self.session.delete(row)
        self.session.flush()

    def reminders_of(self, milestone_id: int) -> Sequence[MilestoneReminderRow]:
        return self.session.scalars(
            select(MilestoneReminderRow)
            .where(MilestoneReminderRow.milestone_id == milestone_id)
            .order_by(MilestoneReminderRow.at)
        ).all()

    def next_reminder_at(self) -> datetime | None:
        return self.session.scalar(
            select(func.min(M.next_reminder_at)).where(M.completed_at.is_(None))
        )

    # -- tasks and notes -----------------------------------------------------------------

    def add_task(self, row: AccountTaskRow) -> AccountTaskRow:
        self.session.add(row)
        self.session.flush()
        return row

    def get_task(self, task_id: int) -> AccountTaskRow | None:
        return self.session.get(AccountTaskRow, task_id)

    def tasks_for(self, milestone_ids: Iterable[int]) -> dict[int, list[AccountTaskRow]]:
        return self._under(AccountTaskRow, milestone_ids)

    def add_note(self, row: MilestoneNoteRow) -> MilestoneNoteRow:
        self.session.add(row)
        self.session.flush()
        return row

    def notes_for(self, milestone_ids: Iterable[int]) -> dict[int, list[MilestoneNoteRow]]:
        return self._under(MilestoneNoteRow, milestone_ids)

    def _under(self, model: type[_Under], milestone_ids: Iterable[int]) -> dict[int, list[_Under]]:
        """Rows of ``model`` under each milestone, oldest first."""
        found: dict[int, list[_Under]] = defaultdict(list)
        wanted = list(set(milestone_ids))
        if wanted:
            query = select(model).where(model.milestone_id.in_(wanted)).order_by(model.id)
            for row in self.session.scalars(query):
                found[row.milestone_id].append(row)
        return found

    # -- collaborators -------------------------------------------------------------------

    def add_collaborator(self, row: MilestoneCollaboratorRow) -> MilestoneCollaboratorRow:
        self.session.add(row)
        self.session.flush()
        return row

    def collaborator(self, milestone_id: int, user_id: int) -> MilestoneCollaboratorRow | None:
        return self.session.scalar(
            select(MilestoneCollaboratorRow).where(
                MilestoneCollaboratorRow.milestone_id == milestone_id,
                MilestoneCollaboratorRow.user_id == user_id,
            )
        )

    def remove_collaborator(self, row: MilestoneCollaboratorRow) -> None:
        self.session.delete(row)
        self.session.flush()

    def collaborators_for(
        self, milestone_ids: Iterable[int]
    ) -> dict[int, list[tuple[MilestoneCollaboratorRow, UserRow]]]:
        found: dict[int, list[tuple[MilestoneCollaboratorRow, UserRow]]] = defaultdict(list)
        wanted = list(set(milestone_ids))
        if wanted:
            rows = self.session.execute(
                select(MilestoneCollaboratorRow, UserRow)
                .join(UserRow, UserRow.id == MilestoneCollaboratorRow.user_id)
                .where(MilestoneCollaboratorRow.milestone_id.in_(wanted))
                .order_by(UserRow.handle)
            )
            for collaborator, user in rows:
                found[collaborator.milestone_id].append((collaborator, user))
        return found

    def collaborating_accounts(self, user_id: int) -> frozenset[str]:
        """The accounts of every milestone ``user_id`` collaborates on."""
        rows = self.session.scalars(
            select(M.account_id)
            .join(MilestoneCollaboratorRow, MilestoneCollaboratorRow.milestone_id == M.id)
            .where(MilestoneCollaboratorRow.user_id == user_id)
            .distinct()
        )
        return frozenset(rows)

    # -- the accounts list ---------------------------------------------------------------

    def accounts(
        self,
        where: AccountFilter,
        *,
        scope: frozenset[str] | None,
        limit: int | None,
        offset: int = 0,
    ) -> Sequence[AccountRow]:
        query = select(AccountRow).order_by(AccountRow.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return self.session.scalars(self._filtered(query, where, scope)).all()

    def segment_page(
        self,
        where: AccountFilter,
        *,
        scope: frozenset[str] | None,
        limit: int,
        offset: int = 0,
    ) -> tuple[list[tuple[AccountRow, str | None]], int]:
        """A page of the segment with each account's phase on ``where.today``, and how many
        accounts the segment holds, in one statement: the phase is a lookup per account of
        the page, the total a window count over the segment before the page is cut."""
        query = select(AccountRow, _phase_of(where.today), func.count().over())
        query = query.order_by(AccountRow.id)
        found = self.session.execute(
            self._filtered(query, where, scope).limit(limit).offset(offset)
        ).all()
        if not found:
            return [], self.count_accounts(where, scope=scope) if offset else 0
        return [(row, name) for row, name, _ in found], int(found[0][2])

    def ranked(
        self,
        where: AccountFilter,
        *,
        scope: frozenset[str] | None,
        now: datetime,
        limit: int,
    ) -> tuple[list[tuple[AccountRow, str | None, int, int]], int]:
        """The segment's first ``limit`` accounts, most overdue milestones first (then most
        open ones, then by name), each with its phase on ``where.today`` and its open and
        overdue milestones at ``now``, and the segment's size, in one statement: each count is
        a range of the milestones' ``(account_id, is_open, deadline)`` index.

        "Overdue" mirrors ``caseclock.core.standing.state_at`` as the accounts' counts in
        ``ReportRepository.open_by_account`` do (violated, or running past its deadline)."""
        opened = and_(MilestoneRow.account_id == AccountRow.id, MilestoneRow.is_open.is_(True))
        late = or_(
            MilestoneRow.state == "violated",
            and_(MilestoneRow.state == "running", MilestoneRow.deadline <= now),
        )
        open_count = select(func.count()).where(opened).scalar_subquery()
        overdue = select(func.count()).where(opened, late).scalar_subquery()
        query = select(AccountRow, _phase_of(where.today), open_count, overdue, func.count().over())
        query = query.order_by(
            overdue.desc(), open_count.desc(), func.lower(AccountRow.name), AccountRow.id
        )
        found = self.session.execute(self._filtered(query, where, scope).limit(limit)).all()
        total = int(found[0][4]) if found else 0
        return [(row, phase, int(n), int(m)) for row, phase, n, m, _ in found], total

    def count_accounts(self, where: AccountFilter, *, scope: frozenset[str] | None) -> int:
        query = select(func.count()).select_from(AccountRow)
        return int(self.session.scalar(self._filtered(query, where, scope)) or 0)

    def _filtered(self, query: Any, where: AccountFilter, scope: frozenset[str] | None) -> Any:
        if scope is not None:
            query = query.where(AccountRow.id.in_(scope))
        if where.phase is not None:  # the accounts of the phase's current rows, an index range
            current = select(M.account_id).where(M.phase == where.phase, phase_holds(where.today))
            if is_postgres(self.session):
                # read first, from the phase index: planned as a join, the OR of the open-ended
                # phases hides how few rows hold, and a walk of every account's milestones wins
                found = current.cte("in_phase").prefix_with("MATERIALIZED")
                query = query.where(AccountRow.id.in_(select(found.c.account_id)))
            else:
                query = query.where(AccountRow.id.in_(current))
        if where.renewal_until is not None:
            query = query.where(
                AccountRow.renewal_date >= where.today,
                AccountRow.renewal_date <= where.renewal_until,
            )
        if where.search:
            pattern = f"%{where.search.lower()}%"
            query = query.where(
                or_(
                    func.lower(AccountRow.id).like(pattern),
                    func.lower(AccountRow.name).like(pattern),
                )
            )
        return query

    def phases_on(self, account_ids: Iterable[str], day: date) -> dict[str, str]:
        """The phase each account is in on ``day`` (accounts without one are left out)."""
        wanted = list(set(account_ids))
        if not wanted:
            return {}
        rows = self.session.execute(
            select(M.account_id, M.phase).where(M.account_id.in_(wanted), phase_holds(day))
        )
        return {account_id: phase for account_id, phase in rows if phase is not None}


class PlanRepository:
    """The plans an installation stored, by key."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> Sequence[PlanRow]:
        return self.session.scalars(select(PlanRow).order_by(PlanRow.key)).all()

    def get(self, key: str) -> PlanRow | None:
        return self.session.get(PlanRow, key)

    def add(self, row: PlanRow) -> PlanRow:
        self.session.add(row)
        self.session.flush()
        return row

    def delete(self, row: PlanRow) -> None:
        self.session.delete(row)
        self.session.flush()
