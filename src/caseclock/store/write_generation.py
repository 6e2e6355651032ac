"""A number that moves whenever this process commits a write to the tables the queue's
figures are read from (``WATCHED``): what a cache of those figures compares to know that they
may be out of date.

Every session that writes to one of them (an ORM flush, or an INSERT, UPDATE or DELETE it
executes) marks itself; when it commits, the generation moves on. Other writes (a key's last
use, an audit entry) leave it alone. A figure cached under an older generation is
stale. Writes by other processes (another API worker, the worker) are not seen here: a cache
bounds them by age instead.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

WATCHED = frozenset({"milestones", "records", "calendars"})  # what queue counts depend on
_WROTE = "caseclock.wrote"
_lock = threading.Lock()
_generation = 0


def current() -> int:
    """The generation now: it grows by one with each commit that wrote something."""
    return _generation


def _advance() -> None:
    global _generation  # noqa: PLW0603 (the process's one counter, behind a lock)
    with _lock:
        _generation += 1


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    for found in (*session.new, *session.dirty, *session.deleted):
        table = getattr(found, "__tablename__", None)
        if table in WATCHED:
            session.info[_WROTE] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED:
            state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_WROTE, False):
        _advance()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_WROTE, None)
