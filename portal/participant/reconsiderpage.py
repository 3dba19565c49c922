"""Asking again and asking for mediation, from the person's case page (`/case`).

The case page shows `templates/participant/_reconsider.html`; what it needs comes from the
context function `asking_again()` below, so the case page's own view does not change. A
request that no longer applies (asked before, the days have passed, a withdrawn case) is
answered kindly and changes nothing; the session only ever opens the person's own case.
"""

from __future__ import annotations

from flask import flash, g, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from portal import clock, db, sitesettings
from portal.casework import notify, reconsideration
from portal.casework.complaints import CodeInText
from portal.participant import casepage
from portal.participant.filing import bp
from portal.participant.forms import TEXT, _too_long
from portal.security import sealing

# What the person reads when a request no longer applies. Never blames them.
REFUSED = {
    reconsideration.ASKED: _l("You already asked once. The board will answer on this page."),
    reconsideration.LATE: _l(
        "The time to ask the board to look again has passed. You can still write to the board."
    ),
    reconsideration.WITHDRAWN: _l("This complaint was stopped, so nothing more can be asked."),
    reconsideration.NOT_DECIDED: _l("There is no decision to look at again yet."),
    reconsideration.NOT_OFFERED: _l("Mediation is not offered here right now."),
    reconsideration.EMPTY: _l("Please write why first."),
}


class ReconsiderForm(FlaskForm):
    reason = TextAreaField(
        _l("Why should the board look again?"),
        description=_l(
            "For example: something the board missed, or something new. Only the board reads it."
        ),
        filters=TEXT,
        validators=[
            DataRequired(message=_l("Please write why first.")),
            _too_long(reconsideration.REASON_MAX),
        ],
    )


class MediationForm(FlaskForm):
    """Only the button: the CSRF token is the form."""


@bp.app_context_processor
def _asking_again_context() -> dict[str, object]:
    return {"asking_again": _asking_again}


def _asking_again() -> dict[str, object]:
    """What the case page's include shows: computed only when it is drawn."""
    complaint = casepage._current()
    site = sitesettings.current()
    standing = reconsideration.standing(
        complaint, site.reconsider_days, site.mediation_offered, clock.now().date()
    )
    return {
        "standing": standing,
        "reason": sealing.read_or_blank(complaint, g.case_key).reconsider_reason,
        "form": g.get("reconsider_form") or ReconsiderForm(),
        "mediation_form": MediationForm(),
    }


@bp.post("/case/ask-again")
def ask_again() -> ResponseReturnValue:
    complaint = casepage._current()
    if complaint is None:
        return casepage._closed(request.form.get("reason"))
    form = ReconsiderForm()
    if form.validate_on_submit():
        site = sitesettings.current()
        try:
            reconsideration.ask(
                db.session(),
                complaint,
                form.reason.data,
                clock.now(),
                g.case_key,
                site.reconsider_days,
            )
        except CodeInText:
            form.reason.errors.append(str(casepage.CODE_IN_REPLY))
        except reconsideration.CannotAsk as refused:
            flash(str(REFUSED[refused.why]))
            return casepage._back()
        else:
            notify.tell_board(db.session(), notify.REPLY, complaint.id)
            flash(_("Thank you. The board will look again and write to you here."))
            return casepage._back()
    g.reconsider_form = form
    return casepage._render(complaint, 400)


@bp.post("/case/mediation")
def ask_mediation() -> ResponseReturnValue:
    complaint = casepage._current()
    if complaint is None:
        return casepage._closed()
    if not MediationForm().validate_on_submit():
        return casepage._render(complaint, 400)
    try:
        reconsideration.ask_mediation(
            db.session(), complaint, clock.now(), sitesettings.current().mediation_offered
        )
    except reconsideration.CannotAsk as refused:
        flash(str(REFUSED[refused.why]))
    else:
        notify.tell_board(db.session(), notify.REPLY, complaint.id)
        flash(_("Thank you. The board will tell you here if mediation can be set up."))
    return casepage._back()
