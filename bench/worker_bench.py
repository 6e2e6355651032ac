"""Benchmark: how late the worker's actions arrive, with one and three workers, and with one
receiver hanging.

Run with ``.venv/bin/python bench/worker_bench.py`` (``--quick`` for a shorter run) against the
PostgreSQL of ``CASECLOCK_BENCH_DATABASE_URL`` (default: the test server). Each run gets a fresh
schema, migrated, and loads through ingestion (the real write path) 25,000 open cases with four
milestones each: 100,000 open milestones. For 12,000 of those cases the first milestone's
warning falls due during a one-minute window, one every 5 ms (200/s), and posts two signed
webhooks: one to the measured receiver (``ops``), one to a second endpoint (``other``), which
answers at once in the healthy runs and, in the hanging run, takes each request and never
answers (every send to it waits for the 10 s timeout). The other milestones fall due days
later. Then ``caseclock worker`` processes (real subprocesses on the system clock) run through
the window.

The headline is **arrival lateness**: the instant a webhook reached the ``ops`` receiver minus
its due instant, end to end (firing, commit, claim, send). **Wake-up lateness** is the payload's
``fired_at - due_at``: the instant the firing loop woke and fired, before its transaction
committed, so it is a lower bound of what a receiver sees. Fired/s is the timers fired per
second of the window; worker CPU per webhook is the CPU time the worker processes used
(user + system, from the kernel's accounting) over the webhooks both receivers got, a figure
the machine's load changes less than the latencies. Each run prints the load average (1 min)
at its start and end.

``--baseline-src DIR`` runs every run a second time with the workers importing ``caseclock``
from ``DIR`` (the ``src`` of another checkout, e.g. ``git archive`` of the previous commit),
printed beside this tree's figures in the same table: the comparison is made in the same
conditions. A run spec with ``s`` (``1s``, ``1hs``) runs each worker as two processes,
``caseclock worker --only firing`` and ``--only sending`` (this tree only). The baseline must
read the same schema (no migration between the two). A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.pg_schemas

from tests.pg_schemas import throwaway_schema

from caseclock.core.policy import parse_bundle
from caseclock.core.provenance import Provenance, Source
from caseclock.services.endpoints import register_endpoint
from caseclock.services.firing import SYSTEM
from caseclock.services.ingest import ingest
from caseclock.services.policy import apply_bundle
from caseclock.store.database import SessionFactory, make_engine, make_session_factory

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET = "whsec_worker_benchmark_secret"  # noqa: S105 - a throwaway signing secret
RATE = 200  # timers falling due per second
BATCH = 500  # events per ingestion transaction
IMPORTED = Provenance(Source.IMPORT)  # the seed events come in as an importer would bring them
LEAD = timedelta(minutes=30)  # the first milestone warns 30 minutes after creation
TARGET_P99 = 1.0  # seconds, with one worker
POLICY = """
calendars: [{name: always, timezone: UTC, always_open: true}]
processes:
  bench:
    name: Bench
    calendar: always
    milestones:
      - key: soon
        start: {on: created}
        complete: {on: comment, public: true, author_role: agent}
        target: 2h
        actions:
          warning:
            before: 90m
            do: [{type: webhook, endpoint: ops}, {type: webhook, endpoint: other}]
      - &later {key: later_a, start: {on: created}, target: 30d,
                complete: {on: comment, public: true, author_role: agent}}
      - {<<: *later, key: later_b, target: 40d}
      - {<<: *later, key: later_c, target: 50d}
entitlement_rules: {default: bench}
"""


@dataclass
class Hits:
    """What the receiver saw: per payload id, (due, fired, arrived) in Unix seconds."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    duplicates: int = 0
    others: int = 0  # requests the other receivers got

    def other(self) -> None:
        with self.lock:
            self.others += 1

    def add(self, payload: dict[str, Any], arrived: float) -> None:
        due = datetime.fromisoformat(payload["due_at"]).timestamp()
        fired = datetime.fromisoformat(payload["fired_at"]).timestamp()
        with self.lock:
            if payload["id"] in self.seen:
                self.duplicates += 1
            self.seen[payload["id"]] = (due, fired, arrived)


