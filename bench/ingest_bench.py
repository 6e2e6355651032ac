"""Ingest and at-risk benchmark, SQLite and PostgreSQL side by side.

    .venv/bin/python bench/ingest_bench.py            # 10,000 open cases / 100,000 for the queue
    .venv/bin/python bench/ingest_bench.py --quick    # 2,000 / 20,000: a minute on 2 cores
    .venv/bin/python bench/ingest_bench.py --queue-only   # the at-risk part alone (100,000)

1. Ingest: with N open cases (created through the service), POST /events through the real ASGI
   app (in-process httpx client) in batches of 500 events — comments, status changes, owner
   changes, field flags — on random open cases; each batch is one transaction that stores the
   events and re-evaluates every touched record. Prints events/s.
2. At risk: with M open cases (the ingest ones plus synthetic rows written straight to the
   store), GET /api/v1/milestones?at_risk=true&sort=deadline&limit=50, repeated; prints p50/p95,
   and the p95 of the same query for one owner, for one team, in the least-time-left order and
   one row per record (QUEUE_FILTERS). Every answer carries the counts of the whole filtered
   queue (one SQL aggregate over every open milestone it matches), which readers of the same
   filters share for up to CASECLOCK_COUNTS_MAX_AGE_SECONDS (10 s): the repeated query reuses
   them, so a second row times the same query with counts taken afresh for every answer.
3. Served (PostgreSQL only, a second figure beside the single-process one): the same ingest
   through a real server, uvicorn with 2 worker processes, fed over HTTP by 2 concurrent
   clients: how a deployment on PostgreSQL with several workers runs. The server takes the
   same fixed clock as the in-process runs (``served_app``), so both do the same work.

PostgreSQL runs in a schema of its own (dropped afterwards) on CASECLOCK_TEST_DATABASE_URL or
--pg-url, with random_page_cost = 1.1 (see RANDOM_PAGE_COST); it is left out, with a note,
when unreachable.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, insert, text

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.pg_schemas
import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402 (after the warning filter)
from tests.pg_schemas import ServerUnreachable, throwaway_schema  # noqa: E402

from caseclock.api.asgi import serving_app  # noqa: E402
from caseclock.clock import FixedClock  # noqa: E402
from caseclock.config import Settings  # noqa: E402
from caseclock.core.provenance import Provenance, Source  # noqa: E402
from caseclock.demo.generator import generate  # noqa: E402
from caseclock.demo.loader import SYSTEM  # noqa: E402
from caseclock.document_files import load_bundle  # noqa: E402
from caseclock.services.access import create_key  # noqa: E402
from caseclock.services.accounts import AccountInput, create_account  # noqa: E402
from caseclock.services.ingest import ingest  # noqa: E402
from caseclock.services.policy import apply_bundle  # noqa: E402
from caseclock.store import migrate  # noqa: E402
from caseclock.store.database import make_engine, make_session_factory  # noqa: E402
from caseclock.store.models import MilestoneRow, RecordRow  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "examples" / "policies" / "b2b.yaml"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York
# The apps' clock: after every event the runs send (at most 22 batches of 500, one second
# apart, from NOW), so none is refused as dated in the future and every one is live.
APP_NOW = NOW + timedelta(hours=4)
BATCH = 500
IMPORTED = Provenance(Source.IMPORT)  # the seed data comes in as a file importer would bring it
INGEST_TARGET = 2000  # events/s on PostgreSQL through the API
QUEUE_P95_TARGET_MS = 50
# The usual setting for data on SSD or in memory (PostgreSQL's default, 4, prices a random page
# read as on a spinning disk, and scans whole tables rather than probe their indexes); README's
# deployment section recommends it, so the benchmark's sessions run with it.
RANDOM_PAGE_COST = 1.1
QUEUE_URL = "/api/v1/milestones?at_risk=true&sort=deadline&limit=50"
# Beside the target's query: one person's queue and one team's (each has its own index), the
# other order and the per-record view (a parameter given twice: the last one counts).
QUEUE_FILTERS = ("owner=eli", "team=L2", "sort=time_left", "per_record=true")
# The same query with the queue's counts taken afresh for every answer (no reuse between
# readers: CASECLOCK_COUNTS_MAX_AGE_SECONDS=0): what one board refreshing alone costs.
RECOUNT = "recount"
SERVED_WORKERS = 2  # uvicorn worker processes
SERVED_CLIENTS = 2  # concurrent HTTP clients
SERVED_URL_VARIABLE = "CASECLOCK_BENCH_SERVED_URL"


@dataclass
class Figures:
    created_per_s: float = 0.0
    events_per_s: float = 0.0
    open_cases_ingest: int = 0
    open_cases_queue: int = 0
    queue_ms: list[float] = field(default_factory=list)
    filtered_ms: dict[str, list[float]] = field(default_factory=dict)  # by QUEUE_FILTERS
    recount_ms: list[float] = field(default_factory=list)  # counts taken afresh every answer

    def p(self, q: float, filtered: str | None = None) -> float:
        if filtered == RECOUNT:
            return quantile(self.recount_ms, q)
        return quantile(self.queue_ms if filtered is None else self.filtered_ms[filtered], q)


def quantile(timings: list[float], q: float) -> float:
    """The ``q`` quantile of ``timings`` (nearest rank); the other benches share it."""
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(count: int, step: Callable[[], object]) -> list[float]:
    """``step`` run ``count`` times: each run's milliseconds, sorted."""
    found = []
    for _ in range(count):
        started = time.perf_counter()
        step()
        found.append((time.perf_counter() - started) * 1000)
    return sorted(found)


@contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        try:
            yield engine
        finally:
            engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    """An engine on a throwaway schema of the server at ``url`` (``tests.pg_schemas``)."""
    with throwaway_schema(url, options=f"-crandom_page_cost={RANDOM_PAGE_COST}") as scoped:
        engine = make_engine(scoped, pool_size=2)
        try:
            yield engine
        finally:
            engine.dispose()


def prepare(engine: Engine, open_cases: int) -> tuple[str, list[str], float]:
    """Migrate, apply the B2B bundle, create the demo accounts and ``open_cases`` new cases."""
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    demo = generate(now=NOW, cases=1, seed=1)
    with factory() as session:
        apply_bundle(session, load_bundle(BUNDLE), now=NOW)
        for a in demo.accounts:
            create_account(
                session,
                AccountInput(a.id, a.name, a.tier, a.region, a.start_date, a.renewal_date),
                SYSTEM,
                now=NOW,
            )
        key = create_key(session, role="agent", name="bench", accounts=None, now=NOW).secret
        session.commit()
    rng = random.Random(1)
    records = [f"B-{i}" for i in range(open_cases)]
    started = time.perf_counter()
    for start in range(0, open_cases, BATCH):
        batch = []
        for record in records[start : start + BATCH]:
            account = rng.choice(demo.accounts)
            created = NOW - timedelta(minutes=rng.randint(5, 60 * 24 * 3))
            batch.append(
                {
                    "id": f"{record}-0",
                    "record": record,
                    "type": "created",
                    "at": created.isoformat(),
                    "data": {
                        "account": account.id,
                        "tier": account.tier,
                        "region": account.region,
                        "priority": rng.choice(("P1", "P2", "P3", "P3", "P4")),
                        "status": "New",
                    },
                }
            )
        with factory() as session:
            ingest(session, batch, principal=SYSTEM, provenance=IMPORTED, now=NOW)
            session.commit()
    created_per_s = open_cases / (time.perf_counter() - started)
    if engine.dialect.name == "postgresql":
        analyze(engine)  # SQLite has no autovacuum: it runs as a fresh file would
    return key, records, created_per_s


