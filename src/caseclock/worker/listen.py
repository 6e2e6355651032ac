"""How a sleeping worker is woken: an in-process signal, fed by PostgreSQL's LISTEN as well.

``Wakeup`` is a ``threading.Event`` registered with ``services.wakeup.local_waiters`` (so a
commit in this process that schedules an earlier timer sets it) and, on PostgreSQL, fed by a
listener thread holding ``LISTEN`` on the schema's channel (``services.wakeup.CHANNEL_SQL``) on
a connection of its own (so a commit in any process sets it). ``stop()`` wakes the worker for
good. The listener's connection is one of the worker's connections to PostgreSQL, outside the
pool: count it in the budget.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from caseclock.services.wakeup import CHANNEL_SQL, local_waiters

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5  # how often the listener looks at the stop flag
RECONNECT_SECONDS = 2.0


class Wakeup:
    """The worker's alarm: ``wait(timeout)`` returns early when woken or stopped."""

    def __init__(self) -> None:
        self._signal = threading.Event()
        self._stopped = threading.Event()
        self._listener: threading.Thread | None = None
        self._also: list[threading.Event] = []
        self.notifications = 0  # NOTIFYs heard (each one also sets the signal)
        self.channel: str | None = None  # the channel listened to, once listening
        local_waiters.add(self._signal)

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    @property
    def stopped_event(self) -> threading.Event:
        return self._stopped

    def also_wake(self, signal: threading.Event) -> None:
        """Set ``signal`` too whenever this is woken (a loop with an alarm of its own)."""
        self._also.append(signal)
        local_waiters.add(signal)

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; True when woken (or stopped) before it ran out."""
        return self._signal.wait(timeout)

    def clear(self) -> None:
        self._signal.clear()

    def wake(self) -> None:
        self._set()

    def _set(self) -> None:
        self._signal.set()
        for signal in self._also:
            signal.set()

    def stop(self) -> None:
        self._stopped.set()
        self._set()
        local_waiters.discard(self._signal)
        for signal in self._also:
            local_waiters.discard(signal)
        if self._listener is not None:
            self._listener.join(timeout=5)

    def listen(self, database_url: str) -> None:
        """On PostgreSQL, also wake on a NOTIFY on the schema's channel from any process."""
        url = make_url(database_url)
        if url.get_backend_name() != "postgresql":
            return
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        ready = threading.Event()
        self._listener = threading.Thread(
            target=self._listen, args=(conninfo, ready), name="caseclock-listen", daemon=True
        )
        self._listener.start()
        ready.wait(timeout=10)

    def _listen(self, conninfo: str, ready: threading.Event) -> None:
        while not self.stopped:
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    found = connection.execute(sql.SQL(f"SELECT {CHANNEL_SQL}")).fetchone()
                    self.channel = channel = str(found[0] if found is not None else "")
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self._set()  # something may have been missed while (re)connecting
                    ready.set()
                    while not self.stopped:
                        for _ in connection.notifies(timeout=POLL_SECONDS, stop_after=1):
                            self.notifications += 1
                            self._set()
            except psycopg.Error as exc:
                log.warning("LISTEN %s failed (%s); reconnecting", self.channel, exc)
                ready.set()
                self._stopped.wait(RECONNECT_SECONDS)
