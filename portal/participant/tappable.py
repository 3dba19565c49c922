"""Phone numbers and web addresses in help resources, made tappable: `tel:` and `https:`
links only. Nothing else becomes a link (no http:, mailto:, javascript:, bare domains), and
every piece of the admin's text is escaped, so it can never add markup of its own.

(bleach's linkifier was the first choice, but it strips a leading "(" from what it finds, so
"(206) 461-3222" could not be linked whole, and it matches addresses over escaped text.)
"""

from __future__ import annotations

import re

from flask import Flask
from markupsafe import Markup, escape

# An https address, without the punctuation that usually ends a sentence after it.
_HTTPS = r"https://[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]]"
# A phone number as people write one in North America: 555-0199, (206) 461-3222,
# 1-800-799-7233, +1 800 799 7233, 2064613222. Years ("2024-2025") and dates are not.
_PHONE = (
    r"(?<![\w/.+-])(?:(?:\+?\d{1,3}[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])?\d{3}[ .-]\d{4}"
    r"|\+?\d{10,15})(?![\w/-])"
)
_FIND = re.compile(f"(?P<https>{_HTTPS})|(?P<phone>{_PHONE})", re.IGNORECASE)
_PHONE_ONLY = re.compile(f"^{_PHONE}$")
# A number a phone can call: a short code (988, 211) or up to 15 digits (E.164).
_SHORT_CODE = re.compile(r"^\d{3,6}$")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 7, 15


def tel_href(text: str) -> str | None:
    """`tel:` and the digits of a phone number, or None if `text` is not one."""
    text = text.strip()
    if _SHORT_CODE.match(text):
        return f"tel:{text}"
    if not _PHONE_ONLY.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return None
    return "tel:" + ("+" if text.startswith("+") else "") + digits


def _link(href: str, text: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, text)


def tappable(text: str | None) -> Markup:
    """`{{ place.what | tappable }}`: the text, escaped, with its phone numbers and https
    addresses as links."""
    if not text:
        return Markup("")
    pieces, at = [], 0
    for found in _FIND.finditer(text):
        pieces.append(escape(text[at : found.start()]))
        words = found.group()
        href = words if found.group("https") else tel_href(words)
        pieces.append(_link(href, words) if href else escape(words))
        at = found.end()
    pieces.append(escape(text[at:]))
    return Markup("").join(pieces)


def tappable_phone(text: str | None) -> Markup:
    """A help resource's phone box: one tappable number, or its words made tappable (for
    "988, or text 741741")."""
    if not text:
        return Markup("")
    href = tel_href(text)
    return _link(href, text) if href else tappable(text)


def init_app(app: Flask) -> None:
    app.add_template_filter(tappable)
    app.add_template_filter(tappable_phone)
