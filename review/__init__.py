"""The review board's area, under /review.

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
from portal.board.accounts import CASE_ROLES, Role
from portal.casework import tags
from portal.db import write_transaction
from portal.security import keys

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


@bp.app_context_processor
def _roles() -> dict[str, object]:
    """Templates name roles through these, never by typed names. On every page, so the
    board's layout works wherever it is rendered."""
    return {"Role": Role, "case_roles": CASE_ROLES}


def public(view: F) -> F:
    """A page anyone may open: sign-in and enrollment only."""
    view.review_access = Access(frozenset(), frozenset(), public=True)  # type: ignore[attr-defined]
    return view


def cookie_name() -> str:
    return boardsessions.cookie_name(current_app.extensions["portal.config"].is_production)


def session_cookie() -> str | None:
    return request.cookies.get(cookie_name())


def set_session_cookie(response: Response, session_id: str) -> Response:
    config = current_app.extensions["portal.config"]
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
    config = current_app.extensions["portal.config"]
    response.delete_cookie(
        cookie_name(), path="/", httponly=True, samesite="Strict", secure=config.is_production
    )
    return response


# Where a session at each unfinished stage is sent to finish signing in.
STAGE_HOME = {
    boardsessions.HALF: "review.sign_in_code",
    boardsessions.ENROLL: "review.second_factor",
}


@bp.before_request
def _authorize() -> Response | None:
    view = current_app.view_functions.get(request.endpoint or "")
    rule: Access | None = getattr(view, "review_access", None)
    if rule is None:
        abort(404)
    g.account, g.board_session, g.keyring = None, None, {}
    loaded = boardsessions.load(db.session(), session_cookie(), clock.now())
    if loaded is not None:
        g.board_session, g.account = loaded
        g.keyring = boardsessions.keyring(g.board_session, session_cookie())
        if g.keyring and g.board_session.stage == boardsessions.FULL:
            _grant_waiting_members(g.keyring)
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


def _grant_waiting_members(keyring: keys.Keyring) -> None:
    """Work only a key holder can do, done on their requests: members who enrolled since get
    the board key, and new complaints get their pattern tags."""
    database = db.session()
    # Most requests find nothing to do; only then is a write transaction worth its fsync.
    if keys.members_waiting(database):
        with write_transaction(database):
            keys.grant_waiting(database, keyring, clock.now())
    tags.tag_new_complaints(database, keyring)


# Views register themselves on `bp` when imported.
from review import account, admin, assist, auth, cases, home, reports  # noqa: E402, F401
