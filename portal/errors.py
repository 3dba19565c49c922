"""One table of error pages. Each is a calm, normal page that says what to do next.

The 500 handler rolls the session back, so a failed request never leaves half a write behind.
`PersonFacingError` is the one base class for errors whose message a person may read; a view
catches it (or one of its subclasses), never a bare `ValueError` or `Exception`, so a fault in
the code is a 500 with the calm page and never raw exception text.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError


class PersonFacingError(Exception):
    """The request cannot be done as asked; `message` (marked for translation) says why, in
    words fit for the person who asked. Domain modules raise subclasses with their own names."""

    default_message = _l("That cannot be done now.")

    def __init__(self, message: object = None) -> None:
        self.message = self.default_message if message is None else message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


def _page(status: int, title: str, message: str) -> ResponseReturnValue:
    return render_template("errors/error.html", title=title, message=message), status


def _messages() -> dict[int, tuple[str, str]]:
    return {
        HTTPStatus.BAD_REQUEST: (
            _("Something went wrong"),
            _("We could not read what your browser sent. Please go back and try again."),
        ),
        HTTPStatus.FORBIDDEN: (
            _("This page is not open to you"),
            _("If you think it should be, ask the person who runs this site."),
        ),
        HTTPStatus.NOT_FOUND: (
            _("We could not find that page"),
            _("It may have moved. Please start again from the first page."),
        ),
        HTTPStatus.METHOD_NOT_ALLOWED: (
            _("Something went wrong"),
            _("Please start again from the first page."),
        ),
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE: (
            _("That was too much to send at once"),
            _("Please go back, make your text shorter, and send it again."),
        ),
        HTTPStatus.INTERNAL_SERVER_ERROR: (
            _("Something went wrong on our side"),
            _("It is not your fault. Please try again in a few minutes."),
        ),
        HTTPStatus.SERVICE_UNAVAILABLE: (
            _("We are having trouble right now"),
            _("It is not your fault. Please try again in a few minutes."),
        ),
    }


def _handle_http(error: HTTPException) -> ResponseReturnValue:
    status = error.code or HTTPStatus.INTERNAL_SERVER_ERROR
    title, message = _messages().get(status, _messages()[HTTPStatus.BAD_REQUEST])
    return _page(status, title, message)


def _handle_rate_limit(error: HTTPException) -> ResponseReturnValue:
    # A view that gave its own answer (for example a form with the person's text) keeps it.
    if getattr(error, "response", None) is not None:
        return error.response
    minutes = 15
    current = current_app.extensions[LIMIT_KEY]()
    if current is not None:
        minutes = max(1, math.ceil((current.reset_at - time.time()) / 60))
    message = ngettext(
        "There were many tries in a short time, so we paused checking for a while. "
        "Please try again in %(num)d minute.",
        "There were many tries in a short time, so we paused checking for a while. "
        "Please try again in %(num)d minutes.",
        minutes,
    )
    return _page(HTTPStatus.TOO_MANY_REQUESTS, _("Please wait a little"), message)


def _handle_csrf(_error: CSRFError) -> ResponseReturnValue:
    return render_template("errors/expired.html"), HTTPStatus.BAD_REQUEST


def _rollback_request_session() -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        # A connection that died with the database may fail even to roll back.
        with contextlib.suppress(SQLAlchemyError):
            db_session.rollback()
        db_session.close()


def _handle_unexpected(_error: InternalServerError) -> ResponseReturnValue:
    # Flask has already logged the original exception (path and method, never the client).
    _rollback_request_session()
    title, message = _messages()[HTTPStatus.INTERNAL_SERVER_ERROR]
    return _page(HTTPStatus.INTERNAL_SERVER_ERROR, title, message)


def _handle_database_down(error: OperationalError) -> ResponseReturnValue:
    """The database cannot be reached or written (an outage, a full disk): that is a 503 and
    a calm page, not a 500. Logged by kind only; the engine hides statement parameters."""
    current_app.logger.error("database unavailable: %s", type(error.orig).__name__)
    _rollback_request_session()
    title, message = _messages()[HTTPStatus.SERVICE_UNAVAILABLE]
    body, status = _page(HTTPStatus.SERVICE_UNAVAILABLE, title, message)
    return body, status, {"Retry-After": "60"}


# How the 429 page finds when the person may try again: the factory hands in the rate
# limiter's own answer, so this base module does not reach up into portal/security.
LIMIT_KEY = "portal.current_limit"


def init_app(app: Flask, current_limit: Callable[[], Any]) -> None:
    app.extensions[LIMIT_KEY] = current_limit
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(OperationalError, _handle_database_down)
    app.register_error_handler(HTTPStatus.TOO_MANY_REQUESTS, _handle_rate_limit)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
