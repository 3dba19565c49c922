"""The public figures: released once per quarter, small counts hidden.

`figures(db, period, ...)` is the one entry point. It returns a plain `Figures` value that
the public pages, the open-data files, the board's review packet and the command line all
read, so they can never disagree.

Each quarter is counted once, when first published after it ends, and kept as that release
(`portal.figures.figurereleases`): published figures never move one case at a time, and a correction
is
a new release. Each quarter is suppressed on its own. Twelve months are the sum of their
four quarters and are suppressed together with them (`portal.figures.suppression` with the quarters'
marks fixed), so nothing hidden in a quarter can be worked out from the year or the other
way round. What a quarter counts is in `portal.figures.figuretables`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import statistics
import threading
from collections import Counter
from collections.abc import Iterable, MutableMapping

from sqlalchemy.orm import Session

from portal.figures import figurereleases, periods
from portal.figures import figuretables as ft
from portal.figures.figurecounts import Raw, Story, first_day
from portal.figures.periods import Period, Quarter, four_quarters_to
from portal.figures.suppression import HIDDEN, SHOWN, SMALL, Equation, suppress

TOO_FEW = "too_few"  # a median over fewer complaints than the threshold
# How long a process shows a release before it looks for a newer one (a correction made
# elsewhere) and reads the stories again; from REFRESH_AFTER on it looks in the background.
MAX_AGE = dt.timedelta(hours=1)
REFRESH_AFTER = dt.timedelta(minutes=45)
_OWN = "*"

__all__ = ["HIDDEN", "SHOWN", "SMALL", "TOO_FEW", "Cell", "Figures", "Story", "figures"]


@dataclasses.dataclass(frozen=True)
class Cell:
    value: int | float | None  # None when not shown
    mark: str  # SHOWN, SMALL, HIDDEN or TOO_FEW


@dataclasses.dataclass(frozen=True)
class Table:
    layout: ft.Layout
    cells: dict[tuple[str, str], Cell]

    @property
    def id(self) -> str:
        return self.layout.id

    def cell(self, row: str, column: str) -> Cell:
        return self.cells[(row, column)]


@dataclasses.dataclass(frozen=True)
class Figures:
    period: Period
    threshold: int
    tables: dict[str, Table]
    stories: tuple[Story, ...]
    built_at: dt.datetime  # when released (the earliest of a longer period's quarters)
    releases: tuple[tuple[str, int], ...] = ()  # (quarter, release number) behind it

    @property
    def total(self) -> Cell:
        return self.tables["kind"].cell(ft.ALL, "complaints")

    @property
    def has_equity(self) -> bool:
        return "race_summary" in self.tables


# --- hiding ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Part:
    """A quarter already published, that a longer period adds up."""

    key: str
    raw: Raw
    marks: dict[tuple[str, ...], str]


def _prefixed(prefix: str, equation: Equation) -> Equation:
    return Equation((prefix, *equation.total), tuple((prefix, *key) for key in equation.parts))


def mark_counts(
    scope: ft.Scope, counts: Counter, threshold: int, parts: tuple[Part, ...] = ()
) -> dict[tuple[str, ...], str]:
    """Suppress a period's counts, stage by stage, together with the quarters it adds up."""
    marks: dict[tuple[str, ...], str] = {}
    part_scope = ft.QUARTER_SCOPE
    for index, stage in enumerate(scope.stages):
        values = {(_OWN, *key): counts[key] for key in stage.keys}
        fixed = {(_OWN, *key): marks[key] for key in stage.keys if key in marks}
        equations = [_prefixed(_OWN, equation) for equation in stage.equations]
        if parts:
            part_stage = part_scope.stages[index]
            for part in parts:
                values.update({(part.key, *k): part.raw.counts[k] for k in part_stage.keys})
                fixed.update({(part.key, *k): part.marks[k] for k in part_stage.keys})
                equations += [_prefixed(part.key, e) for e in part_stage.equations]
            equations += [
                Equation((_OWN, *key), tuple((part.key, *key) for part in parts))
                for key in part_stage.keys
            ]
        protected = {(_OWN, *ft.TOTAL), (_OWN, *ft.SURVEYS)}
        result = suppress(values, equations, threshold, fixed, protected)
        marks.update({key[1:]: mark for key, mark in result.items() if key[0] == _OWN})
    return marks


