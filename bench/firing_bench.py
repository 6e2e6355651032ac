"""Benchmark: the firing path alone, a burst of timers due at one instant.

Run with ``.venv/bin/python bench/firing_bench.py [--baseline-src DIR]`` against the PostgreSQL
of ``CASECLOCK_BENCH_DATABASE_URL`` (default: the test server). Each repeat gets a fresh schema
and loads through ingestion ``--background`` open cases and ``--due`` cases whose warning
(two signed webhooks, the policy of ``worker_bench``) falls due at one instant; then it fires
them with ``fire_due`` in batches of ``--batch`` records, as the firing loop does, and commits
each batch. Nothing is sent: the figure is the firing path's, without the sender beside it.

It prints, per side and repeat, the timers fired, the wall time and the CPU time of the
process (user + system; PostgreSQL's own CPU is not in it), and the CPU per timer fired, with
the load average. ``--baseline-src DIR`` runs each repeat a second time, alternating, in a
process importing ``caseclock`` from ``DIR`` (the ``src`` of another checkout), so both sides
are measured in the same conditions. A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: tests.pg_schemas

from tests.pg_schemas import throwaway_schema

from caseclock.channels.email import EmailTemplates
from caseclock.core.policy import parse_bundle
from caseclock.services.endpoints import register_endpoint
from caseclock.services.firing import FireOptions, fire_due, targets_for
from caseclock.services.policy import apply_bundle
from caseclock.store.database import make_engine, make_session_factory
from worker_bench import DEFAULT_URL, LEAD, POLICY, SECRET, created, load


def child(due: int, background: int, batch: int) -> None:
    """One repeat, in this process (``caseclock`` imported from ``PYTHONPATH`` when the
    parent set it: the side measured); prints one JSON line."""
    base_url = os.environ.get("CASECLOCK_BENCH_DATABASE_URL", DEFAULT_URL)
    with throwaway_schema(base_url) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        now = datetime.now(UTC)
        with factory() as session:
            apply_bundle(session, parse_bundle(POLICY), now=now)
            for name in ("ops", "other"):
                register_endpoint(
                    session,
                    name=name,
                    kind="webhook",
                    url="http://127.0.0.1:9/hook",
                    secret=SECRET,
                    now=now,
                    allow_private=True,
                )
            session.commit()
        load(factory, [created(f"B-{n:06d}", now) for n in range(background)], now)
        at = now + timedelta(minutes=1)
        load(factory, [created(f"D-{n:06d}", at - LEAD) for n in range(due)], now)
        options = FireOptions(limit=batch)
        fired, wall, cpu = 0, time.perf_counter(), time.process_time()
        while True:
            with factory() as session:
                targets = targets_for(
                    session, console_url="http://x", email_domain=None, templates=EmailTemplates()
                )
                result = fire_due(session, now=at, targets=targets, options=options)
                session.commit()
            fired += len(result.fired)
            if result.claimed < options.limit:
                break
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        engine.dispose()
    print(json.dumps({"fired": fired, "wall": wall, "cpu": cpu, "load": os.getloadavg()[0]}))


def measure(src: str | None, args: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    command = [sys.executable, __file__, "--child", "--due", str(args.due)]
    command += ["--background", str(args.background), "--batch", str(args.batch)]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    found: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--due", type=int, default=1000, help="timers due at one instant")
    parser.add_argument("--background", type=int, default=3600, help="other open cases")
    parser.add_argument("--batch", type=int, default=200, help="records per firing batch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-src", help="also fire with caseclock imported from DIR")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.due, args.background, args.batch)
        return
    sides: list[tuple[str, str | None]] = [("this tree", None)]
    if args.baseline_src:
        sides.insert(0, ("baseline", str(Path(args.baseline_src).resolve())))
    print(f"{args.due:,} timers due at one instant among {args.background:,} open cases")
    print(f"{'':12}{'fired':>8}{'wall (s)':>10}{'CPU (s)':>10}{'CPU/timer (ms)':>16}{'load':>7}")
    per: dict[str, list[float]] = {name: [] for name, _ in sides}
    for _ in range(args.repeats):
        for name, src in sides:
            m = measure(src, args)
            per[name].append(1000 * m["cpu"] / max(m["fired"], 1))
            print(
                f"{name:12}{int(m['fired']):>8,}{m['wall']:>10.2f}{m['cpu']:>10.2f}"
                f"{per[name][-1]:>16.2f}{m['load']:>7.1f}",
                flush=True,
            )
    for name, values in per.items():
        print(f"{name}: median CPU per timer fired {sorted(values)[len(values) // 2]:.2f} ms")


if __name__ == "__main__":
    main()
