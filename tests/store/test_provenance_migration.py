"""The provenance migration on a database that already holds events, on SQLite and PostgreSQL:
old events get the source their id told, their tasks and notes stay, and caseclock's own
events are still no activity for escalation rules."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import Engine, column, insert, select, table, text

from caseclock.core.provenance import Source
from caseclock.store import migrate
from caseclock.store.database import make_session_factory
from caseclock.store.repositories.escalations import EscalationRepository
from caseclock.store.types import JSONDocument, UTCDateTime
from tests.conftest import T0
from tests.store.old_rows import add_record

# The tables as they stood before provenance (only the columns written here).
EVENTS = table(
    "events",
    column("seq"),
    column("record_id"),
    column("event_id"),
    column("type"),
    column("occurred_at", UTCDateTime()),
    column("received_at", UTCDateTime()),
    column("data", JSONDocument()),
)
NOTES = table(
    "notes",
    column("record_id"),
    column("event_seq"),
    column("kind"),
    column("author"),
    column("body"),
    column("created_at", UTCDateTime()),
)
BEFORE = "0013"  # the revision before provenance
CONSOLE_ID = "console-" + "0123456789abcdef" * 2
OLD_EVENTS = (  # id, minutes after T0
    ("zd-1", 0),
    (CONSOLE_ID, 10),
    ("cc-warning-" + "a" * 40 + ".0", 20),
    ("console-7", 30),  # a helpdesk's own id that only looks like the console's
)


def _fill_before(engine: Engine) -> None:
    migrate.upgrade(engine, BEFORE)
    with engine.begin() as connection:
        add_record(connection, "r", T0, len(OLD_EVENTS))
        for event_id, minutes in OLD_EVENTS:
            at = T0 + timedelta(minutes=minutes)
            connection.execute(
                insert(EVENTS).values(
                    record_id="r",
                    event_id=event_id,
                    type="note",
                    occurred_at=at,
                    received_at=at,
                    data={"body": event_id},
                )
            )
        seq = connection.scalar(select(EVENTS.c.seq).where(EVENTS.c.event_id == "zd-1"))
        connection.execute(
            insert(NOTES).values(
                record_id="r", event_seq=seq, kind="note", author="ana", body="zd-1", created_at=T0
            )
        )


def test_old_events_get_the_source_their_id_told(old_database: Engine) -> None:
    """After the upgrade, ``cc-`` events are the worker's, console-made ids the console's and
    the rest the API's, all with no actor; the notes made from old events are still there."""
    _fill_before(old_database)
    migrate.upgrade(old_database)
    with old_database.connect() as connection:
        rows = connection.execute(
            text("SELECT event_id, source, actor FROM events ORDER BY occurred_at")
        ).all()
        notes = connection.scalar(text("SELECT count(*) FROM notes"))
    assert [tuple(row) for row in rows] == [
        ("zd-1", "api", None),
        (CONSOLE_ID, "console", None),
        (OLD_EVENTS[2][0], "worker", None),
        ("console-7", "api", None),
    ]
    assert notes == 1


def test_old_worker_events_are_still_no_activity(old_database: Engine) -> None:
    """A record's last activity, which escalation rules count from, skips the events
    caseclock's worker wrote before the upgrade: it is the latest of the others."""
    _fill_before(old_database)
    migrate.upgrade(old_database)
    with make_session_factory(old_database)() as session:
        activity = EscalationRepository(session).last_activity({"r"}, Source.WORKER)
    assert activity == {"r": T0 + timedelta(minutes=30)}


def test_downgrade_and_upgrade_again_keep_the_events(old_database: Engine) -> None:
    """Going back to the revision before drops the two columns and keeps every event and
    note; upgrading again backfills the same sources."""
    _fill_before(old_database)
    migrate.upgrade(old_database)
    with old_database.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), BEFORE)
    with old_database.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM events")) == len(OLD_EVENTS)
        assert connection.scalar(text("SELECT count(*) FROM notes")) == 1
    migrate.upgrade(old_database)
    with old_database.connect() as connection:
        sources = connection.scalars(text("SELECT source FROM events ORDER BY occurred_at"))
        assert list(sources) == ["api", "console", "worker", "api"]
