"""The blank filing form, rendered once per language and site settings, then reused.

Drawing the form's fields is most of the cost of `GET /file`, and a blank form differs
between requests only in its two tokens. So the page is rendered once with marks where the
tokens go, and each request fills in fresh ones. A page with a message to show (a flash) is
always rendered in full.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from portal import sitesettings
from portal.security import receipts

CACHE_KEY = "portal.blank_forms"
CSRF_MARK = "__portal_csrf_token__"
FORM_MARK = "__portal_form_token__"
# Languages times site-settings versions kept at once.
MAX_PAGES = 8


def page(render: Callable[[str], str]) -> str:
    """The blank form page. `render(form_token)` draws it in full."""
    if session.get("_flashes"):
        return render(receipts.new_token())
    key = (str(get_locale()), sitesettings.current())
    cache: dict = current_app.extensions.setdefault(CACHE_KEY, {})
    template = cache.get(key)
    if template is None:
        # The token the render embeds is this request's own: mark where it went.
        template = render(FORM_MARK).replace(generate_csrf(), CSRF_MARK)
        if len(cache) >= MAX_PAGES:
            cache.clear()
        cache[key] = template
    return template.replace(CSRF_MARK, generate_csrf()).replace(FORM_MARK, receipts.new_token())
