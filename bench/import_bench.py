"""History import benchmark on PostgreSQL: the bulk import beside the API's ingestion path.

    .venv/bin/python bench/import_bench.py                     # 10,000 tickets; large file 30 MB
    .venv/bin/python bench/import_bench.py --quick             # 2,000 tickets; large file 10 MB
    .venv/bin/python bench/import_bench.py --large-mb 0        # without the large file

The file is a generated snapshot export (``tests/connectors/snapshot_export.py``: one row per
update of a ticket, each row repeating every field, shuffled, 5 % of rows repeated), ServiceNow
style, with up to ``--updates`` updates a ticket.

1. **Baseline**: the same events (read and diffed from the file once, not timed) sent through
   ``POST /api/v1/events`` of the real app (in-process client, batches of 500), as a helpdesk
   syncing history through the API would: each batch is one transaction that stores its events
   and re-evaluates the records it touches. Only the first ``--baseline-events`` events, cut at
   a ticket boundary, to keep the run short.
2. **Import**: ``run_import`` into the store as ``caseclock import`` does (reading, sorting,
   diffing and loading all timed): events/s of the whole run, and of the load alone.
3. **Memory**: ``caseclock import`` as a child process on the small file and on a large one
   (``--large-mb``), each into a fresh schema: wall time, events/s and the child's peak RSS
   (``wait4``'s ``ru_maxrss``). Bounded memory means the two peaks are close whatever the
   size of the file.

Each side runs in a schema of its own (``tests.pg_schemas``), dropped afterwards; the load
average is printed with the figures (the machine is shared).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.*
from fastapi.testclient import TestClient  # noqa: E402 (after the warning filter)
from sqlalchemy import Engine  # noqa: E402
from tests.connectors.snapshot_export import MAPPING, generate  # noqa: E402
from tests.pg_schemas import throwaway_schema  # noqa: E402

from caseclock import collector  # noqa: E402
from caseclock.api.app import create_app  # noqa: E402
from caseclock.clock import SystemClock  # noqa: E402
from caseclock.config import Settings  # noqa: E402
from caseclock.connectors.importer import BatchOutcome, run_import  # noqa: E402
from caseclock.connectors.mapping import ImportMapping  # noqa: E402
from caseclock.connectors.rows import Source  # noqa: E402
from caseclock.connectors.snapshots import PlannedEvent  # noqa: E402
from caseclock.document_files import load_bundle  # noqa: E402
from caseclock.services.access import create_key  # noqa: E402
from caseclock.services.imports import store_batch  # noqa: E402
from caseclock.services.policy import apply_bundle  # noqa: E402
from caseclock.store import migrate  # noqa: E402
from caseclock.store.database import make_engine, make_session_factory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "examples" / "policies" / "b2b.yaml"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
API_BATCH = 500
TARGET = 20_000  # events/s on PostgreSQL
CHUNK = 2_000  # tickets generated at a time


def write_export(path: Path, tickets: int, updates: int) -> None:
    """A snapshot export of ``tickets`` tickets, written chunk by chunk (each shuffled)."""
    with path.open("w", encoding="utf-8") as file:
        for first in range(0, tickets, CHUNK):
            count = min(CHUNK, tickets - first)
            chunk = generate(count, seed=first, first=first, header=first == 0, updates=updates)
            file.write(chunk.text)


def write_large(path: Path, megabytes: int, updates: int) -> None:
    """An export of about ``megabytes`` MB."""
    with path.open("w", encoding="utf-8") as file:
        first = 0
        while file.tell() < megabytes * 1_000_000:
            chunk = generate(CHUNK, seed=first, first=first, header=first == 0, updates=updates)
            file.write(chunk.text)
            first += CHUNK


@contextmanager
def schema(url: str) -> Iterator[tuple[str, Engine]]:
    """A migrated throwaway schema with the B2B policy applied: its URL and an engine."""
    with throwaway_schema(url) as scoped:
        engine = make_engine(scoped, pool_size=2)
        try:
            migrate.upgrade(engine)
            with make_session_factory(engine)() as session:
                apply_bundle(session, load_bundle(BUNDLE), now=SystemClock().now())
                session.commit()
            yield scoped, engine
        finally:
            engine.dispose()


def planned_events(path: Path, mapping: ImportMapping) -> list[PlannedEvent]:
    """Every event the import would store, in the import's order (by ticket)."""
    collected: list[PlannedEvent] = []

    def keep(batch: Any) -> BatchOutcome:
        collected.extend(batch)
        return BatchOutcome()

    run_import(Source(path, mapping), keep)
    return collected


def baseline(url: str, events: list[PlannedEvent], limit: int) -> tuple[int, float]:
    """Events/s through ``POST /api/v1/events``, batches of ``API_BATCH``, first ``limit``
    events cut at a ticket boundary."""
    cut = limit
    while cut < len(events) and events[cut].record == events[cut - 1].record:
        cut += 1
    sent = events[:cut]
    with schema(url) as (scoped, engine):
        factory = make_session_factory(engine)
        with factory() as session:
            key = create_key(session, role="agent", name="bench", accounts=None, now=_now())
            session.commit()
        app = create_app(
            Settings(database_url=scoped),
            clock=SystemClock(),
            engine=engine,
            session_factory=factory,
        )
        headers = {"Authorization": f"Bearer {key.secret}"}
        bodies = [
            [{**p.event, "at": p.event["at"].isoformat()} for p in sent[i : i + API_BATCH]]
            for i in range(0, len(sent), API_BATCH)
        ]
        with TestClient(app) as client:
            started = time.perf_counter()
            for body in bodies:
                client.post("/api/v1/events", json=body, headers=headers).raise_for_status()
            elapsed = time.perf_counter() - started
    return len(sent), len(sent) / elapsed


