"""PostgreSQL stops in the middle of filings, then comes back.

A private, throwaway PostgreSQL cluster (never the shared server) runs under the portal in
gunicorn. Clients keep filing; the cluster is stopped hard (`pg_ctl -m immediate`, as in a
crash), kept down a while, and started again. Whoever sends a form meanwhile must get the calm
"we could not save this, your words are below" page with their words and the same form token;
sending that page again once the database is back must file it exactly once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import portalclient
import servers
import services
from concurrency import run_threads
from report import Verdict, say
from sqlalchemy import create_engine, select

from portal.models import Complaint

RESEND_PAUSE_SECONDS = 0.25


@dataclass
class Seen:
    forms: int = 0
    filed: list[str] = field(default_factory=list)  # one code per form that was filed
    calm_pages: int = 0
    forms_with_calm_page: int = 0
    filed_after_calm_page: int = 0
    lost: int = 0
    other: dict[str, int] = field(default_factory=dict)
    unfinished: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(port: int, number: int, seen: Seen, stop: threading.Event, deadline: float) -> None:
    browser = portalclient.Browser(port)
    filing = 0
    while not stop.is_set():
        words = f"Client {number} form {filing}: the officer kept my ID."
        filing += 1
        try:
            browser.open_form(words)
        except portalclient.NoAnswer as problem:
            with seen.lock:
                what = f"GET /file: {problem}"
                seen.other[what] = seen.other.get(what, 0) + 1
            time.sleep(RESEND_PAUSE_SECONDS)
            continue
        calm = 0
        while True:
            outcome = browser.send_form()
            if outcome.kind == portalclient.FILED:
                with seen.lock:
                    seen.forms += 1
                    seen.filed.append(outcome.code)
                    seen.filed_after_calm_page += calm > 0
                break
            with seen.lock:
                if outcome.kind == portalclient.CALM:
                    seen.calm_pages += 1
                    seen.forms_with_calm_page += calm == 0
                    calm += 1
                elif outcome.kind == portalclient.LOST:
                    seen.lost += 1
                else:
                    what = f"POST /file: {outcome.kind} HTTP {outcome.status}"
                    seen.other[what] = seen.other.get(what, 0) + 1
            if time.monotonic() > deadline:
                with seen.lock:
                    seen.forms += 1
                    seen.unfinished += 1
                return
            time.sleep(RESEND_PAUSE_SECONDS)


def bench_outage(clients: int, workers: int, down_seconds: float, workdir: Path) -> Verdict:
    say(
        f"C. Database outage: a private PostgreSQL cluster stopped hard for {down_seconds:.0f} s "
        f"while {clients} clients file; gunicorn {workers} sync workers, argon2 'test'"
    )
    seen = Seen()
    stop = threading.Event()
    with services.private_postgres() as cluster:
        instance = workdir / "outage" / "instance"
        instance.mkdir(parents=True)
        env = services.portal_env(instance, cluster.url, "test")
        code = services.snapshot(workdir)
        services.migrate(env, code)
        log = instance.parent / "gunicorn.log"
        with servers.gunicorn_server("wsgi:app", code, env, log, workers) as server:
            deadline = time.monotonic() + down_seconds + 120
            timeline: dict[str, float] = {}

            def outage() -> None:
                time.sleep(2)
                timeline["filed before"] = len(seen.filed)
                cluster.stop("immediate")
                timeline["down"] = time.monotonic()
                time.sleep(down_seconds)
                cluster.start()
                timeline["up"] = time.monotonic()
                time.sleep(3)
                stop.set()

            conductor = threading.Thread(target=outage, daemon=True)
            conductor.start()
            run_threads(clients, lambda n: client(server.port, n, seen, stop, deadline))
            conductor.join()
            engine = create_engine(cluster.url)
            with engine.connect() as connection:
                stored = list(connection.scalars(select(Complaint.locator)))
            engine.dispose()

    locators = {code[:4] for code in seen.filed}
    missing = len(locators - set(stored))
    down = timeline["up"] - timeline["down"]
    say(f"   filed before the stop: {timeline['filed before']:.0f}; down for {down:.1f} s")
    say(
        f"   calm 'could not save, your words are below' pages: {seen.calm_pages:,} on "
        f"{seen.forms_with_calm_page} forms, each with the words and the same form token"
    )
    say(f"   forms sent again after that page and then filed: {seen.filed_after_calm_page}")
    other = sum(seen.other.values())
    say(f"   requests with no answer: {seen.lost}; other answers (e.g. 500): {other}   [goal: 0]")
    for what, count in sorted(seen.other.items()):
        say(f"      {count} x {what}")
    say(f"   forms: {seen.forms:,}; filed: {len(seen.filed):,}; unfinished: {seen.unfinished}")
    say(f"   complaints stored: {len(stored):,}   [goal: = filed, each once]")
    say(f"   filed codes missing from the database: {missing}   [goal: 0]")
    met = (
        seen.forms_with_calm_page > 0
        and seen.filed_after_calm_page == seen.forms_with_calm_page
        and not seen.other
        and seen.unfinished == 0
        and len(stored) == len(seen.filed) == len(set(seen.filed))
        and missing == 0
    )
    return Verdict(
        "PostgreSQL outage: calm page with the words, the resend files exactly once",
        met,
        f"{seen.calm_pages} calm pages on {seen.forms_with_calm_page} forms, "
        f"{len(stored)} stored for {len(seen.filed)} filed, {other} other",
    )