def analyze(engine: Engine) -> None:
    """Fresh planner statistics, as PostgreSQL's autovacuum keeps them on a live installation:
    without them it guesses at the tables just filled and scans milestones whole."""
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def event_batches(records: list[str], count: int) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(2)
    makers: list[Callable[[], tuple[str, dict[str, Any]]]] = [
        lambda: ("comment", {"public": True, "author_role": "agent", "body": "on it"}),
        lambda: ("comment", {"public": True, "author_role": "customer", "body": "any news?"}),
        lambda: ("comment", {"public": False, "author_role": "agent", "body": "internal"}),
        lambda: ("status", {"status": rng.choice(("Investigating", "Waiting for Customer"))}),
        lambda: ("owner", {"owner": rng.choice(("ana", "eli", "chen")), "team": "L1"}),
        lambda: ("field", {"field": "l2_escalated", "value": rng.choice((True, None))}),
    ]
    for number in range(count):
        batch = []
        for j in range(BATCH):
            kind, data = rng.choice(makers)()
            at = NOW + timedelta(seconds=number * BATCH + j)
            batch.append(
                {
                    "id": f"e-{number}-{j}",
                    "record": rng.choice(records),
                    "type": kind,
                    "at": at.isoformat(),
                    "data": data,
                }
            )
        yield batch


def fill_queue(engine: Engine, existing: int, total: int) -> None:
    """Add synthetic open cases with three open milestones each, straight into the store."""
    rng = random.Random(3)
    chunk = 5000
    for start in range(existing, total, chunk):
        records, milestones = [], []
        for i in range(start, min(total, start + chunk)):
            record = f"S-{i}"
            created = NOW - timedelta(minutes=rng.randint(5, 60 * 24 * 5))
            owner, team = rng.choice(("ana", "bruno", "eli", "chen")), rng.choice(("L1", "L2"))
            records.append(
                {
                    "id": record,
                    "type": "case",
                    "status": "New",
                    "priority": "P3",
                    "owner": owner,
                    "team": team,
                    "account_id": "acme",
                    "fields": {},
                    "is_closed": False,
                    "process_key": "gold",
                    "process_version": 1,
                    "created_at": created,
                    "updated_at": created,
                    "received_at": created,
                    "event_count": 1,
                }
            )
            for key, hours in (("first_response", 4), ("assignment", 2), ("resolution", 24)):
                deadline = created + timedelta(hours=hours * rng.uniform(0.5, 3))
                milestones.append(
                    {
                        "record_id": record,
                        "key": key,
                        "cycle": 1,
                        "name": key,
                        "state": "running",
                        "is_open": True,
                        "calendar": "us-east",
                        "started_at": created,
                        "deadline": deadline,
                        "warning_at": deadline - timedelta(hours=hours / 4),
                        "target_seconds": hours * 3600.0,
                        "elapsed_seconds": 0.0,
                        "paused_seconds": 0.0,
                        "remaining_seconds": hours * 3600.0,
                        "owner": owner,
                        "team": team,
                        "account_id": "acme",
                        "timers": [],
                        "next_timer_at": deadline,
                        "next_timer_kind": "violation",
                        "evaluated_at": created,
                        "digest": "",
                    }
                )
        with engine.begin() as connection:
            connection.execute(insert(cast(Table, RecordRow.__table__)), records)
            connection.execute(insert(cast(Table, MilestoneRow.__table__)), milestones)
    analyze(engine)


def run(
    engine: Engine, *, ingest_cases: int, queue_cases: int, batches: int, queries: int
) -> Figures:
    figures = Figures(open_cases_ingest=ingest_cases, open_cases_queue=queue_cases)
    key, records, figures.created_per_s = prepare(engine, ingest_cases)
    clock = FixedClock(APP_NOW)
    app = serving_app(  # as `caseclock serve` builds it: the collector tuned for the long run
        Settings(database_url=str(engine.url)),
        clock=clock,
        engine=engine,
        session_factory=make_session_factory(engine),
    )
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        sent, started = 0, time.perf_counter()
        for batch in event_batches(records, batches):
            response = client.post("/api/v1/events", json=batch, headers=headers)
            response.raise_for_status()
            sent += len(batch)
        figures.events_per_s = sent / (time.perf_counter() - started)
        fill_queue(engine, ingest_cases, queue_cases)
        figures.queue_ms = time_queries(client, QUEUE_URL, headers, queries)
        for extra in QUEUE_FILTERS:
            url = f"{QUEUE_URL}&{extra}"
            figures.filtered_ms[extra] = time_queries(client, url, headers, queries)
    recounting = serving_app(
        Settings(database_url=str(engine.url), counts_max_age_seconds=0),
        clock=clock,
        engine=engine,
        session_factory=make_session_factory(engine),
    )
    with TestClient(recounting) as client:
        figures.recount_ms = time_queries(client, QUEUE_URL, headers, queries)
    return figures


