"""Benchmark: preview and migrate a policy change over open records on PostgreSQL, beside a
fresh full re-evaluation of the same records.

    .venv/bin/python bench/policy_bench.py [--records 100000] [--batch 500] [--pg-url URL]

A throwaway schema (``tests.pg_schemas``) is migrated, the shipped B2B bundle applied, and
``--records`` open cases written straight to the store: each the timeline of
``evaluate_bench.generate`` (about 19 events: owners, comments, customer waits, an L2 stint,
sometimes an override) without its closing, moved so that its last event falls in the last three
days. Then, each
timed on the wall clock:

1. **baseline, first evaluation**: every record evaluated from its timeline and its milestone
   rows written (``services.ingest.refresh`` in batches of ``--batch``, one transaction each):
   what materializing the installation costs;
2. **baseline, fresh full re-evaluation**: the same again, rows unchanged (what re-evaluating
   every open record after a policy change costs without a preview or a migration);
3. **preview** of the bundle with Gold's resolution shortened from 24 to 16 hours and
   Standard's from 5 to 3 business days (``policy preview``: every record's stored rows read
   as it stands, and, the bundle touching every record, each evaluated under the proposal;
   nothing written);
4. **apply and migrate** (``policy apply --migrate open`` with its batches of ``--batch``,
   each committed): the apply, then each moved record's decided cycles kept, its version set,
   its rows re-evaluated and written, and what moved counted as it goes (no second pass).

Prints records/s for each and the load average (the machine is shared). A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository: tests.pg_schemas
sys.path.insert(0, str(ROOT / "bench"))  # evaluate_bench's case generator
from tests.pg_schemas import throwaway_schema  # noqa: E402

from caseclock import collector  # noqa: E402
from caseclock.core.events import Event, EventType  # noqa: E402
from caseclock.core.policy import PolicyBundle, parse_bundle  # noqa: E402
from caseclock.core.timeline import build_timeline  # noqa: E402
from caseclock.services.ingest import refresh  # noqa: E402
from caseclock.services.policy import apply_bundle  # noqa: E402
from caseclock.services.policy_migration import (  # noqa: E402
    change_policy,
    parse_migrate,
    run_committed,
)
from caseclock.services.policy_preview import Asked, preview  # noqa: E402
from caseclock.store import migrate  # noqa: E402
from caseclock.store.database import SessionFactory, make_engine, make_session_factory  # noqa: E402
from caseclock.store.models import EventRow, RecordRow  # noqa: E402
from evaluate_bench import START, generate  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
B2B = (ROOT / "examples" / "policies" / "b2b.yaml").read_text(encoding="utf-8")
# resolution shortened: Gold 24 h -> 16 h, Standard 5 -> 3 business days (open on every case)
CHANGED = B2B.replace("          duration: 24h", "          duration: 16h").replace(
    "{<<: *resolution, target: 5bd}", "{<<: *resolution, target: 3bd}"
)
NOW = START + timedelta(days=330)
CHUNK = 2000
RECORDS = cast(Table, RecordRow.__table__)
EVENTS = cast(Table, EventRow.__table__)


def _open_case(record: str, rng: random.Random) -> list[Event]:
    """A generated case without its closing, moved in time so its last event is in the last
    three days before ``NOW``: the open cases of a live queue."""
    events = [e for e in generate(record, rng) if e.type is not EventType.CLOSED]
    shift = NOW - timedelta(minutes=rng.randrange(10, 3 * 24 * 60)) - events[-1].at
    return [
        Event.model_construct(id=e.id, record=e.record, type=e.type, at=e.at + shift, data=e.data)
        for e in events
    ]


def _rows(timeline: list[Event]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record's row (its other columns are folded from its timeline by the first
    evaluation, as ingestion does) and its events' rows."""
    ordered = build_timeline(timeline)
    first = ordered[0]
    record = {
        "id": first.record,
        "type": "case",
        "tier": first.data["tier"],
        "fields": {},
        "is_closed": False,
        "process_key": "gold" if first.data["tier"] == "Gold" else "standard",
        "process_version": 1,
        "created_at": first.at,
        "updated_at": first.at,
        "received_at": first.at,
        "event_count": len(ordered),
    }
    events = [
        {
            "record_id": e.record,
            "event_id": e.id,
            "type": str(e.type),
            "occurred_at": e.at,
            "received_at": e.at,
            "data": dict(e.data),
            "source": "import",
            "actor": "bench",
        }
        for e in ordered
    ]
    return record, events


