"""Benchmark of the filing spine: how fast, how steady and how light it is. Not a test.

Run from the repository root:

    .venv/bin/python bench/filing.py           # about half a minute
    .venv/bin/python bench/filing.py --quick   # shorter, rougher figures

It prints three figures, each beside the goal it is measured against:

1. Throughput of `GET /file` (the complaint form) under `gunicorn wsgi:app` with 2 sync
   workers, and of a bare Flask app rendering a form of about the same size (`bare_app.py`)
   under the same gunicorn, measured in the same run. These machines are noisy, so the goal
   is a ratio: portal / bare >= 0.5. Both run on a fresh, migrated instance folder in a
   temporary directory, listen on 127.0.0.1 only, and are stopped at the end whatever happens.
   The load generator is Python threads on the same machine, so it shares the CPU with the
   servers; the ratio is the figure to read, not the absolute rates. On a machine with few
   CPUs that sharing flatters the slower server, so the per-request cost of both apps in
   process (no server, no client) is printed beside it for reference.

2. The time to check a claim code (`complaints.find_by_code`) at production argon2 cost,
   with 1 complaint stored and with 10,000 (goal: medians within 10% of each other, since a
   check is one indexed lookup and one verify). See `code_checks.py`.

3. The bytes a phone downloads for each participant page, HTML plus every static file it
   references, nothing cached (goal: at most 30 KiB per page). See `page_weight.py`.

The files: `filing.py` (this: figure 1 and the summary), `bare_app.py` (the yardstick app),
`servers.py` (gunicorn start/stop and the load generator), `code_checks.py`, `page_weight.py`,
`report.py` (the Verdict each section returns). `make bench BENCHFLAGS=--quick` works too.

It exits 0 when every figure was measured, goals met or not (a benchmark reports, it does not
gate), and 1 when a section could not run.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import bare_app
import code_checks
import page_weight
import servers
from flask import Flask
from report import Verdict, say

from portal import create_app
from portal.config import Config

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

RATIO_GOAL = 0.5


@dataclass(frozen=True)
class Settings:
    load_seconds: float  # per server, split over `load_rounds` alternating slices
    load_rounds: int
    warmup_seconds: float
    client_threads: int
    in_process_requests: int
    stored_complaints: int
    check_rounds: int


FULL = Settings(
    load_seconds=5,
    load_rounds=5,
    warmup_seconds=1,
    client_threads=4,
    in_process_requests=300,
    stored_complaints=10_000,
    check_rounds=20,
)
QUICK = Settings(
    load_seconds=2,
    load_rounds=2,
    warmup_seconds=0.5,
    client_threads=4,
    in_process_requests=100,
    stored_complaints=2_000,
    check_rounds=5,
)


# --- 1. requests per second -----------------------------------------------------------------


def bench_throughput(settings: Settings, workdir: Path) -> Verdict:
    """Requests per second for GET /file: the portal under gunicorn against the bare app."""
    say("1. GET /file under gunicorn, 2 sync workers, 127.0.0.1")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(PORTAL_ENV="development", PORTAL_INSTANCE_PATH=str(workdir / "instance"))
    # The board key first: until it exists the form says the site is not open yet (503).
    for command in ("db-upgrade", "init-board-key"):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask --app wsgi {command} failed:\n{done.stderr[-2000:]}")

    loads = load_both(settings, env, workdir)
    for name, load in loads.items():
        say(
            f"   {name:<7} {load.per_second:8.1f} requests/s ({load.ok:,} ok, "
            f"{load.failed:,} failed in {load.seconds:.1f} s; "
            f"{settings.client_threads}-thread client busy {load.client_busy:.0%} of a CPU)"
        )
    ratio = loads["portal"].per_second / loads["bare"].per_second
    say(f"   ratio portal/bare: {ratio:.2f}   [goal: >= {RATIO_GOAL}]")

    # The same two pages with no server and no client in the way: the server-side cost alone.
    portal_app = create_app(Config.from_env(env))
    portal_ms = in_process_ms(portal_app, settings.in_process_requests)
    portal_app.extensions["portal.db"].engine.dispose()
    bare_ms = in_process_ms(bare_app.create_app(), settings.in_process_requests)
    say(f"   in process, no server: portal {portal_ms:.2f} ms, bare {bare_ms:.2f} ms per GET /file")
    say(f"   (Flask test client): portal/bare speed {bare_ms / portal_ms:.2f}, no load generator")
    failed = loads["portal"].failed
    return Verdict(
        f"GET /file throughput, portal/bare >= {RATIO_GOAL}",
        ratio >= RATIO_GOAL and failed == 0,
        f"{ratio:.2f}" + (f", {failed} failed requests" if failed else ""),
    )


def load_both(settings: Settings, env: dict[str, str], workdir: Path) -> dict[str, servers.Load]:
    """Serve the portal and the bare app side by side and load each in turn."""
    with (
        servers.gunicorn("wsgi:app", ROOT, env, workdir / "portal.log") as portal_port,
        servers.gunicorn("bare_app:create_app()", BENCH, env, workdir / "bare.log") as bare_port,
    ):
        targets = {"portal": portal_port, "bare": bare_port}
        for name, port in targets.items():
            status, body = servers.get(port, "/file")
            say(f"   {name:<7} GET /file: HTTP {status}, {len(body):,} bytes of HTML")
            servers.hammer(port, "/file", settings.warmup_seconds, settings.client_threads)
        slices: dict[str, list[servers.Load]] = {name: [] for name in targets}
        # Alternate short slices, so a noisy moment on the machine is shared by both.
        slice_seconds = settings.load_seconds / settings.load_rounds
        for _round in range(settings.load_rounds):
            for name, port in targets.items():
                slices[name].append(
                    servers.hammer(port, "/file", slice_seconds, settings.client_threads)
                )
    return {name: servers.combine(loads) for name, loads in slices.items()}


def in_process_ms(app: Flask, requests: int) -> float:
    """Milliseconds per GET /file through the Flask test client, each as a fresh visitor."""
    client = app.test_client(use_cookies=False)
    for _ in range(10):
        client.get("/file")
    started = time.perf_counter()
    for _ in range(requests):
        client.get("/file")
    return (time.perf_counter() - started) / requests * 1000


# --- main -----------------------------------------------------------------------------------


def _interrupted(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="shorter run, rougher figures")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    # Make `kill` behave like Ctrl+C, so the `finally` blocks stop the servers either way.
    signal.signal(signal.SIGTERM, _interrupted)
    run = "quick" if args.quick else "full"
    say(f"Filing benchmark ({run} run), Python {platform.python_version()}, {os.cpu_count()} CPUs")
    say()
    sections = [
        ("GET /file throughput", lambda workdir: bench_throughput(settings, workdir)),
        (
            "claim-code check",
            lambda workdir: code_checks.bench_code_checks(
                settings.stored_complaints, settings.check_rounds, workdir
            ),
        ),
        ("participant page weight", page_weight.bench_page_weight),
    ]
    verdicts: list[Verdict] = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        for name, section in sections:
            # One broken section (say, a migration that fails mid-change) should not hide
            # the figures of the others.
            try:
                verdicts.append(section(Path(tmp)))
            except Exception as error:
                traceback.print_exc()
                say(f"   could not measure: {error}")
                verdicts.append(Verdict(name, met=False, figure="not measured (error above)"))
            say()
    say("Summary")
    for verdict in verdicts:
        say(f"   {'met    ' if verdict.met else 'NOT MET'}  {verdict.goal}: {verdict.figure}")
    # Missed goals are figures, not failures; only a section that could not run is one.
    return 1 if any(v.figure.startswith("not measured") for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
