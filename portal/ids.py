"""Bounds on the whole numbers people send: ids in URLs and hidden fields, filters.

A row id is a 32-bit signed integer on PostgreSQL. A bigger number cannot name a row, and
handed to the database it makes the query fail (a 500) instead of a calm 404 or 400, so every
integer that comes in is bounded here before any query sees it.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map
from wtforms.validators import NumberRange

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: 1 to MAX_ID, else the URL matches nothing (404)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def id_range() -> NumberRange:
    """The validator for a form field that names a row by its id."""
    return NumberRange(min=1, max=MAX_ID)
