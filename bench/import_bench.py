"""History import benchmark on PostgreSQL: the import beside two baselines from the same run.

    .venv/bin/python bench/import_bench.py                          # 10,000 tickets; 50 MB file
    .venv/bin/python bench/import_bench.py --quick                  # 2,000 tickets; 10 MB file
    .venv/bin/python bench/import_bench.py --sizes 50,200,1000      # files of 50 MB, 200 MB, 1 GB
    .venv/bin/python bench/import_bench.py --sizes 1000 --only-files --jobs 2
    .venv/bin/python bench/import_bench.py --only-files --sizes 0 --read-sizes 50,1000

The file is a generated snapshot export (``tests/connectors/snapshot_export.py``: one row per
update of a ticket, each row repeating every field, shuffled, 5 % of rows repeated), ServiceNow
style, with up to ``--updates`` updates a ticket. Written to the temporary directory (``TMPDIR``),
never to the repository.

1. **Old path** (the baseline an API client has): the same events (read and diffed from the
   file once, not timed) sent through ``POST /api/v1/events`` of the real app (in-process
   client, batches of 500): each batch one transaction that stores its events and
   re-evaluates every record it touches. The first ``--baseline-events`` events only, cut at a
   ticket boundary, to keep the run short.
2. **Import** in process: ``run_import`` into the store as ``caseclock import`` does (reading,
   sorting, diffing, checking, writing and evaluating all timed): events/s and records/s of
   the whole run, and of the load alone.
3. **Ceiling**: the rows that import wrote (records, events, milestones), dumped with ``COPY
   TO`` and written into a fresh schema with ``COPY FROM``, timed: what storing the result
   costs the server alone, with no reading, checking or evaluating. No import can beat it.
4. **Files**: ``caseclock import --jobs J`` as a child process on a file of each of
   ``--sizes`` MB, each into a fresh schema: wall time, events/s, records/s and the peak RSS
   of the command with its loading processes (their resident memory added up, sampled every
   0.2 s). Bounded memory: the peak stays flat as the file grows.
5. **Reading alone** (``--read-sizes``): the import's reading, sorting (runs spilled to
   temporary files and merged) and diffing of a file of each size, in a child process whose
   batches go nowhere: the part of the import whose work grows with the file, its rate and
   peak RSS, for files too large to store in the time at hand. (Storing holds one batch at a
   time: ``--batch`` events.)

Each side runs in a schema of its own (``tests.pg_schemas``), dropped afterwards; the load
average is printed beside every figure (the machine is shared). On a loaded machine the wall
clock says more of the neighbours than of the code, so steps 1 to 3 also count the **CPU
time** they used: this process's, and that of the PostgreSQL backends serving it (read from
``/proc``, the server being on this machine). Events per CPU-second is what one core given to
the import would do, and holds still when the load does not.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import subprocess
import sys
import tempfile
import threading
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
from sqlalchemy import Engine, text  # noqa: E402
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
WRITTEN = ("records", "events", "milestones")  # what the ceiling copies, in this order
APPLICATION = f"import-bench-{os.getpid()}"  # how the server names this run's connections
TICK = os.sysconf("SC_CLK_TCK")


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
        engine = make_engine(f"{scoped}&application_name={APPLICATION}", pool_size=2)
        try:
            migrate.upgrade(engine)
            with make_session_factory(engine)() as session:
                apply_bundle(session, load_bundle(BUNDLE), now=_now())
                session.commit()
            yield scoped, engine
        finally:
            engine.dispose()


@dataclass
class Cpu:
    """CPU seconds used: by this process, and by the server's backends serving it."""

    client: float = 0.0
    server: float = 0.0

    @property
    def total(self) -> float:
        return self.client + self.server


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _backends(engine: Engine) -> dict[int, float]:
    """The CPU seconds so far of each server backend of this run's connections."""
    with engine.connect() as connection:
        pids = connection.scalars(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
            {"name": APPLICATION},
        ).all()
    return {pid: _proc_cpu(pid) for pid in pids}


