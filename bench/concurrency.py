"""Many people filing at once, through gunicorn with several workers, on SQLite and on
PostgreSQL + Redis: every complaint stored once, every claim code distinct, every code
opening its own case (the page shows the words filed with it), and no server error.

Each client is a browser of its own (`portalclient.Browser`): GET /file for the session
cookie and the two tokens, then POST /file. The codes are checked afterwards through the real
check page by the same number of clients. Argon2 runs at its cheap "test" cost here: this is
about correctness under concurrency; `load.py` measures speed at production cost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import portalclient
import services
from report import Verdict, say
from sqlalchemy import create_engine, func, select

from portal.models import Complaint


@dataclass
class Tally:
    """What the clients saw, gathered from all threads under one lock."""

    codes: dict[str, str] = field(default_factory=dict)  # code -> the words filed with it
    duplicates: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # "HTTP 500", "lost", ...
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def run_threads(count: int, work: Callable[[int], None]) -> float:
    """Run `work(number)` in `count` threads at once; the seconds until all are done."""
    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def file_many(port: int, clients: int, each: int, deadline: float) -> tuple[Tally, float]:
    tally = Tally()

    def client(number: int) -> None:
        browser = portalclient.Browser(port)
        for filing in range(each):
            if time.monotonic() > deadline:
                tally.error("not sent before the deadline")
                continue
            words = f"Client {number} complaint {filing}: the officer took my phone."
            try:
                browser.open_form(words)
            except portalclient.NoAnswer as problem:
                tally.error(f"GET /file: {problem}")
                continue
            outcome = browser.send_form()
            if outcome.kind != portalclient.FILED:
                tally.error(f"POST /file: {outcome.kind} HTTP {outcome.status}")
                continue
            with tally.lock:
                if outcome.code in tally.codes:
                    tally.duplicates += 1
                tally.codes[outcome.code] = words

    return tally, run_threads(clients, client)


def check_all(port: int, clients: int, codes: dict[str, str], deadline: float) -> tuple[int, int]:
    """How many codes open the case with their own words, and how many requests failed."""
    items = sorted(codes.items())
    opened = [0] * clients
    failed = [0] * clients

    def client(number: int) -> None:
        browser = portalclient.Browser(port)
        for code, words in items[number::clients]:
            if time.monotonic() > deadline:
                failed[number] += 1
                continue
            try:
                opened[number] += browser.opens_case_with(code, words)
            except (portalclient.NoAnswer, ValueError):
                failed[number] += 1

    run_threads(clients, client)
    return sum(opened), sum(failed)


def stored(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            total = connection.scalar(select(func.count()).select_from(Complaint))
            locators = connection.scalar(select(func.count(func.distinct(Complaint.locator))))
    finally:
        engine.dispose()
    return total, locators


def bench_concurrency(
    database: str, clients: int, each: int, workers: int, workdir: Path
) -> Verdict:
    name = services.label(database)
    expected = clients * each
    say(
        f"A. Concurrency on {name}: {clients} clients x {each} filings, gunicorn "
        f"{workers} sync workers, argon2 'test' profile (cheap: correctness, not speed)"
    )
    with services.serve_portal(database, workdir, "test", workers) as (server, url, _env):
        deadline = time.monotonic() + 600
        tally, seconds = file_many(server.port, clients, each, deadline)
        say(
            f"   filed {len(tally.codes):,} in {seconds:.1f} s "
            f"({len(tally.codes) / seconds:.0f}/s incl. GET /file)"
        )
        opened, check_failures = check_all(server.port, clients, tally.codes, deadline + 600)
        total, locators = stored(url)
    errors = tally.error_count + check_failures
    say(f"   complaints stored:                  {total:,}   [goal: {expected:,}]")
    say(f"   distinct claim codes shown:         {len(tally.codes):,}   [goal: {expected:,}]")
    say(f"   distinct locators stored:           {locators:,}")
    say(f"   codes that open their own case:     {opened:,}   [goal: {expected:,}]")
    say(f"   server errors / lost requests:      {errors}   [goal: 0]")
    for what, count in sorted(tally.errors.items()):
        say(f"      {count} x {what}")
    met = (
        total == locators == len(tally.codes) == opened == expected
        and tally.duplicates == 0
        and errors == 0
    )
    return Verdict(
        f"{name}: {expected:,} concurrent filings stored, distinct, opening, 0 errors",
        met,
        f"{total:,} stored, {len(tally.codes):,} codes, {opened:,} open, {errors} errors",
    )
