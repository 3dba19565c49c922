"""Cleaning text people type before it is validated or stored.

Control characters (NUL above all, which PostgreSQL refuses) are dropped, line endings made
plain and Unicode normalised, so the same words are stored the same way on every database.
Output is escaped by Jinja; nothing here tries to make text safe for HTML.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return unicodedata.normalize("NFC", value).strip()


def blank_to_none(value: str | None) -> str | None:
    return value or None