def median(days: Counter | None) -> int | float | None:
    """The median of a histogram of day counts, without expanding it."""
    if not days:
        return None
    size = sum(days.values())
    middle = {(size - 1) // 2, size // 2}
    found, seen = [], 0
    for value in sorted(days):
        count = days[value]
        found += [value for position in middle if seen <= position < seen + count]
        seen += count
    middle_value = statistics.fmean(found)
    return int(middle_value) if middle_value.is_integer() else middle_value


def build(
    period: Period,
    raw: Raw,
    threshold: int,
    now: dt.datetime,
    parts: tuple[Part, ...] = (),
    releases: tuple[tuple[str, int], ...] = (),
) -> tuple[Figures, dict[tuple[str, ...], str]]:
    """Figures for one period from its counts; returns the marks too, for longer periods."""
    scope = ft.QUARTER_SCOPE if period.is_quarter else ft.YEAR_SCOPE
    marks = mark_counts(scope, raw.counts, threshold, parts)
    tables = {}
    for layout in scope.layouts:
        cells = {}
        for place, (kind, key) in layout.sources.items():
            if kind == "median":
                enough = raw.counts[ft.median_count(key)] >= threshold
                value = median(raw.days.get(key)) if enough else None
                cells[place] = Cell(value, SHOWN if value is not None else TOO_FEW)
            else:
                mark = marks[key]
                cells[place] = Cell(raw.counts[key] if mark == SHOWN else None, mark)
        tables[layout.id] = Table(layout, cells)
    figures = Figures(period, threshold, tables, tuple(raw.stories), now, releases)
    return figures, marks


def add_up(raws: Iterable[Raw]) -> Raw:
    total = Raw()
    for raw in raws:
        total.counts.update(raw.counts)
        for key, days in raw.days.items():
            total.days.setdefault(key, Counter()).update(days)
        total.stories.extend(raw.stories)
    total.stories.sort(key=lambda story: story.quarter, reverse=True)
    return total


# --- the cache and the entry point ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Built:
    figures: Figures
    raw: Raw
    marks: dict[tuple[str, ...], str]
    serial: int
    checked_at: dt.datetime  # when this process last looked for a newer release
    parts: tuple[int, ...] = ()  # serials of the quarter entries a longer period was built from


def behind(period: Period) -> set[Quarter]:
    """Every quarter a period's page needs: its own and the series of four shown with it."""
    return set(four_quarters_to(period.quarters[-1])) | set(period.quarters)


def refresh(
    db: Session,
    quarters: Iterable[Quarter],
    threshold: int,
    now: dt.datetime,
    cache: MutableMapping,
) -> dict[Quarter, _Built]:
    """The newest release of these quarters (released now if never before), checked `now`.
    An entry is built again only when its release or its stories changed, so figures already
    shown stay the same object. Kept in the cache unless it holds a later check (a background
    check may finish after a request's); returned either way, for the caller to use."""
    found = figurereleases.published(db, quarters, now)
    entries = {}
    for quarter, release in found.items():
        kept = cache.get((quarter.key, threshold))
        if (
            kept is not None
            and kept.figures.releases == ((quarter.key, release.number),)
            and kept.raw.stories == release.raw.stories
        ):
            entries[quarter] = dataclasses.replace(kept, checked_at=now)
            continue
        period = Period(quarter.key, (quarter,))
        numbers = ((quarter.key, release.number),)
        figures_, marks = build(period, release.raw, threshold, release.released_at, (), numbers)
        entries[quarter] = _Built(figures_, release.raw, marks, _serial(cache), now)
    with cache.setdefault("write_lock", threading.Lock()):
        for quarter, entry in entries.items():
            kept = cache.get((quarter.key, threshold))
            if kept is None or kept.checked_at <= entry.checked_at:
                cache[(quarter.key, threshold)] = entry
    return entries


def due(
    quarters: Iterable[Quarter],
    threshold: int,
    now: dt.datetime,
    cache: MutableMapping,
    after: dt.timedelta = REFRESH_AFTER,
) -> list[Quarter]:
    """The quarters never looked up, or last checked `after` ago or longer. From
    REFRESH_AFTER on they are checked ahead of time (`portal.figures.figurerefresh`) so that no
    reader waits; from MAX_AGE on, before anything is shown."""
    return sorted(q for q in set(quarters) if _older(cache.get((q.key, threshold)), now, after))


def _older(entry: _Built | None, now: dt.datetime, than: dt.timedelta) -> bool:
    return entry is None or now - entry.checked_at >= than


def figures(
    db: Session,
    period: Period,
    threshold: int,
    now: dt.datetime,
    cache: MutableMapping | None = None,
) -> Figures:
    """The published figures for a period, with its last four quarters as a series.

    With a `cache` (a dict kept in `app.extensions`), a release is shown for up to an hour
    before the database is asked for a newer one. A longer period is rebuilt whenever one of
    its quarters is, so the two always agree.
    """
    cache = {} if cache is None else cache
    # Read once: a background check may replace entries in the cache meanwhile.
    entries = {q: cache.get((q.key, threshold)) for q in behind(period)}
    stale = [q for q, entry in entries.items() if _older(entry, now, MAX_AGE)]
    if stale:
        entries.update(refresh(db, stale, threshold, now, cache))
    if period.is_quarter:
        chosen = entries[period.quarters[0]]
    else:
        parts = tuple(entries[q] for q in period.quarters)
        ids = tuple(entry.serial for entry in parts)
        chosen = cache.get((period.key, threshold))
        if chosen is None or chosen.parts != ids:
            raw = add_up(entry.raw for entry in parts)
            linked = tuple(
                Part(q.key, entry.raw, entry.marks)
                for q, entry in zip(period.quarters, parts, strict=True)
            )
            built_at = min(entry.figures.built_at for entry in parts)
            numbers = tuple(n for entry in parts for n in entry.figures.releases)
            figures_, marks = build(period, raw, threshold, built_at, linked, numbers)
            chosen = _Built(figures_, raw, marks, _serial(cache), now, ids)
            cache[(period.key, threshold)] = chosen
    series = four_quarters_to(period.quarters[-1])
    return _with_series(chosen.figures, [(q, entries[q].figures) for q in series])


def _serial(cache: MutableMapping) -> int:
    # itertools.count hands out each number once, even to a background check (see
    # portal.figures.figurerefresh) running beside a request.
    return next(cache.setdefault("serials", itertools.count(1)))


def _with_series(figures_: Figures, series: list[tuple[Quarter, Figures]]) -> Figures:
    layout = ft.Layout(
        "quarters",
        "quarter",
        "measure",
        tuple(q.key for q, _ in series),
        ("complaints",),
        {(q.key, "complaints"): ("count", ft.TOTAL) for q, _ in series},
        chart=True,
    )
    cells = {(q.key, "complaints"): quarter.total for q, quarter in series}
    tables = {"quarters": Table(layout, cells), **figures_.tables}
    return dataclasses.replace(figures_, tables=tables)


CACHE_KEY = "portal.figures"


def first_day_cached(db: Session, now: dt.datetime, cache: MutableMapping) -> dt.date | None:
    """The first day figures are published from, asked at most once an hour: the first
    complaint's, or the earliest release's if its complaints are gone."""
    found = cache.get("first_day")
    if found is None or now - found[0] >= MAX_AGE:
        days = [day for day in (first_day(db), figurereleases.first_released(db)) if day]
        found = cache["first_day"] = (now, min(days, default=None))
    return found[1]


def for_key(
    db: Session, key: str, threshold: int, now: dt.datetime, cache: MutableMapping
) -> Figures:
    """The figures for a period named as in the URLs (2026Q3, last-12-months); raises
    `periods.PeriodNotPublished` for a period with no figures."""
    period = periods.parse(key, first_day_cached(db, now, cache), now.date())
    return figures(db, period, threshold, now, cache)
