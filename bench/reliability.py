"""Reliability benchmarks for the scale-out setup: gunicorn with several workers on SQLite and
on PostgreSQL + Redis, under load and under faults. Not tests; they print their figures.

Run from the repository root (or `make bench-reliability`, `BENCHFLAGS=--quick` for short):

    .venv/bin/python bench/reliability.py            # about 10 minutes
    .venv/bin/python bench/reliability.py --quick    # about 2 minutes, rougher
    .venv/bin/python bench/reliability.py --only crash outage

A. concurrency.py  32 clients x 50 filings at once: all stored, distinct codes, each code
                   opens its own case, 0 server errors. SQLite and PostgreSQL + Redis.
B. crash.py        kill -9 of gunicorn workers mid-filing, 300 times: SQLite intact, nothing
                   half-written, no code that was shown is lost, no form filed twice.
C. outage.py       a private PostgreSQL cluster stopped hard mid-filing: calm page with the
                   person's words; the resend files exactly once when it is back.
D. load.py         submissions and checks per second at production argon2 cost, as a ratio
                   to the machine's argon2 limit (goal >= 0.8). SQLite and PostgreSQL + Redis.

Everything listens on 127.0.0.1, uses a temporary folder, a database of its own
(`portal_bench`, or a private cluster) and a private redis-server, and is stopped at the end
whatever happens. PostgreSQL sections are skipped, with a line saying so, when no server is
there. Exit status: 0 when every section ran (goals met or not), 1 when one could not.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import concurrency
import crash
import load
import outage
import services
from report import Verdict, say

SECTIONS = ("concurrency", "crash", "outage", "load")
DATABASES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Settings:
    clients: int
    filings_each: int
    concurrency_workers: int
    kills: int
    kill_seconds: float
    crash_workers: int
    crash_clients: int
    down_seconds: float
    load_workers: int
    load_clients: int
    load_rounds: int
    load_slice_seconds: float


CPUS = os.cpu_count() or 2
FULL = Settings(32, 50, 4, 300, 300, 4, 8, 10, CPUS, 16, 6, 5)
QUICK = Settings(32, 5, 4, 30, 30, 4, 8, 3, CPUS, 16, 2, 3)


def plan(settings: Settings, only: set[str]) -> list[tuple[str, Callable[[Path], object]]]:
    s = settings
    steps: list[tuple[str, Callable[[Path], object]]] = []
    if "concurrency" in only:
        for database in DATABASES:
            steps.append(
                (
                    f"concurrency, {services.label(database)}",
                    lambda work, db=database: concurrency.bench_concurrency(
                        db, s.clients, s.filings_each, s.concurrency_workers, work
                    ),
                )
            )
    if "crash" in only:
        steps.append(
            (
                "crash safety",
                lambda work: crash.bench_crash(
                    s.kills, s.kill_seconds, s.crash_workers, s.crash_clients, work
                ),
            )
        )
    if "outage" in only:
        steps.append(
            (
                "PostgreSQL outage",
                lambda work: outage.bench_outage(8, 2, s.down_seconds, work),
            )
        )
    if "load" in only:
        steps.append(
            (
                "load",
                lambda work: load.bench_load(
                    list(DATABASES),
                    s.load_workers,
                    s.load_clients,
                    s.load_rounds,
                    s.load_slice_seconds,
                    work,
                ),
            )
        )
    return steps


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="shorter run, rougher figures")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    # `kill` behaves like Ctrl+C, so the `finally` blocks stop every server either way.
    signal.signal(signal.SIGTERM, _interrupted)
    run = "quick" if args.quick else "full"
    say(f"Reliability benchmark ({run} run), Python {platform.python_version()}, {CPUS} CPUs")
    say()
    verdicts: list[Verdict] = []
    with tempfile.TemporaryDirectory(prefix="portal-reliability-") as tmp:
        for name, step in plan(settings, set(args.only)):
            try:
                found = step(Path(tmp))
                verdicts += found if isinstance(found, list) else [found]
            except services.Unavailable as missing:
                say(f"   skipped: {missing}")
                verdicts.append(Verdict(name, met=False, figure=f"skipped ({missing})"))
            except Exception as error:
                traceback.print_exc()
                say(f"   could not measure: {error}")
                verdicts.append(Verdict(name, met=False, figure="not measured (error above)"))
            say()
    say("Summary")
    for verdict in verdicts:
        say(f"   {'met    ' if verdict.met else 'NOT MET'}  {verdict.goal}: {verdict.figure}")
    return 1 if any(v.figure.startswith("not measured") for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