def _now() -> Any:
    return SystemClock().now()


@dataclass
class Imported:
    events: int
    per_s: float
    load_per_s: float
    seconds: float


def in_process(url: str, path: Path, mapping: ImportMapping) -> Imported:
    """``run_import`` into the store, timed from the first byte read to the last commit."""
    with schema(url) as (_, engine):
        factory = make_session_factory(engine)
        now = _now()
        load = 0.0
        with factory() as session:

            def sink(planned: Any) -> BatchOutcome:
                nonlocal load
                started = time.perf_counter()
                outcome = store_batch(session, planned, now=now)
                session.commit()
                load += time.perf_counter() - started
                return outcome

            started = time.perf_counter()
            summary = run_import(Source(path, mapping), sink)
            elapsed = time.perf_counter() - started
    return Imported(summary.events, summary.events / elapsed, summary.events / load, elapsed)


@dataclass
class Child:
    events: int
    seconds: float
    peak_rss_mb: float


def as_command(url: str, path: Path, mapping_path: Path) -> Child:
    """``caseclock import`` in a child process: its wall time and peak RSS."""
    with schema(url) as (scoped, _):
        env = {**os.environ, "CASECLOCK_DATABASE_URL": scoped}
        command = [str(Path(sys.executable).with_name("caseclock")), "import", str(path)]
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 (our own command and arguments)
            [*command, "--mapping", str(mapping_path), "--restart"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        output = child.stdout.read() if child.stdout is not None else ""
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"caseclock import failed ({child.returncode}): {output}")
    stored = int(output.split("stored ")[1].split(" events")[0].replace(",", ""))
    return Child(stored, elapsed, usage.ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=16, help="most updates per ticket")
    parser.add_argument("--baseline-events", type=int, default=10_000)
    parser.add_argument("--large-mb", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    if args.quick:
        args.tickets, args.baseline_events, args.large_mb = 2_000, 2_000, 10
    collector.tune()  # both sides as long-running processes run (caseclock.collector)
    mapping = ImportMapping.model_validate(MAPPING)
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.csv", Path(tmp) / "large.csv"
        mapping_path = Path(tmp) / "mapping.yaml"
        mapping_path.write_text(yaml.safe_dump(MAPPING), encoding="utf-8")
        write_export(small, args.tickets, args.updates)
        events = planned_events(small, mapping)
        gc.collect()
        print(
            f"file: {small.stat().st_size / 1e6:.1f} MB, {args.tickets:,} tickets, "
            f"{len(events):,} events once diffed; load average {_load()}"
        )
        sent, api_per_s = baseline(args.pg_url, events, args.baseline_events)
        print(f"baseline POST /events: {sent:,} events, {api_per_s:,.0f} events/s; load {_load()}")
        done = in_process(args.pg_url, small, mapping)
        print(
            f"import: {done.events:,} events in {done.seconds:.1f} s, {done.per_s:,.0f} events/s "
            f"(load alone {done.load_per_s:,.0f}/s); load {_load()}"
        )
        del events
        runs = [("small", small)]
        if args.large_mb:
            write_large(large, args.large_mb, args.updates)
            runs.append(("large", large))
        children = {}
        for name, path in runs:
            children[name] = child = as_command(args.pg_url, path, mapping_path)
            print(
                f"caseclock import, {name} file ({path.stat().st_size / 1e6:,.0f} MB): "
                f"{child.events:,} events in {child.seconds:.1f} s, "
                f"{child.events / child.seconds:,.0f} events/s, "
                f"peak RSS {child.peak_rss_mb:.0f} MB; "
                f"load {_load()}"
            )
    print()
    print("| | events | events/s | vs baseline |")
    print("| --- | --- | --- | --- |")
    print(
        f"| baseline: `POST /api/v1/events`, batches of {API_BATCH} | {sent:,} | "
        f"{api_per_s:,.0f} | 1x |"
    )
    print(
        f"| `run_import` in process (read, sort, diff, load) | {done.events:,} | "
        f"{done.per_s:,.0f} | "
        f"{done.per_s / api_per_s:.1f}x |"
    )
    print(
        f"| of which the load alone | | {done.load_per_s:,.0f} | "
        f"{done.load_per_s / api_per_s:.1f}x |"
    )
    for name, child in children.items():
        print(
            f"| `caseclock import`, {name} file | {child.events:,} | "
            f"{child.events / child.seconds:,.0f} | peak RSS {child.peak_rss_mb:.0f} MB |"
        )
    print(
        f"target: >= {TARGET:,} events/s on PostgreSQL: "
        f"{'met' if done.per_s >= TARGET else 'not met'} ({done.per_s / TARGET:.0%})"
    )


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