@contextmanager
def metered(engine: Engine) -> Iterator[Cpu]:
    """The CPU the block uses, this process's and the backends' (filled in at its end)."""
    used = Cpu()
    before, started = _backends(engine), time.process_time()
    yield used
    used.client = time.process_time() - started
    after = _backends(engine)
    used.server = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def planned_events(path: Path, mapping: ImportMapping) -> list[PlannedEvent]:
    """Every event the import would store, in the import's order (by ticket)."""
    collected: list[PlannedEvent] = []

    def keep(batch: Any) -> BatchOutcome:
        collected.extend(batch)
        return BatchOutcome()

    run_import(Source(path, mapping), keep)
    return collected


def old_path(url: str, events: list[PlannedEvent], limit: int) -> tuple[int, int, float, Cpu]:
    """Events, records, seconds and CPU through ``POST /api/v1/events``, batches of
    ``API_BATCH``, the first ``limit`` events cut at a ticket boundary."""
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
        with TestClient(app) as client, metered(engine) as cpu:
            started = time.perf_counter()
            for body in bodies:
                client.post("/api/v1/events", json=body, headers=headers).raise_for_status()
            elapsed = time.perf_counter() - started
    return len(sent), len({p.record for p in sent}), elapsed, cpu


def _now() -> Any:
    return SystemClock().now()


@dataclass
class Imported:
    events: int
    records: int
    seconds: float
    load_seconds: float
    dumped: dict[str, bytes]  # the rows it wrote, for the ceiling
    rows: dict[str, int]
    cpu: Cpu


def in_process(url: str, path: Path, mapping: ImportMapping) -> Imported:
    """``run_import`` into the store, timed from the first byte read to the last commit;
    then the rows it wrote, dumped (not timed)."""
    with schema(url) as (_, engine):
        factory = make_session_factory(engine)
        now = _now()
        load = 0.0
        with factory() as session, metered(engine) as cpu:

            def sink(planned: Any) -> BatchOutcome:
                nonlocal load
                started = time.perf_counter()
                outcome = store_batch(session, planned, now=now)
                session.commit()
                load += time.perf_counter() - started
                return outcome

            started = time.perf_counter()
            summary = run_import(Source(path, mapping), sink, read=collector.freeze_kept)
            elapsed = time.perf_counter() - started
        dumped, rows = dump(engine)
    return Imported(summary.events, summary.records, elapsed, load, dumped, rows, cpu)


def dump(engine: Engine) -> tuple[dict[str, bytes], dict[str, int]]:
    """The rows of ``WRITTEN`` in PostgreSQL's binary COPY format, and how many of each."""
    dumped, counts = {}, {}
    with engine.connect() as connection:
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            for table in WRITTEN:
                buffer = io.BytesIO()
                with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                    for block in copy:
                        buffer.write(block)
                dumped[table] = buffer.getvalue()
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (our names)
                counts[table] = cursor.fetchone()[0]
    return dumped, counts


def ceiling(url: str, dumped: dict[str, bytes]) -> tuple[float, Cpu]:
    """Seconds and CPU to write ``dumped`` into a fresh schema with ``COPY FROM``, one
    transaction (the indexes and foreign keys of the real schema in place)."""
    with schema(url) as (_, engine), engine.connect() as connection, metered(engine) as cpu:
        raw: Any = connection.connection.driver_connection
        started = time.perf_counter()
        with raw.cursor() as cursor:
            for table in WRITTEN:
                with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(dumped[table])
        raw.commit()
        elapsed = time.perf_counter() - started
    return elapsed, cpu


@dataclass
class Child:
    events: int
    records: int
    seconds: float
    peak_rss_mb: float