def time_queries(client: TestClient, url: str, headers: dict[str, str], count: int) -> list[float]:
    """Milliseconds per GET of ``url``, ``count`` times after one to warm up."""
    client.get(url, headers=headers).raise_for_status()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(url, headers=headers).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def served_app() -> FastAPI:
    """The app each uvicorn worker builds: the database named in the environment, and the
    fixed clock of the in-process runs."""
    url = os.environ[SERVED_URL_VARIABLE]
    return serving_app(Settings(database_url=url), clock=FixedClock(APP_NOW))


def run_served(engine: Engine, *, ingest_cases: int, batches: int) -> float:
    """Events/s through uvicorn (``SERVED_WORKERS`` processes) with ``SERVED_CLIENTS``
    clients posting batches concurrently over HTTP."""
    key, records, _ = prepare(engine, ingest_cases)
    url = engine.url.render_as_string(hide_password=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            *(sys.executable, "-m", "uvicorn", "ingest_bench:served_app", "--factory"),
            *("--app-dir", str(Path(__file__).parent), "--host", "127.0.0.1"),
            *("--port", str(port), "--workers", str(SERVED_WORKERS), "--log-level", "warning"),
        ],
        env={**os.environ, SERVED_URL_VARIABLE: url},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        work = list(event_batches(records, batches + SERVED_CLIENTS))
        warm_ups, work = work[:SERVED_CLIENTS], work[SERVED_CLIENTS:]
        shares = [work[i::SERVED_CLIENTS] for i in range(SERVED_CLIENTS)]
        start = threading.Barrier(SERVED_CLIENTS + 1)  # timing starts once all are warm
        headers = {"Authorization": f"Bearer {key}"}
        failures: list[BaseException] = []

        def client(warm_up: list[dict[str, Any]], share: list[list[dict[str, Any]]]) -> None:
            with httpx.Client(base_url=base, timeout=120, headers=headers) as http:
                try:
                    http.post("/api/v1/events", json=warm_up).raise_for_status()
                    start.wait()
                    for batch in share:
                        http.post("/api/v1/events", json=batch).raise_for_status()
                except BaseException as exc:  # reported by the main thread
                    failures.append(exc)
                    start.abort()

        threads = [
            threading.Thread(target=client, args=pair)
            for pair in zip(warm_ups, shares, strict=True)
        ]
        for thread in threads:
            thread.start()
        with suppress(threading.BrokenBarrierError):  # a client failed: raised below
            start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if failures:
            raise failures[0]
        return sum(len(b) for b in work) / elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /health within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG)
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--queue-only",
        action="store_true",
        help="the at-risk part alone: 200 cases through the service, no event batches",
    )
    parser.add_argument(
        "--skip-served", action="store_true", help="no figure through a real server"
    )
    args = parser.parse_args()
    sizes = (
        {"ingest_cases": 2000, "queue_cases": 20_000, "batches": 4, "queries": 100}
        if args.quick
        else {"ingest_cases": 10_000, "queue_cases": 100_000, "batches": 20, "queries": 300}
    )
    if args.queue_only:
        sizes = {**sizes, "ingest_cases": 200, "batches": 0}
        args.skip_served = True
    results: dict[str, Figures | str] = {}
    served: float | str = "skipped"
    with sqlite_engine() as engine:
        results["SQLite"] = run(engine, **sizes)
    if args.skip_postgres:
        results["PostgreSQL"] = "skipped"
    else:
        try:
            with postgres_engine(args.pg_url) as engine:
                results["PostgreSQL"] = run(engine, **sizes)
            if not args.skip_served:
                with postgres_engine(args.pg_url) as engine:
                    served = run_served(
                        engine, ingest_cases=sizes["ingest_cases"], batches=sizes["batches"]
                    )
        except ServerUnreachable as exc:
            results["PostgreSQL"] = f"unreachable ({exc})"
    report(results, sizes)
    report_served(served, sizes)


