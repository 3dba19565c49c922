"""Looking up the public figures in the background, so no reader waits.

Each quarter is counted once, as its first release, the first time it is asked for after it
ends (`portal.figures.figurereleases`); after that its figures never change unless an admin makes a
correction, which is a new release. Every server process keeps the releases in memory and
looks for a newer one (and reads the "You said, we did" words again) once an hour, so a
correction is on every page within the hour. So:

- each server process makes the last 12 months ready as it starts (counting the quarters
  never released yet, and saving them for the others), then keeps every published quarter
  looked up, again every 45 minutes (`keep_warm`, started by gunicorn's post_worker_init and
  by `flask serve`);
- a reader who finds figures 45 to 60 minutes since their last look is served them at once
  and hands the look to a thread (`figures_for`);
- a reader who comes while a new process makes its first look waits for it rather than
  counting the same again beside it.

A reader still looks for themselves when figures were last looked up an hour ago: the hour
is a promise, and the background only saves the wait. One background look runs at a time
per app, with its own app context and session. If it fails (say the database is down), the
next reader looks, and a fault there gives the usual "try again" page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, MutableMapping

from babel import dates as babel_dates
from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, db, languages, sitesettings
from portal.figures import figurereleases, periods, transparency
from portal.figures.periods import Period, Quarter

log = logging.getLogger(__name__)

_LOCK = "refresh_lock"
_THREAD = "refresh_thread"
WARMER = "warmer"  # the one keep_warm thread of this app, if started
KEEP_WARM_SECONDS = 45 * 60
# Each keep-warm pass also counts what would be an hour old before the next pass, with
# this much to spare for the count itself.
MARGIN = dt.timedelta(minutes=5)
FIRST_COUNT_WAIT = 10.0  # seconds a reader waits for a new process's first count
LOCK_WAIT = 300.0  # seconds a keep-warm pass waits for another count before skipping
STATEMENT_TIMEOUT = "120s"  # on PostgreSQL: a background count never hangs on a lock
JOIN_TIMEOUT = 30.0


def figures_for(key: str, threshold: int) -> transparency.Figures:
    """In a request: the figures for a period named in a URL, counting in the background
    what will soon be an hour old. Raises `periods.PeriodNotPublished`."""
    cache = current_app.extensions.setdefault(transparency.CACHE_KEY, {})
    first_count_done(cache)
    now = clock.now()
    figures = transparency.for_key(db.session(), key, threshold, now, cache)
    due = transparency.due(transparency.behind(figures.period), threshold, now, cache)
    if due:
        start(current_app._get_current_object(), due, threshold, cache)
    return figures


def start(app: Flask, quarters: list[Quarter], threshold: int, cache: MutableMapping) -> bool:
    """Recount `quarters` in a background thread, unless a count is already running."""

    def count() -> None:
        transparency.refresh(db.session(), quarters, threshold, clock.now(), cache)

    lock: threading.Lock = cache.setdefault(_LOCK, threading.Lock())
    if not lock.acquire(blocking=False):
        return False
    thread = threading.Thread(
        target=_run, args=(app, count, lock), name="figures-refresh", daemon=True
    )
    try:
        thread.start()
    except RuntimeError:  # no thread to be had: a reader counts at the hour instead
        lock.release()
        return False
    cache[_THREAD] = thread
    return True


@dataclasses.dataclass(frozen=True)
class Warmer:
    """The thread `keep_warm` started: `counted` is set after each step of a pass (the year,
    then every quarter), `passed` after each whole pass; `close` stops it."""

    thread: threading.Thread
    counted: threading.Event
    stop: threading.Event
    passed: threading.Event = dataclasses.field(default_factory=threading.Event)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(JOIN_TIMEOUT)


def keep_warm(app: Flask, every: float = KEEP_WARM_SECONDS) -> Warmer:
    """Count the figures now and every `every` seconds for as long as this process lives,
    so no reader waits for a count, even after a quiet hour."""
    cache = app.extensions.setdefault(transparency.CACHE_KEY, {})
    if WARMER in cache:
        return cache[WARMER]
    lock: threading.Lock = cache.setdefault(_LOCK, threading.Lock())
    counted, stop = threading.Event(), threading.Event()
    # Counted again on a pass: whatever would be an hour old before the next one.
    after = max(transparency.MAX_AGE - dt.timedelta(seconds=every) - MARGIN, dt.timedelta(0))

    def ready() -> None:
        """The year's page as a reader would get it: from memory, from the releases in the
        database, or counted now as the first release of a quarter just ended; and its
        templates compiled, which the first reader would otherwise wait for."""
        load_templates(app)
        threshold = sitesettings.current().suppression_threshold
        transparency.for_key(db.session(), periods.LAST_12_MONTHS, threshold, clock.now(), cache)

    def fresh() -> None:
        """Every published quarter looked up again if its last look would be an hour old
        before the next pass, the year rebuilt if one of its releases changed."""
        session, now = db.session(), clock.now()
        threshold = sitesettings.current().suppression_threshold
        first = transparency.first_day_cached(session, now, cache)
        published = periods.published_quarters(first, now.date())
        every_page = set().union(*(transparency.behind(Period(q.key, (q,))) for q in published))
        every_page |= transparency.behind(periods.last_12_months(now.date()))
        due = transparency.due(every_page, threshold, now, cache, after=after)
        if due:
            transparency.refresh(session, due, threshold, now, cache)
        transparency.for_key(session, periods.LAST_12_MONTHS, threshold, now, cache)

    def one_pass() -> None:
        # First what a new process's first reader waits for, then the rest.
        for step in (ready, fresh):
            if not lock.acquire(timeout=LOCK_WAIT):
                log.warning("figures not kept warm: another count has run for %ss", LOCK_WAIT)
                return
            _run(app, step, lock)
            counted.set()
        warmer.passed.set()

    def loop() -> None:
        while not stop.is_set():
            one_pass()
            stop.wait(every)

    thread = threading.Thread(target=loop, name="figures-keep-warm", daemon=True)
    warmer = cache[WARMER] = Warmer(thread, counted, stop)
    try:
        thread.start()
    except RuntimeError:  # no thread to be had: readers count for themselves
        del cache[WARMER]
        log.warning("figures not kept warm: no thread could be started")
    return warmer


def load_templates(app: Flask) -> None:
    """Compile the public figures' templates ahead of their first reader, and load each
    language's date formats: Babel reads them from disk the first time a date is shown, which
    cost the first reader of /figures about 100 ms."""
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.startswith("public/")):
        app.jinja_env.get_template(name)
    for code in languages.NAMES:
        babel_dates.format_date(dt.date(2026, 1, 1), format="long", locale=code)


def first_count_done(cache: MutableMapping, timeout: float = FIRST_COUNT_WAIT) -> None:
    """In a process that has only just started, wait for its first count rather than count
    the same again beside it: two counts at once would each take twice as long."""
    warmer: Warmer | None = cache.get(WARMER)
    if warmer is not None and not warmer.counted.is_set():
        warmer.counted.wait(timeout)


def _run(app: Flask, count: Callable[[], None], lock: threading.Lock) -> None:
    """One count, whatever happens: a thread that died here would stop keeping figures warm."""
    try:
        with app.app_context():
            session = db.session()
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"))
            count()
    except (SQLAlchemyError, periods.PeriodNotPublished, figurereleases.Unreadable) as problem:
        log.warning("figures not counted in the background: %s", type(problem).__name__)
    except Exception:
        log.exception("figures not counted in the background")
    finally:
        lock.release()


def wait(cache: MutableMapping, timeout: float | None = JOIN_TIMEOUT) -> None:
    """Until the count a reader handed on (if any) is over. For tests and the benchmark."""
    thread: threading.Thread | None = cache.get(_THREAD)
    if thread is not None:
        thread.join(timeout)


def stop(cache: MutableMapping) -> None:
    """Stop the keep_warm thread, if any, and wait for counts: before the database goes."""
    warmer: Warmer | None = cache.pop(WARMER, None)
    if warmer is not None:
        warmer.close()
    wait(cache)
