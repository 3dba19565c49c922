"""Pages for the public and for operators: the figures page and the health check."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import db

bp = Blueprint("public", __name__)


@bp.get("/figures")
def figures() -> str:
    return render_template("public/figures.html")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """For operators and load balancers: is the database answering? Holds no data."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "database unavailable"}, HTTPStatus.SERVICE_UNAVAILABLE
    return {"status": "ok"}
