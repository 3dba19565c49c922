"""Submissions and claim-code checks per second through gunicorn, at production argon2 cost,
on SQLite and on PostgreSQL + Redis, each against the machine's argon2 limit.

Every filing hashes one claim code and every check verifies one, and argon2 is meant to be
the expensive part. So the yardstick is how many argon2 hashes per second this machine does
with the same parameters, in as many processes as gunicorn has workers. These machines are
noisy (other jobs share the CPUs), so the two are measured in alternating slices of equal
length within the same run, and the ratio is taken over the sums. Goal: each rate is at
least 0.8 of the limit; the rest is the web stack and the database.
"""

from __future__ import annotations

import multiprocessing
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path

import portalclient
import services
from concurrency import run_threads
from report import Verdict, say

from portal.config import ARGON2_PROFILES
from portal.security import claimcodes
from portal.security.claimcodes import CodeHasher

RATIO_GOAL = 0.8
Work = Callable[[portalclient.Browser, int], bool]


def _hash_until(start: float, until: float) -> int:
    """Hash claim codes back to back; count those finished between `start` and `until`."""
    hasher = CodeHasher(secrets.token_bytes(32), *ARGON2_PROFILES["default"])
    done = 0
    while time.monotonic() < until:
        hasher.hash(claimcodes.new_code())
        done += start <= time.monotonic() <= until
    return done


def argon2_hashes(pool: Pool, processes: int, seconds: float) -> int:
    """Hashes done in `seconds` by `processes` processes at once, production parameters."""
    start = time.monotonic() + 0.2
    return sum(pool.starmap(_hash_until, [(start, start + seconds)] * processes))


def served(port: int, clients: int, seconds: float, one: Work) -> tuple[int, int]:
    """`one(browser, number)` back to back in `clients` threads; the successes and failures
    that finished within `seconds`."""
    done, failed = [0] * clients, [0] * clients
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        browser = portalclient.Browser(port)
        while time.monotonic() < deadline:
            try:
                ok = one(browser, number)
            except (portalclient.NoAnswer, ValueError):
                ok = False
            if time.monotonic() <= deadline:
                done[number] += ok
                failed[number] += not ok

    run_threads(clients, client)
    return sum(done), sum(failed)


@dataclass
class Figure:
    """Successes, failures and argon2 hashes over the same total time."""

    done: int = 0
    failed: int = 0
    hashes: int = 0
    seconds: float = 0

    @property
    def ratio(self) -> float:
        return self.done / self.hashes


def alternate(pool: Pool, workers: int, rounds: int, slice_seconds: float, serve) -> Figure:
    figure = Figure()
    for _round in range(rounds):
        figure.hashes += argon2_hashes(pool, workers, slice_seconds)
        done, failed = serve(slice_seconds)
        figure.done += done
        figure.failed += failed
        figure.seconds += slice_seconds
    return figure


def measure(
    pool: Pool, database: str, workers: int, clients: int, rounds: int, slice_seconds: float,
    workdir: Path,
) -> tuple[Figure, Figure]:  # fmt: skip
    """Filings, then checks of the codes just filed, each alternating with argon2 alone."""
    codes: list[str] = []
    lock = threading.Lock()

    def file_one(browser: portalclient.Browser, number: int) -> bool:
        browser.open_form(f"Load client {number}: I was stopped for no reason.")
        outcome = browser.send_form()
        if outcome.kind == portalclient.FILED:
            with lock:
                codes.append(outcome.code)
        return outcome.kind == portalclient.FILED

    def check_one(browser: portalclient.Browser, number: int) -> bool:
        code = codes[(number * 7919 + int(time.monotonic() * 1000)) % len(codes)]
        return browser.check(code).status == 303

    with services.serve_portal(database, workdir, "default", workers) as (server, _url, _env):
        port = server.port
        served(port, clients, 2, file_one)  # warm-up: workers loaded, caches filled
        filings = alternate(
            pool, workers, rounds, slice_seconds, lambda s: served(port, clients, s, file_one)
        )
        checks = alternate(
            pool, workers, rounds, slice_seconds, lambda s: served(port, clients, s, check_one)
        )
    return filings, checks


def bench_load(
    databases: list[str], workers: int, clients: int, rounds: int, slice_seconds: float,
    workdir: Path,
) -> list[Verdict]:  # fmt: skip
    profile = ARGON2_PROFILES["default"]
    say(
        f"D. Load at production argon2 cost {profile} (t, m KiB, p): gunicorn {workers} sync "
        f"workers, {clients} clients on 127.0.0.1; {rounds} slices of {slice_seconds:.0f} s "
        f"each, alternating with argon2 alone in {workers} processes"
    )
    verdicts = []
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        argon2_hashes(pool, workers, 0.5)  # the processes are up and warm
        for database in databases:
            name = services.label(database)
            try:
                filings, checks = measure(
                    pool, database, workers, clients, rounds, slice_seconds, workdir
                )
            except services.Unavailable as missing:
                say(f"   {name}: not measured ({missing})")
                continue
            for what, figure in (("submissions", filings), ("claim-code checks", checks)):
                rate, limit = figure.done / figure.seconds, figure.hashes / figure.seconds
                say(
                    f"   {name:<19} {what:<18} {rate:5.1f}/s ({figure.done:,} ok, "
                    f"{figure.failed} failed); argon2 limit {limit:5.1f}/s; "
                    f"ratio {figure.ratio:.2f}   [goal: >= {RATIO_GOAL}]"
                )
                verdicts.append(
                    Verdict(
                        f"{name} {what} per second / argon2 limit >= {RATIO_GOAL}",
                        figure.ratio >= RATIO_GOAL and figure.failed == 0,
                        f"{rate:.1f}/s vs {limit:.1f}/s = {figure.ratio:.2f}"
                        + (f", {figure.failed} failed" if figure.failed else ""),
                    )
                )
    return verdicts
