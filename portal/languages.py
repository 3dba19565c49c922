"""English and Spanish: the language switch on every page, and the words of a site's default
settings.

The choice is kept in the session under "lang" (`portal._select_locale` reads it); without
one, the browser's Accept-Language decides. The switch is a button, so it works without
JavaScript. On a page with a form (filing, checking a code) the button belongs to that form,
and the view draws the same form again, with what the person typed, in the new language,
without checking or saving it. Elsewhere it posts to `/language`, which goes back to the page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext, refresh
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.choices import BOARD_WORDS, DEFAULT_LANGUAGE, LANGUAGE_NAMES
from portal.extensions import csrf
from portal.site import DEFAULT_WORDS

SESSION_KEY = "lang"
FIELD = "lang"
# Each language named in itself: that is how a person looks for their own.
NAMES = LANGUAGE_NAMES


def current() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def others() -> list[tuple[str, str]]:
    """The languages to offer on this page: every one but the page's own."""
    here = current()
    return [(code, name) for code, name in NAMES.items() if code != here]


def choose(code: str | None) -> bool:
    """Keep `code` as this browser's language from now on, this request included. Returns
    False (and changes nothing) for anything but a language we have."""
    if code not in NAMES:
        return False
    session[SESSION_KEY] = code
    refresh()
    return True


def switch_requested() -> bool:
    """The posted form came from a language button: switch, and tell the view to draw the
    form again instead of checking it."""
    return request.method == "POST" and choose(request.form.get(FIELD))


def site_words(text: str) -> str:
    """A site setting in the person's language: the admin's own words for this language
    when they gave some (the settings' `words`), our translation when it is one of our
    defaults (marked with `site.N_`), and otherwise what the admin wrote, as written."""
    from portal import sitesettings  # the settings read the database; import when used

    own = sitesettings.current().words_in(current()).get(text)
    if own:
        return own
    return gettext(text) if text in DEFAULT_WORDS else text


def board_word(value: str | None, kind: str) -> str:
    """`{{ account.role | board_word("role") }}`: a stored value in the reader's words."""
    if value is None:
        return ""
    return str(BOARD_WORDS[kind].get(value, value))


def _back_to(target: str | None) -> str:
    """Where to go after switching: the page the button was on, if it is a page of this site
    that answers a GET; otherwise the start page of its area."""
    parts = urlsplit(target or "")
    home = (
        url_for("review.home") if parts.path.startswith("/review") else url_for("participant.home")
    )
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return home
    if parts.path.startswith(("//", "/\\")):
        return home
    try:
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except RequestRedirect:
        return home
    except HTTPException:
        return home
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Changing the language is all this does, so a page that sat open past its CSRF token's life
# must still be able to do it.
@csrf.exempt
def language() -> ResponseReturnValue:
    """`POST /language`: every audience's pages use it, so it belongs to no blueprint."""
    choose(request.form.get(FIELD))
    return redirect(_back_to(request.form.get("next")), code=303)


def init_app(app: Flask) -> None:
    app.add_url_rule("/language", "language", language, methods=["POST"])
    app.add_template_filter(site_words)
    app.add_template_global(others, "other_languages")
    app.add_template_filter(board_word)
