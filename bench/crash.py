"""kill -9 of gunicorn workers while people file, hundreds of times, on SQLite.

Clients keep filing; when a kill cuts their request off they send the same form again, as a
person pressing Send once more would. A killer waits until a worker holds a client's
connection (it is mid-request), sends it SIGKILL, and again, while gunicorn starts new ones.

Afterwards, with the server stopped, the database must show:
- SQLite's `PRAGMA integrity_check` is ok and `PRAGMA foreign_key_check` finds nothing;
- no half-written complaint: each has its first status change and its filing receipt, and
  each receipt (found by the token of a form the clients sent) leads to a stored complaint;
- every code shown on a 200 page is stored and opens (argon2 verify) its complaint;
- no form filed twice: one code per form, however many times it was sent.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import portalclient
import services
from concurrency import run_threads
from report import Verdict, say

from portal.config import ARGON2_PROFILES
from portal.security import claimcodes, receipts
from portal.security.claimcodes import CodeHasher

SENDS_PER_FORM = 40
SERVER_GONE_SECONDS = 20


@dataclass
class Form:
    token: str
    words: str
    codes: set[str] = field(default_factory=set)
    sends: int = 0


@dataclass
class Record:
    forms: list[Form] = field(default_factory=list)
    # Requests that got no answer because their worker was killed: opening the form, sending it.
    cut_off_get: int = 0
    cut_off_post: int = 0
    other: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def _sockets(pid: int) -> set[str]:
    found = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:"):
                    found.add(target)
    except OSError:
        pass
    return found


def busy_workers(master: int) -> list[int]:
    """Workers holding a socket the master does not: a client's connection they accepted,
    so they are in the middle of a request right now (SQLite needs no other socket)."""
    listening = _sockets(master)
    return [pid for pid in workers_of(master) if _sockets(pid) - listening]


def killer(master: int, target: int, deadline: float, stop: threading.Event) -> int:
    """SIGKILL workers caught mid-request, at random points of it, until `target` kills or
    the deadline, or until gunicorn itself is gone (it gives up if workers cannot boot)."""
    kills = 0
    last_worker_seen = time.monotonic()
    while kills < target and time.monotonic() < deadline:
        if workers_of(master):
            last_worker_seen = time.monotonic()
        elif time.monotonic() - last_worker_seen > SERVER_GONE_SECONDS:
            say(f"   gunicorn has had no worker for {SERVER_GONE_SECONDS} s: stopping early")
            break
        busy = busy_workers(master)
        if not busy:
            time.sleep(0.002)
            continue
        # A few milliseconds more or less, so kills land all through a request.
        time.sleep(random.uniform(0, 0.015))
        try:
            os.kill(random.choice(busy), signal.SIGKILL)
            kills += 1
        except ProcessLookupError:
            continue
        # Time for a few filings to go through between kills.
        time.sleep(random.uniform(0.1, 0.5))
    stop.set()
    return kills


def client(port: int, number: int, record: Record, stop: threading.Event) -> None:
    browser = portalclient.Browser(port)
    filing = 0
    while not stop.is_set():
        words = f"Client {number} form {filing}: they searched me without a reason."
        filing += 1
        try:
            browser.open_form(words)
        except portalclient.NoAnswer:
            with record.lock:
                record.cut_off_get += 1
            time.sleep(0.02)
            continue
        form = Form(browser.form["form_token"], words)
        with record.lock:
            record.forms.append(form)
        for _ in range(SENDS_PER_FORM):
            form.sends += 1
            outcome = browser.send_form()
            if outcome.kind == portalclient.FILED:
                form.codes.add(outcome.code)
                break
            with record.lock:
                if outcome.kind == portalclient.LOST:
                    record.cut_off_post += 1
                else:
                    what = f"{outcome.kind} HTTP {outcome.status}"
                    record.other[what] = record.other.get(what, 0) + 1
            time.sleep(0.02)


@dataclass(frozen=True)
class Findings:
    integrity: list[str]
    foreign_key_problems: int
    complaints: int
    without_status: int
    receipts: int
    receipts_without_complaint: int
    receipts_of_unknown_forms: int
    shown_but_missing: int
    forms_with_two_codes: int
    stored_not_shown: int


def inspect(database: Path, pepper: bytes, forms: list[Form]) -> Findings:
    hasher = CodeHasher(pepper, *ARGON2_PROFILES["test"])
    connection = sqlite3.connect(database)
    try:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        fk_problems = len(connection.execute("PRAGMA foreign_key_check").fetchall())
        stored = dict(connection.execute("SELECT locator, secret_hash FROM complaint"))
        without_status = connection.execute(
            "SELECT count(*) FROM complaint c WHERE NOT EXISTS "
            "(SELECT 1 FROM status_change s WHERE s.complaint_id = c.id)"
        ).fetchone()[0]
        sealed = dict(connection.execute("SELECT token_hash, sealed_code FROM filing_receipt"))
    finally:
        connection.close()
    matched = without_complaint = shown_missing = two_codes = not_shown = 0
    for form in forms:
        seal = sealed.get(receipts.token_hash(form.token))
        if seal is not None:
            matched += 1
            code = receipts.unseal(form.token, seal)
            if code is None or code[: claimcodes.LOCATOR_LENGTH] not in stored:
                without_complaint += 1
            not_shown += not form.codes
        two_codes += len(form.codes) > 1
        for code in form.codes:
            secret_hash = stored.get(code[: claimcodes.LOCATOR_LENGTH])
            if secret_hash is None or not hasher.verify(secret_hash, claimcodes.parse(code)):
                shown_missing += 1
    return Findings(
        integrity=integrity,
        foreign_key_problems=fk_problems,
        complaints=len(stored),
        without_status=without_status,
        receipts=len(sealed),
        receipts_without_complaint=without_complaint,
        receipts_of_unknown_forms=len(sealed) - matched,
        shown_but_missing=shown_missing,
        forms_with_two_codes=two_codes,
        stored_not_shown=not_shown,
    )


def bench_crash(kills: int, seconds: float, workers: int, clients: int, workdir: Path) -> Verdict:
    say(
        f"B. Crash safety on SQLite: kill -9 of a gunicorn worker mid-filing, goal {kills} kills "
        f"(at most {seconds:.0f} s); {workers} sync workers, {clients} clients, argon2 'test'"
    )
    record = Record()
    stop = threading.Event()
    with services.serve_portal("sqlite", workdir, "test", workers) as (server, url, env):
        started = time.monotonic()
        done: list[int] = []
        hitman = threading.Thread(
            target=lambda: done.append(killer(server.pid, kills, started + seconds, stop)),
            daemon=True,
        )
        hitman.start()
        run_threads(clients, lambda number: client(server.port, number, record, stop))
        hitman.join()
        elapsed = time.monotonic() - started
    # The server is stopped: the file is read as it was left.
    database = Path(url.removeprefix("sqlite:///"))
    found = inspect(database, env["PORTAL_CLAIM_PEPPER"].encode(), record.forms)
    shown = sum(1 for form in record.forms if form.codes)
    resent = sum(1 for form in record.forms if form.sends > 1)
    say(f"   kills: {done[0]} in {elapsed:.0f} s   [goal: {kills}]")
    say(
        f"   requests cut off by a kill: {record.cut_off_post} POST /file (then sent again: "
        f"{resent} forms), {record.cut_off_get} GET /file"
    )
    say(
        f"   forms: {len(record.forms):,}; codes shown: {shown:,}; complaints: {found.complaints:,}"
    )
    say(f"   PRAGMA integrity_check: {', '.join(found.integrity[:3])}   [goal: ok]")
    say(f"   PRAGMA foreign_key_check: {found.foreign_key_problems} problems   [goal: 0]")
    say(f"   complaints without their first status: {found.without_status}   [goal: 0]")
    say(
        f"   receipts: {found.receipts:,}; without their complaint: "
        f"{found.receipts_without_complaint}; of no form sent: {found.receipts_of_unknown_forms}"
        "   [goal: receipts = complaints, 0, 0]"
    )
    say(f"   codes shown whose complaint is missing: {found.shown_but_missing}   [goal: 0]")
    say(f"   forms filed twice (two codes): {found.forms_with_two_codes}   [goal: 0]")
    say(f"   stored, code never shown (run ended mid-retry): {found.stored_not_shown}")
    for what, count in sorted(record.other.items()):
        say(f"   other answers: {count} x {what}")
    met = (
        found.integrity == ["ok"]
        and found.foreign_key_problems == 0
        and found.without_status == 0
        and found.receipts == found.complaints
        and found.receipts_without_complaint == found.receipts_of_unknown_forms == 0
        and found.shown_but_missing == found.forms_with_two_codes == 0
        and not record.other
    )
    return Verdict(
        f"SQLite survives kill -9 of workers ({kills} goal): intact, nothing half-written or lost",
        met,
        f"{done[0]} kills, integrity {found.integrity[0]}, {found.shown_but_missing} lost codes",
    )