def report(results: dict[str, Figures | str], sizes: dict[str, int]) -> None:
    rows: list[tuple[str, Callable[[Figures], str], str]] = [
        ("cases created/s (setup, service)", lambda f: f"{f.created_per_s:,.0f}", ""),
        (
            f"POST /events, events/s ({sizes['ingest_cases']:,} open cases, batches of {BATCH})",
            lambda f: f"{f.events_per_s:,.0f}",
            ">= 2,000 (PostgreSQL)",
        ),
        (
            f"GET at-risk limit=50, p50 ms ({sizes['queue_cases']:,} open cases)",
            lambda f: f"{f.p(0.5):.1f}",
            "",
        ),
        ("GET at-risk limit=50, p95 ms", lambda f: f"{f.p(0.95):.1f}", "< 50"),
        ("  the same, counts taken afresh every answer, p95 ms", _p95_of(RECOUNT), ""),
        *((f"GET at-risk limit=50 {extra}, p95 ms", _p95_of(extra), "") for extra in QUEUE_FILTERS),
    ]
    names = list(results)
    width = max(len(r[0]) for r in rows) + 2
    print(f"\n{'':{width}}" + "".join(f"{n:>14}" for n in names) + f"{'target':>24}")
    for label, cell, target in rows:
        cells = [cell(v) if isinstance(v, Figures) else "-" for v in results.values()]
        print(f"{label:{width}}" + "".join(f"{c:>14}" for c in cells) + f"{target:>24}")
    for name, value in results.items():
        if isinstance(value, str):
            print(f"{name}: {value}")
    print(verdict(results.get("PostgreSQL")))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"({os.cpu_count()} CPUs, load average {load}; single process, in-process ASGI client; "
        f"PostgreSQL sessions with random_page_cost = {RANDOM_PAGE_COST})"
    )


def _p95_of(extra: str) -> Callable[[Figures], str]:
    return lambda f: f"{f.p(0.95, extra):.1f}"


def report_served(served: float | str, sizes: dict[str, int]) -> None:
    if isinstance(served, str):
        print(f"served on PostgreSQL: {served}")
        return
    met = "met" if served >= INGEST_TARGET else "NOT met"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"served on PostgreSQL (uvicorn, {SERVED_WORKERS} worker processes, {SERVED_CLIENTS} "
        f"concurrent HTTP clients, {sizes['ingest_cases']:,} open cases, batches of {BATCH}): "
        f"POST /events {served:,.0f} events/s vs >= {INGEST_TARGET:,}: {met} "
        f"(load average {load})"
    )


def verdict(postgres: Figures | str | None) -> str:
    """Whether the PostgreSQL figures meet the targets of the service issue."""
    if not isinstance(postgres, Figures):
        return "targets: not measured (no PostgreSQL)"
    ingest_met = postgres.events_per_s >= INGEST_TARGET
    queue_met = postgres.p(0.95) < QUEUE_P95_TARGET_MS
    return (
        f"targets on PostgreSQL: ingest {postgres.events_per_s:,.0f} events/s vs >= "
        f"{INGEST_TARGET:,}: {'met' if ingest_met else 'NOT met'}; at-risk p95 "
        f"{postgres.p(0.95):.1f} ms vs < {QUEUE_P95_TARGET_MS} ms: "
        f"{'met' if queue_met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
