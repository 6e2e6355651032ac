"""Soak benchmark: the resident memory of a served API process and a worker process over time.

    .venv/bin/python bench/soak_bench.py                 # 10,000 calls per phase
    .venv/bin/python bench/soak_bench.py --calls 2000    # a quick look

Starts ``caseclock serve`` and ``caseclock worker`` as real processes on a PostgreSQL schema of
their own (CASECLOCK_TEST_DATABASE_URL or --pg-url; dropped afterwards), then calls the API
over HTTP, one client, keep-alive, and reads each process's RSS (``/proc/PID/status``) every
``--calls / 10`` calls:

1. baseline: ``GET /health``, which touches neither the database nor the migrations: what the
   server's own machinery costs over as many calls;
2. ``GET /ready`` (the readiness probe a load balancer or Kubernetes calls every few seconds,
   for as long as the process lives): the database, the migration table, the revision;
3. ``POST /api/v1/events`` batches of 50 comments on 200 cases: the ingest path.

Prints a table per phase and the growth per 1,000 calls beside the baseline's. RSS moves by
allocator pages: a process that does not leak levels off, one that leaks grows with the calls.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
CASECLOCK = str(Path(sys.executable).with_name("caseclock"))
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SAMPLES = 10
CASES = 200
BATCH = 50
START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


@contextmanager
def own_schema(base_url: str) -> Iterator[str]:
    """A fresh schema on the server, its URL, and the schema dropped afterwards."""
    schema = f"cc_soak_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def processes(env: dict[str, str], port: int) -> Iterator[tuple[int, int]]:
    """``caseclock serve`` and ``caseclock worker``, started and stopped; their pids."""
    started = [
        subprocess.Popen([CASECLOCK, "serve", "--port", str(port)], env=env, cwd=ROOT),  # noqa: S603 (our own command)
        subprocess.Popen([CASECLOCK, "worker"], env=env, cwd=ROOT),  # noqa: S603 (our own command)
    ]
    try:
        yield started[0].pid, started[1].pid
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=30)


def wait_ready(client: httpx.Client) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if client.get("/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready within 120 s")


def soak(
    name: str, call: Callable[[int], object], calls: int, api: int, worker: int
) -> list[tuple[int, int, int]]:
    """``calls`` calls; (calls made, API RSS, worker RSS) at the start and every tenth."""
    rows = [(0, rss_kb(api), rss_kb(worker))]
    step = max(1, calls // SAMPLES)
    started = time.perf_counter()
    for n in range(1, calls + 1):
        call(n)
        if n % step == 0:
            rows.append((n, rss_kb(api), rss_kb(worker)))
    elapsed = time.perf_counter() - started
    print(f"\n{name}: {calls:,} calls in {elapsed:.0f} s ({calls / elapsed:,.0f}/s)")
    print(f"  {'calls':>7}  {'API RSS MB':>10}  {'worker RSS MB':>13}")
    for made, api_kb, worker_kb in rows:
        print(f"  {made:>7,}  {api_kb / 1024:>10.1f}  {worker_kb / 1024:>13.1f}")
    return rows


def growth(rows: list[tuple[int, int, int]], column: int) -> float:
    """KB per 1,000 calls over the second half of the phase (after warm-up)."""
    middle = rows[len(rows) // 2]
    last = rows[-1]
    return (last[column] - middle[column]) / max(1, last[0] - middle[0]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000, help="calls per phase")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CASECLOCK_TEST_DATABASE_URL", DEFAULT_PG)
    )
    options = parser.parse_args()
    port = free_port()
    with own_schema(options.pg_url) as url:
        env = {**os.environ, "CASECLOCK_DATABASE_URL": url}
        subprocess.run([CASECLOCK, "db", "upgrade"], env=env, check=True, cwd=ROOT)  # noqa: S603 (our own command)
        key = subprocess.run(  # noqa: S603 (our own command)
            [CASECLOCK, "apikey", "create", "--role", "agent"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.strip()
        with (
            processes(env, port) as (api, worker),
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client,
        ):
            wait_ready(client)
            results = {
                "GET /health (baseline)": soak(
                    "GET /health (baseline)",
                    lambda _n: client.get("/health").raise_for_status(),
                    options.calls,
                    api,
                    worker,
                ),
                "GET /ready": soak(
                    "GET /ready",
                    lambda _n: client.get("/ready").raise_for_status(),
                    options.calls,
                    api,
                    worker,
                ),
            }
            headers = {"Authorization": f"Bearer {key}"}
            created = [
                {
                    "id": f"c{n}",
                    "record": f"S-{n}",
                    "type": "created",
                    "at": START.isoformat(),
                    "data": {"status": "New", "priority": "P2"},
                }
                for n in range(CASES)
            ]
            client.post("/api/v1/events", json=created, headers=headers).raise_for_status()
            rng = random.Random(7)

            def post_batch(n: int) -> None:
                at = (START + timedelta(seconds=n)).isoformat()
                batch = [
                    {
                        "id": f"e{n}-{i}",
                        "record": f"S-{rng.randrange(CASES)}",
                        "type": "comment",
                        "at": at,
                        "data": {"public": i % 2 == 0, "author_role": "agent"},
                    }
                    for i in range(BATCH)
                ]
                client.post("/api/v1/events", json=batch, headers=headers).raise_for_status()

            batches = max(1, options.calls // 20)
            results[f"POST /events ({BATCH} each)"] = soak(
                f"POST /events, {BATCH} events each", post_batch, batches, api, worker
            )
    print("\ngrowth over the second half of each phase, KB per 1,000 calls")
    print(f"  {'phase':<26}  {'API':>8}  {'worker':>8}")
    for name, rows in results.items():
        print(f"  {name:<26}  {growth(rows, 1):>8.1f}  {growth(rows, 2):>8.1f}")


if __name__ == "__main__":
    main()
