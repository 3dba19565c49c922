"""The first page after signing in: the queue for case workers, the form for advocates."""

from __future__ import annotations

from flask import g, render_template
from flask.typing import ResponseReturnValue

from portal.accounts import Role
from portal.cases import CASE_ROLES
from review import access, bp
from review.cases import queue_page


@bp.get("/")
@access()
def home() -> ResponseReturnValue:
    if Role(g.account.role) in CASE_ROLES:
        return queue_page()
    return render_template("review/home.html", account=g.account)
