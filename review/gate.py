"""Who may open each page of the review board's area, under /review, and the sign-in cookie.

Deny by default: a view answers only if it declares who may use it with `@access(...)` or
`@public`. A route without a declaration answers 404 to everyone, so a new page cannot be
left open by forgetting. The rule is checked here, once, before any view runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for

from portal import clock, db
from portal.board import boardsessions
from portal.board.accounts import Role
from portal.config import current_config

bp = Blueprint("review", __name__)

F = TypeVar("F", bound=Callable[..., object])

ALL_ROLES = frozenset(Role)
FULL_ONLY = frozenset({boardsessions.FULL})


@dataclass(frozen=True)
class Access:
    roles: frozenset[Role]
    stages: frozenset[str]
    public: bool = False
    # What a signed-in account of another role hears: 403, or 404 where even knowing that
    # the page exists says too much (case pages).
    refusal: int = 403


def access(
    *roles: Role, stages: frozenset[str] = FULL_ONLY, refusal: int = 403
) -> Callable[[F], F]:
    """Declare which roles (at which sign-in stage) may use a view."""

    def mark(view: F) -> F:
        view.review_access = Access(frozenset(roles) or ALL_ROLES, stages, refusal=refusal)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """A page anyone may open: sign-in and enrollment only."""
    view.review_access = Access(frozenset(), frozenset(), public=True)  # type: ignore[attr-defined]
    return view


def cookie_name() -> str:
    return boardsessions.cookie_name(current_config().is_production)


def session_cookie() -> str | None:
    return request.cookies.get(cookie_name())


def set_session_cookie(response: Response, session_id: str) -> Response:
    config = current_config()
    response.set_cookie(
        cookie_name(),
        session_id,
        httponly=True,
        samesite="Strict",
        secure=config.is_production,
        path="/",
    )
    return response


def clear_session_cookie(response: Response) -> Response:
    config = current_config()
    response.delete_cookie(
        cookie_name(), path="/", httponly=True, samesite="Strict", secure=config.is_production
    )
    return response


# Where a session at each unfinished stage is sent to finish signing in.
STAGE_HOME = {
    boardsessions.HALF: "review.sign_in_code",
    boardsessions.ENROLL: "review.second_factor",
}


def identify() -> None:
    """First hook: refuse a route nobody classified, then find who is signed in (if anyone)."""
    if _rule() is None:
        abort(404)
    g.account, g.board_session, g.keyring = None, None, {}
    loaded = boardsessions.load(db.session(), session_cookie(), clock.now())
    if loaded is not None:
        g.board_session, g.account = loaded
        g.keyring = boardsessions.keyring(g.board_session, session_cookie())


def authorize() -> Response | None:
    """Last hook: let the request through only if the view's rule admits this sign-in."""
    rule = _rule()
    if rule is None:  # identify() has answered already; refused here too, whatever the order
        abort(404)
    if rule.public:
        return None
    if g.account is None:
        if request.method == "GET":
            return redirect(url_for("review.sign_in"), code=303)
        abort(403)
    if g.board_session.stage not in rule.stages:
        target = STAGE_HOME.get(g.board_session.stage, "review.home")
        return redirect(url_for(target), code=303)
    if Role(g.account.role) not in rule.roles:
        abort(rule.refusal)
    return None


def _rule() -> Access | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "review_access", None)
