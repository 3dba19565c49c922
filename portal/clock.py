"""The time, as the app sees it. Tests hand `create_app` a clock they can move."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import current_app

EXTENSION_KEY = "portal.clock"

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """Naive UTC, as stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def now() -> dt.datetime:
    return current_app.extensions[EXTENSION_KEY]()


def hour_floor(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def day_floor(moment: dt.datetime) -> dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def hour_ceiling(moment: dt.datetime) -> dt.datetime:
    floor = hour_floor(moment)
    return floor if floor == moment else floor + dt.timedelta(hours=1)
