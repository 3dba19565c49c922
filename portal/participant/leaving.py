"""Leaving: Leave, the quick exit, an advocate's "Finish and clear" and kiosk mode's idle
timeout. Each only ever ends things: the receipts this session was shown, the open case, the
session, and on a shared device the advocate's sign-in."""

from __future__ import annotations

from flask import Response, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import db, sitesettings
from portal.board import boardsessions
from portal.casework import assist, caseaccess, complaints
from portal.config import current_config
from portal.extensions import csrf
from portal.participant.filing import (
    CASE_SESSION_KEY,
    RECEIPTS_KEPT,
    RECEIPTS_SESSION_KEY,
    bp,
)


def end_receipt() -> None:
    """Make the code of the receipt this form came from impossible to show again."""
    form_token = request.form.get("form_token", "")
    if form_token:
        complaints.end_receipt(db.session(), form_token[:100])


def end_everything() -> None:
    for token_hash in session.get(RECEIPTS_SESSION_KEY, [])[:RECEIPTS_KEPT]:
        complaints.end_receipt_by_hash(db.session(), bytes.fromhex(token_hash), quietly=True)
    caseaccess.close_case(db.session(), session.get(CASE_SESSION_KEY))
    session.clear()


# Leaving and the quick exit only ever end things, so a stale page's button must still work:
# a form that sat open past its CSRF token's life would otherwise trap the person on an error
# page at the worst moment. A forged request can do no more than close the case.
@bp.post("/leave")
@csrf.exempt
def leave() -> ResponseReturnValue:
    end_everything()
    flash(_("You left your complaint. To see it again, enter your claim code."))
    return redirect(url_for("participant.home"), code=303)


@bp.post("/exit")
@csrf.exempt
def quick_exit() -> ResponseReturnValue:
    # On an advocate's device the quick exit signs the advocate out too: whoever grabbed
    # the phone must not land in the review area either.
    end_everything()
    assist.end_advocate_session(db.session())
    return _forget_board_cookie(redirect(sitesettings.current().quick_exit_url, code=303))


@bp.post("/finish")
@csrf.exempt
def finish() -> ResponseReturnValue:
    """An advocate's "Finish and clear": end the receipt just shown, the case, the advocate's
    sign-in and this browser's session, and go back to a blank start page for the next
    person."""
    end_receipt()
    end_everything()
    assist.end_advocate_session(db.session())
    return _forget_board_cookie(redirect(url_for("participant.home"), code=303))


def _forget_board_cookie(response: Response) -> Response:
    config = current_config()
    response.delete_cookie(
        boardsessions.cookie_name(config.is_production),
        path="/",
        secure=config.is_production,
        httponly=True,
        samesite="Strict",
    )
    return response


@bp.get("/idle")
def idle() -> ResponseReturnValue:
    """Kiosk mode's idle timeout: end any open case and show the blank start page. A GET so
    that a page's own refresh can reach it without JavaScript; it only ever ends things."""
    end_everything()
    assist.end_advocate_session(db.session())
    return _forget_board_cookie(redirect(url_for("participant.home"), code=303))
