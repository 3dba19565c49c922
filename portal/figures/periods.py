"""The periods public figures are published for: whole calendar quarters, and the last 12
months as the four latest whole quarters.

Only quarters that have ended are published. Figures for a quarter still under way would
change from one day to the next, and the difference between two days would show what came in
on one of them: that is how a person could be singled out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

LAST_12_MONTHS = "last-12-months"
_QUARTER = re.compile(r"^([0-9]{4})Q([1-4])$")


class PeriodNotPublished(LookupError):
    """No figures are published for that period (malformed, not over yet, or before any)."""


@dataclasses.dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text)
        if match is None:
            raise PeriodNotPublished(text)
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The day after the quarter's last day."""
        return self.next().start

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


@dataclasses.dataclass(frozen=True)
class Period:
    key: str
    quarters: tuple[Quarter, ...]

    @property
    def start(self) -> dt.date:
        return self.quarters[0].start

    @property
    def end(self) -> dt.date:
        return self.quarters[-1].end

    @property
    def last_day(self) -> dt.date:
        return self.quarters[-1].last_day

    @property
    def is_quarter(self) -> bool:
        return len(self.quarters) == 1


def latest_quarter(today: dt.date) -> Quarter:
    """The most recent quarter that has ended."""
    return Quarter.of(today).previous()


def four_quarters_to(last: Quarter) -> tuple[Quarter, ...]:
    quarters = [last]
    for _ in range(3):
        quarters.insert(0, quarters[0].previous())
    return tuple(quarters)


def last_12_months(today: dt.date) -> Period:
    return Period(LAST_12_MONTHS, four_quarters_to(latest_quarter(today)))


def published_quarters(first_day: dt.date | None, today: dt.date) -> list[Quarter]:
    """Every quarter with figures, newest first: from the first complaint's quarter to the
    latest that has ended."""
    if first_day is None:
        return []
    quarter, last, found = Quarter.of(first_day), latest_quarter(today), []
    while quarter <= last:
        found.insert(0, quarter)
        quarter = quarter.next()
    return found


def parse(key: str, first_day: dt.date | None, today: dt.date) -> Period:
    """The period a URL names, or PeriodNotPublished."""
    if key == LAST_12_MONTHS:
        return last_12_months(today)
    quarter = Quarter.parse(key)
    if quarter not in published_quarters(first_day, today):
        raise PeriodNotPublished(key)
    return Period(quarter.key, (quarter,))
