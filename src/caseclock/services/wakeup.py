"""Wake the worker when a timer earlier than it expected appears.

On PostgreSQL, ``announce`` sends ``NOTIFY caseclock_wakeup`` in the caller's transaction, so
the workers listening (``caseclock.worker.listen``) hear it when it commits, in any process.
In every backend it also sets, after commit, the in-process signals of workers running in this
process (``caseclock serve --with-worker`` on SQLite), registered with ``local_waiters``.

A NOTIFY reaches every listener of the *database*, whatever schema it works in, so the channel
is the schema's (``CHANNEL_SQL``, computed by the server from ``current_schema()``): the default
schema, ``public``, has ``caseclock_wakeup``; any other ``caseclock_wakeup_`` and 16 hex digits
of the schema name's MD5 (a channel name holds 63 bytes at most). Installations, or test runs,
sharing one database in schemas of their own therefore never wake each other's workers.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

CHANNEL = "caseclock_wakeup"  # the channel of the default schema (public)
CHANNEL_SQL = (
    "CASE coalesce(current_schema(), 'public') WHEN 'public' THEN 'caseclock_wakeup' "
    "ELSE 'caseclock_wakeup_' || left(md5(current_schema()), 16) END"
)
_FLAG = "caseclock_wakeup_pending"


class LocalWaiters:
    """The in-process signals to set when this process commits an earlier timer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: set[threading.Event] = set()

    def add(self, signal: threading.Event) -> None:
        with self._lock:
            self._events.add(signal)

    def discard(self, signal: threading.Event) -> None:
        with self._lock:
            self._events.discard(signal)

    def wake(self) -> None:
        with self._lock:
            for signal in self._events:
                signal.set()


local_waiters = LocalWaiters()


def announce(session: Session) -> None:
    """Wake the workers once this transaction commits (once per transaction)."""
    if session.info.get(_FLAG):
        return
    session.info[_FLAG] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_notify({CHANNEL_SQL}, '')"))
    event.listen(session, "after_commit", _after_commit, once=True)
    event.listen(session, "after_rollback", _forget, once=True)


def _after_commit(session: Session) -> None:
    session.info.pop(_FLAG, None)
    local_waiters.wake()


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_FLAG, None)
