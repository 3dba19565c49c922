"""The review board's area. Sign-in, the queue and case pages arrive in later changes; until
then every route here answers 404, so nothing is reachable by accident."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("review", __name__)


@bp.before_request
def _closed_until_sign_in_exists() -> None:
    abort(404)


@bp.get("/")
def queue() -> str:
    abort(404)
