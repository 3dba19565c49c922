"""The review board's area, under /review: `register(app)` adds it to the app.

Who may open which page is decided in `review.gate`; the work done on every signed-in
request is in `review.chores`; each view module holds the pages for one part of the work.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request

from portal.board.accounts import CASE_ROLES, Role
from review import (
    account,
    admin,
    assist,
    auth,
    caselinks,
    cases,
    chores,
    gate,
    handoff,
    home,
    reconsider,
    reports,
)

# Each view module adds its routes to the blueprint when imported (above); listed here so
# that a module nobody imports cannot be forgotten.
VIEW_MODULES = (
    account,
    admin,
    assist,
    auth,
    caselinks,
    cases,
    handoff,
    home,
    reconsider,
    reports,
)


Hook = Callable[[], Response | None]


def register(app: Flask) -> None:
    """Add the review area to the app, with its hooks in the order they must run: who is
    signed in, the chores their keys allow, then whether this page is open to them."""
    app.register_blueprint(gate.bp, url_prefix="/review")
    app.context_processor(_roles)
    for hook in (gate.identify, chores.on_signed_in_request, gate.authorize):
        app.before_request(_in_review(hook))


def _in_review(hook: Hook) -> Hook:
    """The hook, run only for the review area's routes (as a blueprint's own hook would be;
    the blueprint is shared by every app the factory makes, so its hooks are added here)."""

    def run() -> Response | None:
        return hook() if request.blueprint == gate.bp.name else None

    run.__name__ = hook.__name__
    return run


def _roles() -> dict[str, object]:
    """Templates name roles through these, never by typed names. On every page, so the
    board's layout works wherever it is rendered."""
    return {"Role": Role, "case_roles": CASE_ROLES}
