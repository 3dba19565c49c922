"""The first page after signing in: the queue for case workers, the form for advocates.
Admins also see, above the queue, every case nobody can open, with why and what would fix it.
"""

from __future__ import annotations

from flask import g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from portal import db
from portal.board.accounts import Role, works_cases
from portal.casework import queue
from review.cases import queue_page
from review.gate import access, bp

Why = queue.Why

# For each reason nobody can open a case: why, and what an admin can do about it.
UNOPENABLE = {
    Why.NO_MEMBER: (
        _l("No active admin or reviewer has been approved to hold the board key."),
        _l("On the Accounts page, approve a member, or enable one."),
    ),
    Why.NO_ADMIN: (
        _l("They are held for the chair, and no active admin has been approved."),
        _l("On the Accounts page, approve or enable an admin."),
    ),
    Why.NO_TRAINED_ADMIN: (
        _l(
            "They are held for the chair and are about sexual misconduct, and no admin is "
            "marked as trained for such cases."
        ),
        _l(
            "On the Accounts page, tick “Trained for sexual misconduct cases” for an admin "
            "who is trained. You can tick it for yourself."
        ),
    ),
    Why.NO_TRAINED: (
        _l(
            "They are about sexual misconduct, and no member who could open them is marked "
            "as trained for such cases."
        ),
        _l(
            "On the Accounts page, tick “Trained for sexual misconduct cases” for an admin "
            "or reviewer who is trained."
        ),
    ),
    Why.STEPPED_AWAY: (
        _l("Everyone who could open them has stepped away or was kept away."),
        _l(
            "Invite someone who can take them (an admin while a case is held for the chair, "
            "trained if it is about sexual misconduct), then approve them."
        ),
    ),
}


@bp.get("/")
@access()
def home() -> ResponseReturnValue:
    if works_cases(g.account):
        if Role(g.account.role) != Role.ADMIN:
            return queue_page()
        found = queue.nobody_can_open(db.session())
        return queue_page(
            unopenable=[(UNOPENABLE[why], number) for why, number in found.items()],
            unopenable_total=sum(found.values()),
        )
    return render_template("review/home.html", account=g.account)