def start_receiver(
    hits: Hits, hang: threading.Event | None = None, *, measured: bool = False
) -> ThreadingHTTPServer:
    """A receiver on 127.0.0.1 recording into ``hits`` (each payload when ``measured``, else a
    count); with ``hang`` it takes each request and answers nothing until ``hang`` is set (the
    end of the benchmark)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if measured:
                hits.add(json.loads(body), time.time())
            else:
                hits.other()
            if hang is not None:
                hang.wait()
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    class Server(ThreadingHTTPServer):
        request_queue_size = 256
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def created(record: str, at: datetime) -> dict[str, Any]:
    return {"id": f"{record}-c", "record": record, "type": "created", "at": at.isoformat()}


def load(factory: SessionFactory, events: list[dict[str, Any]], now: datetime) -> float:
    """Ingest ``events`` in batches; return the seconds it took."""
    began = time.perf_counter()
    for start in range(0, len(events), BATCH):
        with factory() as session:
            ingest(
                session,
                events[start : start + BATCH],
                principal=SYSTEM,
                provenance=IMPORTED,
                now=now,
            )
            session.commit()
    return time.perf_counter() - began


@dataclass(frozen=True)
class Result:
    label: str
    workers: int
    fired: int
    expected: int
    duplicates: int
    fired_per_s: float
    fire_lateness: list[float]
    arrival_lateness: list[float]
    load_s: float
    cpu_per_webhook_ms: float
    load_average: tuple[float, float]  # at the run's start and end


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/hook"


def run(
    base_url: str,
    *,
    label: str,
    workers: int,
    cases: int,
    window: float,
    hits: Hits,
    hook: str,
    other: str,
    src: str | None,
    split: bool = False,
) -> Result:
    """One run; ``src``: where the workers import caseclock from (None: this tree); with
    ``split`` each worker is two processes, ``worker --only firing`` and ``--only sending``."""
    due_cases = int(window * RATE)
    load_at_start = os.getloadavg()[0]
    schemas = ExitStack()
    url = schemas.enter_context(throwaway_schema(base_url))
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        now = datetime.now(UTC)
        with factory() as session:
            apply_bundle(session, parse_bundle(POLICY), now=now)
            for name, target in (("ops", hook), ("other", other)):
                register_endpoint(
                    session,
                    name=name,
                    kind="webhook",
                    url=target,
                    secret=SECRET,
                    now=now,
                    allow_private=True,
                )
            session.commit()
        background = [created(f"B-{n:06d}", now) for n in range(cases - due_cases)]
        spent = load(factory, background, now)
        env = {
            **os.environ,
            "CASECLOCK_DATABASE_URL": url,
            "CASECLOCK_WORKER_BATCH": "200",
            "CASECLOCK_ALLOW_PRIVATE_ENDPOINTS": "true",
        }
        if src is not None:
            env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
        # The workers start (and say so) before the due cases load: their start-up under load
        # is not counted as lateness.
        roles = [["--only", "firing"], ["--only", "sending"]] if split else [[]]
        processes = [_started(env, role) for _ in range(workers) for role in roles]
        # Predict how long the due cases take to load, so that their window starts after it.
        start = datetime.now(UTC) + timedelta(seconds=spent * due_cases / len(background) + 10)
        due = [
            created(f"D-{n:06d}", start - LEAD + timedelta(seconds=n / RATE))
            for n in range(due_cases)
        ]
        hits.seen.clear()
        hits.duplicates = hits.others = 0
        spent += load(factory, due, datetime.now(UTC))
        if datetime.now(UTC) > start:
            print(f"  warning: loading ran past the window's start by {datetime.now(UTC) - start}")
        end = start + timedelta(seconds=window)
        deadline = time.time() + (end - datetime.now(UTC)).total_seconds() + 30
        while len(hits.seen) < due_cases and time.time() < deadline:
            time.sleep(0.2)
        for process in processes:
            process.terminate()
        cpu = sum(_cpu_seconds(process) for process in processes)
    finally:
        engine.dispose()
        schemas.close()
    values = list(hits.seen.values())
    fire = sorted(f - d for d, f, _ in values)
    arrival = sorted(a - d for d, _, a in values)
    fired_times = sorted(f for _, f, _ in values)
    span = (fired_times[-1] - fired_times[0]) if len(fired_times) > 1 else 1.0
    webhooks = len(values) + hits.others
    return Result(
        label,
        workers,
        len(values),
        due_cases,
        hits.duplicates,
        len(values) / max(span, 1.0),
        fire,
        arrival,
        spent,
        1000 * cpu / max(webhooks, 1),
        (load_at_start, os.getloadavg()[0]),
    )


def _started(env: dict[str, str], role: list[str]) -> subprocess.Popen[bytes]:
    """A ``caseclock worker`` process, returned once it has said it runs (its stderr is
    then copied to ours)."""
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "caseclock.cli", "worker", "--quiet", *role],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = process.stderr
    if stderr is None:
        raise RuntimeError("the worker's stderr is a pipe")
    sys.stderr.buffer.write(stderr.readline())
    sys.stderr.flush()
    threading.Thread(target=_copy, args=(stderr,), daemon=True).start()
    return process


def _copy(stream: IO[bytes]) -> None:
    for line in stream:
        sys.stderr.buffer.write(line)


def _cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """Wait for ``process`` (30 s at most) and return the CPU seconds it used."""
    deadline = time.time() + 30
    while time.time() < deadline:
        pid, _, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = 0
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.1)
    process.kill()
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = -9
    return usage.ru_utime + usage.ru_stime


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(q * len(values)))]


def report(results: list[Result], cases: int, window: float) -> None:
    print(
        f"\n{cases:,} open cases x 4 milestones = {4 * cases:,} open milestones; "
        f"{int(window * RATE):,} warnings due at {RATE}/s over {window:g} s, each two signed "
        f"webhooks: to the measured receiver and to a second one (hanging in the hanging run)\n"
    )
    print(f"{'':34}" + "".join(f"{f'{r.workers} worker(s)':>22}" for r in results))
    for part in (0, 1):
        print(f"{'':34}" + "".join(f"{r.label.split('|')[part]:>22}" for r in results))
    rows: list[tuple[str, list[str]]] = [
        ("fired / expected", [f"{r.fired:,}/{r.expected:,}" for r in results]),
        ("duplicate deliveries", [str(r.duplicates) for r in results]),
        ("fired per second", [f"{r.fired_per_s:.0f}" for r in results]),
    ]
    for label, which in (("arrival lateness", "arrival"), ("wake-up lateness", "fire")):
        for name, q in (("p50", 0.5), ("p99", 0.99), ("max", 1.0)):
            rows.append(
                (
                    f"{label} {name} (s)",
                    [f"{quantile(getattr(r, f'{which}_lateness'), q):.3f}" for r in results],
                )
            )
    rows.append(
        (
            "mean arrival lateness (s)",
            [
                f"{statistics.fmean(r.arrival_lateness):.3f}" if r.arrival_lateness else "-"
                for r in results
            ],
        )
    )
    rows.append(("load through ingestion (s)", [f"{r.load_s:.1f}" for r in results]))
    rows.append(("worker CPU per webhook (ms)", [f"{r.cpu_per_webhook_ms:.2f}" for r in results]))
    rows.append(
        (
            "load average, start / end",
            [f"{r.load_average[0]:.1f} / {r.load_average[1]:.1f}" for r in results],
        )
    )
    for label, values in rows:
        print(f"{label:34}" + "".join(f"{v:>22}" for v in values))
    print(
        "\narrival: receipt at the ops receiver - due (end to end); wake-up: the payload's "
        "fired_at - due (the firing loop's instant, before its commit)"
    )
    for result in results:
        met = quantile(result.arrival_lateness, 0.99) < TARGET_P99
        print(
            f"target: p99 arrival lateness under {TARGET_P99:g} s, {result.workers} worker(s), "
            f"{result.label.replace('|', ', ')}: {'met' if met else 'NOT met'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 cases, a 15 s window")
    parser.add_argument(
        "--runs",
        default="1,1h,3",
        help="runs to compare: a worker count, with h for the run with one receiver hanging "
        "and s for each worker split in two processes (worker --only firing / sending)",
    )
    parser.add_argument(
        "--baseline-src",
        help="also run each run with the workers importing caseclock from this directory",
    )
    args = parser.parse_args()
    cases, window = (5_000, 15.0) if args.quick else (25_000, 60.0)
    base_url = os.environ.get("CASECLOCK_BENCH_DATABASE_URL", DEFAULT_URL)
    hits, hang = Hits(), threading.Event()
    servers = [
        start_receiver(hits, measured=True),
        start_receiver(hits),
        start_receiver(hits, hang),
    ]
    hook, healthy, hanging = (url_of(server) for server in servers)
    results = []
    sources: list[tuple[str, str | None]] = [("this tree", None)]
    if args.baseline_src:
        sources.insert(0, ("baseline", str(Path(args.baseline_src).resolve())))
    for spec in args.runs.split(","):
        workers, stuck, split = int(spec.rstrip("hs")), "h" in spec, "s" in spec
        condition = "one receiver hanging" if stuck else "healthy"
        for code, src in sources[-1:] if split else sources:
            shown = f"{code}, split" if split else code
            print(f"run with {workers} worker(s), {condition}, {shown}: loading ...", flush=True)
            results.append(
                run(
                    base_url,
                    label=f"{condition}|{shown}",
                    workers=workers,
                    cases=cases,
                    window=window,
                    hits=hits,
                    hook=hook,
                    other=hanging if stuck else healthy,
                    src=src,
                    split=split,
                )
            )
    hang.set()
    for server in servers:
        server.shutdown()
    report(results, cases, window)


if __name__ == "__main__":
    main()
