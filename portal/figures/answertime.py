"""How long the board usually takes to answer, for the receipt's "come back" hint.

From the published figures when they have it: the median days to the board's first answer
over the last 12 months, as the public page shows it (hidden there when too few cases
answered, and then not used here either). Only figures already in this process's memory are
read, so showing a receipt never waits for a count; until there are some, the site's
setting (`Site.typical_answer_days`) is used.
"""

from __future__ import annotations

import math

from flask import current_app

from portal import sitesettings
from portal.figures import periods, transparency
from portal.figures.suppression import SHOWN


def from_figures(cache: dict, threshold: int) -> int | None:
    """The published median days to a first answer, rounded up (at least 1), or None."""
    built = cache.get((periods.LAST_12_MONTHS, threshold))
    if built is None:
        return None
    table = built.figures.tables.get("timeliness")
    if table is None:
        return None
    cell = table.cell("first_response", "median_days")
    if cell.mark != SHOWN or cell.value is None:
        return None
    return max(1, math.ceil(cell.value))


def typical_days() -> int:
    site = sitesettings.current()
    cache = current_app.extensions.get(transparency.CACHE_KEY, {})
    return from_figures(cache, site.suppression_threshold) or site.typical_answer_days