def _tree_rss(root: int) -> int:
    """The resident memory of ``root`` and its descendants, in kB (from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    total = 0
    for pid in tree:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def as_command(url: str, path: Path, mapping_path: Path, jobs: int) -> Child:
    """``caseclock import --jobs J`` in a child process: its wall time and the peak RSS of
    it and its loading processes together."""
    with schema(url) as (scoped, _):
        env = {**os.environ, "CASECLOCK_DATABASE_URL": scoped}
        command = [str(Path(sys.executable).with_name("caseclock")), "import", str(path)]
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 (our own command and arguments)
            [*command, "--mapping", str(mapping_path), "--restart", "--jobs", str(jobs)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        output, peak = _watched(child)
        elapsed = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"caseclock import failed ({child.returncode}): {output}")
    first = output.splitlines()[0]  # FILE: N rows, N records; stored N events (...)
    stored = int(first.split("stored ")[1].split(" events")[0].replace(",", ""))
    records = int(first.split(" rows, ")[1].split(" records")[0].replace(",", ""))
    return Child(stored, records, elapsed, peak / 1024)


def read_only(path: Path) -> None:
    """Step 5's child: read, sort and diff ``path``, the batches thrown away; print the rows,
    records and events."""
    events = 0

    def discard(batch: Any) -> BatchOutcome:
        nonlocal events
        events += len(batch)
        return BatchOutcome()

    summary = run_import(Source(path, ImportMapping.model_validate(MAPPING)), discard)
    print(summary.rows, summary.records, events)


def as_reader(path: Path) -> tuple[int, Child]:
    """Step 5: ``read_only`` in a child process: its rows, and its events, records, wall
    time and peak RSS."""
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 (our own script)
        [sys.executable, __file__, "--read-only", str(path)], stdout=subprocess.PIPE, text=True
    )
    output, peak = _watched(child)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"reading {path} failed ({child.returncode})")
    rows, records, events = (int(n) for n in output.split()[:3])
    return rows, Child(events, records, elapsed, peak / 1024)


def _watched(child: subprocess.Popen[str]) -> tuple[str, int]:
    """Wait for ``child``, sampling the resident memory of it and its descendants every
    0.2 s: its standard output and the peak, in kB."""
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.5):
            peak = max(peak, _tree_rss(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read() if child.stdout is not None else ""
    child.wait()
    done.set()
    sampler.join()
    return output, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=16, help="most updates per ticket")
    parser.add_argument("--baseline-events", type=int, default=5_000)
    parser.add_argument("--sizes", default="50", help="MB of each file run as a command")
    parser.add_argument("--jobs", type=int, default=1, help="the command's --jobs")
    parser.add_argument("--read-sizes", default="", help="MB of each file only read (step 5)")
    parser.add_argument("--only-files", action="store_true", help="only steps 4 and 5")
    parser.add_argument("--read-only", type=Path, help=argparse.SUPPRESS)  # step 5's child
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG)
    )
    args = parser.parse_args()
    if args.read_only is not None:
        read_only(args.read_only)
        return
    if args.quick:
        args.tickets, args.baseline_events, args.sizes = 2_000, 2_000, "10"
    collector.tune()  # both sides as long-running processes run (caseclock.collector)
    table = ["| | events | records | seconds | events/s | records/s | peak RSS |"]
    table.append("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="caseclock-import-bench-") as tmp:
        if not args.only_files:
            table += compared(args, Path(tmp))
        table += files(args, Path(tmp))
    print()
    print("\n".join(table))
    print(f"load average at the end: {_load()}; target >= {TARGET:,} events/s on PostgreSQL")


def compared(args: argparse.Namespace, tmp: Path) -> list[str]:
    """Steps 1 to 3 on a file of ``--tickets`` tickets: the table's lines."""
    small = tmp / "small.csv"
    mapping = ImportMapping.model_validate(MAPPING)
    write_export(small, args.tickets, args.updates)
    events = planned_events(small, mapping)
    gc.collect()
    print(
        f"file: {small.stat().st_size / 1e6:.1f} MB, {args.tickets:,} tickets, "
        f"{len(events):,} events once diffed; load average {_load()}"
    )
    sent, sent_records, api_s, api_cpu = old_path(args.pg_url, events, args.baseline_events)
    del events
    print(f"old path, POST /events: {sent:,} events in {api_s:.1f} s; load {_load()}")
    done = in_process(args.pg_url, small, mapping)
    print(f"import in process: {done.events:,} events in {done.seconds:.1f} s; load {_load()}")
    copy_s, copy_cpu = ceiling(args.pg_url, done.dumped)
    written = ", ".join(f"{n:,} {t}" for t, n in done.rows.items())
    print(f"ceiling, COPY of the rows written ({written}): {copy_s:.1f} s; load {_load()}")
    cpu_lines = [
        "",
        "| CPU per 1,000 events (s): | caseclock | PostgreSQL | events per CPU-second |",
        "| --- | --- | --- | --- |",
        _cpu_line("old path: `POST /api/v1/events`", sent, api_cpu),
        _cpu_line("`run_import` in process", done.events, done.cpu),
        _cpu_line("ceiling: `COPY` of the rows written", done.events, copy_cpu),
    ]
    for line in cpu_lines:
        print(line)
    return [
        _line(f"old path: `POST /api/v1/events`, {API_BATCH} a request", sent,
              sent_records, api_s),
        _line("`run_import` in process (read, sort, diff, check, write, evaluate)",
              done.events, done.records, done.seconds),
        _line("of which loading (check, write, evaluate)", done.events, done.records,
              done.load_seconds),
        _line("ceiling: `COPY` of the rows the import wrote, nothing else",
              done.events, done.records, copy_s),
    ]  # fmt: skip


