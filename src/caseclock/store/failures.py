"""Which database errors are worth another try, and which mean the database is away.

A *transient conflict* (PostgreSQL's deadlock and serialization failures, SQLite's busy file)
aborts one transaction through no fault of its own: running the same unit of work again is
correct and usually succeeds. *Unavailability* (no connection, a server shutting down or
starting up, a pool with no connection left) is the database's state, not the request's:
callers answer "try again later" rather than report a bug.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
# Class 08 is connection exceptions; 57P01-57P03 an administrator's or a crash's shutdown and a
# server that cannot take connections yet.
UNAVAILABLE_PREFIXES = ("08", "57P01", "57P02", "57P03")
SQLITE_BUSY = ("database is locked", "database table is locked")
SQLITE_AWAY = ("unable to open database file", "disk I/O error")


def sqlstate(exc: BaseException) -> str | None:
    """The PostgreSQL error code behind ``exc`` (``None`` for other drivers or none given)."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None)
    return code if isinstance(code, str) else None


def is_transient_conflict(exc: BaseException) -> bool:
    """A deadlock, a serialization failure or a busy SQLite file: retry the transaction."""
    if not isinstance(exc, DBAPIError):
        return False
    if sqlstate(exc) in (DEADLOCK, SERIALIZATION_FAILURE):
        return True
    return isinstance(exc, OperationalError) and any(busy in str(exc.orig) for busy in SQLITE_BUSY)


def is_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or cannot serve now (not a fault of the statement)."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    code = sqlstate(exc)
    if exc.connection_invalidated or code is not None:
        return exc.connection_invalidated or str(code).startswith(UNAVAILABLE_PREFIXES)
    # A connection that never opened carries no SQLSTATE (psycopg's error from connect); a
    # SQLite file can be away too (a missing directory, an unmounted disk).
    return isinstance(exc, OperationalError) and (
        type(exc.orig).__module__.startswith("psycopg")
        or any(away in str(exc.orig) for away in SQLITE_AWAY)
    )


def describe(exc: BaseException) -> str:
    """One line about a database error, without its SQL or parameters."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc).split("\n[SQL:", 1)[0]
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return f"{type(orig or exc).__name__}: {first}"
