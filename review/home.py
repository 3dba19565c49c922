"""The first page after signing in."""

from __future__ import annotations

from flask import g, render_template
from flask.typing import ResponseReturnValue

from review import access as access_rule
from review import bp


@bp.get("/")
@access_rule()
def home() -> ResponseReturnValue:
    return render_template("review/home.html", account=g.account)
