"""Counting the public figures again in the background, before they are an hour old.

Counting 100,000 complaints takes most of a second on SQLite. Figures may be up to an hour
old, so from 45 minutes on, the request that notices hands the count to a thread and is
served the figures it has. The next reader gets the new ones. Each server process also counts
every published quarter as it starts and every 45 minutes after (`keep_warm`), so even after
a quiet hour the figures are ready. A reader waits for a count only in the second or so after
a server process starts, before its first count is done.

One refresh runs at a time per app; it has its own app context and database session. If it
fails (say the database is down), nothing is lost: at the hour the figures are counted in the
request as before, and a fault there gives the usual "try again" page.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, MutableMapping

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, db, periods, sitesettings, transparency
from portal.periods import Period, Quarter

log = logging.getLogger(__name__)

_LOCK = "refresh_lock"
_THREAD = "refresh_thread"
WARMER = "warmer"  # the one keep_warm thread of this app, if started
KEEP_WARM_SECONDS = 45 * 60
FIRST_COUNT_WAIT = 10.0  # seconds; a reader then counts for themselves


def start(app: Flask, quarters: list[Quarter], threshold: int, cache: MutableMapping) -> bool:
    """Recount `quarters` in a background thread, unless a count is already running."""

    def count() -> None:
        transparency.recount(db.session(), quarters, threshold, clock.now(), cache)

    return _in_background(app, cache, count)


@dataclasses.dataclass(frozen=True)
class Warmer:
    """The thread `keep_warm` started: `counted` is set after each count; `close` stops it."""

    thread: threading.Thread
    counted: threading.Event
    stop: threading.Event

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def keep_warm(app: Flask, every: float = KEEP_WARM_SECONDS) -> Warmer:
    """Count every published quarter now and again every 45 minutes, for as long as this
    server process lives, so no reader of the figures waits, even after a quiet hour.
    gunicorn calls this in each new worker (deploy/gunicorn.conf.py); so does `flask serve`."""
    cache = app.extensions.setdefault(transparency.CACHE_KEY, {})
    if WARMER in cache:
        return cache[WARMER]
    lock: threading.Lock = cache.setdefault(_LOCK, threading.Lock())
    counted, stop = threading.Event(), threading.Event()

    def count() -> None:
        session, now = db.session(), clock.now()
        threshold = sitesettings.current().suppression_threshold
        published = periods.published_quarters(
            transparency.first_day_cached(session, now, cache), now.date()
        )
        every_page = set().union(*(transparency.behind(Period(q.key, (q,))) for q in published))
        quarters = transparency.due(every_page, threshold, now, cache)
        if quarters:
            transparency.recount(session, quarters, threshold, now, cache)
        transparency.for_key(session, periods.LAST_12_MONTHS, threshold, now, cache)

    def loop() -> None:
        while not stop.is_set():
            lock.acquire()  # waits for a count a request handed on, if one is running
            _run(app, count, lock)
            counted.set()
            stop.wait(every)

    thread = threading.Thread(target=loop, name="figures-keep-warm", daemon=True)
    warmer = cache[WARMER] = Warmer(thread, counted, stop)
    thread.start()
    return warmer


def first_count_done(cache: MutableMapping, timeout: float = FIRST_COUNT_WAIT) -> None:
    """In a process that has only just started, wait for its first count rather than count
    the same again beside it: two counts at once would each take twice as long."""
    warmer: Warmer | None = cache.get(WARMER)
    if warmer is not None and not warmer.counted.is_set():
        warmer.counted.wait(timeout)


def _in_background(app: Flask, cache: MutableMapping, count: Callable[[], None]) -> bool:
    lock: threading.Lock = cache.setdefault(_LOCK, threading.Lock())
    if not lock.acquire(blocking=False):
        return False
    thread = threading.Thread(
        target=_run, args=(app, count, lock), name="figures-refresh", daemon=True
    )
    cache[_THREAD] = thread
    try:
        thread.start()
    except RuntimeError:  # no thread to be had: the count happens in a request at the hour
        lock.release()
        return False
    return True


def _run(app: Flask, count: Callable[[], None], lock: threading.Lock) -> None:
    """One count, whatever happens: a thread that died here would stop keeping figures warm."""
    try:
        with app.app_context():
            count()
    except (SQLAlchemyError, periods.PeriodNotPublished):
        log.warning("figures not counted in the background; a request will count them")
    except Exception:
        log.exception("figures not counted in the background; a request will count them")
    finally:
        lock.release()


def wait(cache: MutableMapping, timeout: float | None = None) -> None:
    """Until the count a request handed on (if any) is over. For tests and the benchmark."""
    thread: threading.Thread | None = cache.get(_THREAD)
    if thread is not None:
        thread.join(timeout)


def stop(cache: MutableMapping) -> None:
    """Stop the keep_warm thread, if any, and every count: before the database goes away."""
    warmer: Warmer | None = cache.pop(WARMER, None)
    if warmer is not None:
        warmer.close()
    wait(cache)