def files(args: argparse.Namespace, tmp: Path) -> list[str]:
    """Steps 4 and 5, one file of each size at a time: the table's lines."""
    lines = []
    mapping_path = tmp / "mapping.yaml"
    mapping_path.write_text(yaml.safe_dump(MAPPING), encoding="utf-8")
    for megabytes in _sizes(args.sizes):
        path = tmp / f"export-{megabytes}mb.csv"
        write_large(path, megabytes, args.updates)
        size = path.stat().st_size / 1e6
        child = as_command(args.pg_url, path, mapping_path, args.jobs)
        path.unlink()
        print(
            f"caseclock import --jobs {args.jobs}, {size:,.0f} MB: {child.events:,} events "
            f"in {child.seconds:.1f} s, peak RSS {child.peak_rss_mb:,.0f} MB; load {_load()}"
        )
        lines.append(
            _line(f"`caseclock import --jobs {args.jobs}`, {size:,.0f} MB file",
                  child.events, child.records, child.seconds, child.peak_rss_mb)
        )  # fmt: skip
    for megabytes in _sizes(args.read_sizes):
        path = tmp / f"export-{megabytes}mb.csv"
        write_large(path, megabytes, args.updates)
        size = path.stat().st_size / 1e6
        rows, reader = as_reader(path)
        path.unlink()
        print(
            f"reading alone, {size:,.0f} MB: {rows:,} rows, {reader.events:,} events in "
            f"{reader.seconds:.1f} s, peak RSS {reader.peak_rss_mb:,.0f} MB; load {_load()}"
        )
        lines.append(
            _line(f"reading alone (read, sort, diff; nothing stored), {size:,.0f} MB file",
                  reader.events, reader.records, reader.seconds, reader.peak_rss_mb)
        )  # fmt: skip
    return lines


def _cpu_line(name: str, events: int, cpu: Cpu) -> str:
    per = 1000 / events
    return (
        f"| {name} | {cpu.client * per:.3f} | {cpu.server * per:.3f} | {events / cpu.total:,.0f} |"
    )


def _sizes(text: str) -> list[int]:
    return [int(size) for size in text.split(",") if size.strip() and int(size) > 0]


def _line(name: str, events: int, records: int, seconds: float, rss: float | None = None) -> str:
    memory = f"{rss:,.0f} MB" if rss is not None else ""
    return (
        f"| {name} | {events:,} | {records:,} | {seconds:,.1f} | {events / seconds:,.0f} | "
        f"{records / seconds:,.0f} | {memory} |"
    )


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