def load(factory: SessionFactory, total: int) -> list[str]:
    """``total`` open cases and their events, written straight to the store."""
    rng = random.Random(7)
    ids: list[str] = []
    for first in range(0, total, CHUNK):
        records, events = [], []
        for n in range(first, min(first + CHUNK, total)):
            record, rows = _rows(_open_case(f"C-{n:06}", rng))
            records.append(record)
            events += rows
            ids.append(record["id"])
        with factory() as session:
            session.execute(insert(RECORDS), records)
            session.execute(insert(EVENTS), events)
            session.commit()
    return sorted(ids)


def evaluate_all(factory: SessionFactory, ids: list[str], batch: int) -> float:
    started = time.perf_counter()
    for first in range(0, len(ids), batch):
        with factory() as session:
            refresh(session, set(ids[first : first + batch]), now=NOW)
            session.commit()
    return time.perf_counter() - started


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed_preview(factory: SessionFactory, bundle: PolicyBundle, asked: Asked) -> float:
    started = time.perf_counter()
    with factory() as session:
        summary = preview(session, bundle, asked)
        session.rollback()
    seconds = time.perf_counter() - started
    print(
        f"preview: {summary.records:,} open records, {summary.records_changed:,} changed,"
        f" {summary.earlier:,} deadlines earlier, {summary.newly_violated:,} newly violated"
    )
    return seconds


def timed_migration(factory: SessionFactory, bundle: PolicyBundle, batch: int) -> float:
    started = time.perf_counter()
    with factory() as session:
        change_policy(session, bundle, choice=parse_migrate("open"), actor="bench", now=NOW)
        session.commit()
    applied = time.perf_counter() - started
    walked = run_committed(factory, now=NOW, size=batch)
    print(
        f"migrated {walked.moved:,} records ({walked.summary.earlier:,} deadlines earlier,"
        f" {walked.summary.newly_violated:,} newly violated); the apply took {applied:.1f} s"
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    default_url = os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_URL)
    parser.add_argument("--pg-url", default=default_url)
    args = parser.parse_args()
    collector.tune()
    figures: list[tuple[str, float]] = []
    with throwaway_schema(args.pg_url) as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            factory = make_session_factory(engine)
            with factory() as session:
                apply_bundle(session, parse_bundle(B2B), now=NOW - timedelta(days=400))
                session.commit()
            started = time.perf_counter()
            ids = load(factory, args.records)
            loaded = time.perf_counter() - started
            analyze(engine)
            print(f"loaded {len(ids):,} open cases in {loaded:.0f} s (load {load_average()})")
            first = evaluate_all(factory, ids, args.batch)
            figures.append(("baseline: first evaluation, rows written", first))
            analyze(engine)
            again = evaluate_all(factory, ids, args.batch)
            figures.append(("baseline: fresh full re-evaluation", again))
            bundle = parse_bundle(CHANGED)
            asked = Asked(now=NOW, since=NOW - timedelta(days=90), until=NOW)
            figures.append(("preview (nothing written)", timed_preview(factory, bundle, asked)))
            migrated = timed_migration(factory, bundle, args.batch)
            figures.append(("apply and migrate, committed batches", migrated))
        finally:
            engine.dispose()
    print(f"\n{'':<56} {'seconds':>8} {'records/s':>10}")
    for label, seconds in figures:
        print(f"{label:<56} {seconds:>8.1f} {len(ids) / seconds:>10,.0f}")
    print(f"load average after the run: {load_average()}")


def analyze(engine: Engine) -> None:
    """Fresh planner statistics, as autovacuum keeps them on a live installation."""
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


if __name__ == "__main__":
    main()
