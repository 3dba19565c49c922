"""The person's yes or no to a hand-off (`/case/handoff`): what the board will send for a
referral they agreed to, shown on their case page by templates/participant/_handoff.html."""

from __future__ import annotations

from flask import Response, abort, flash, g
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice
from wtforms.validators import DataRequired, NumberRange
from wtforms.widgets import HiddenInput

from portal import clock, db, ids
from portal.casework import handoff
from portal.participant.casepage import _back, _closed, _current, _render
from portal.participant.filing import bp


class HandoffAnswerForm(FlaskForm):
    # Which hand-off, and which version of it the person read, travel in the form only.
    question = IntegerField(widget=HiddenInput(), validators=[DataRequired(), ids.id_range()])
    version = IntegerField(
        widget=HiddenInput(), validators=[DataRequired(), NumberRange(min=1, max=1_000_000)]
    )
    answer = RadioField(
        _l("Your answer"),
        choices=[
            SelectChoice("yes", _l("Yes, send this")),
            SelectChoice("no", _l("No, do not send this")),
        ],
        validators=[DataRequired(message=_l("Please choose yes or no."))],
    )


@bp.get("/case/handoff/photo/<int:number>")
def handoff_photo(number: int) -> ResponseReturnValue:
    """A small picture of a photo the board chose to send; numbered within this case only,
    so the address names no case and no file."""
    complaint = _current()
    if complaint is None:
        abort(404)
    try:
        data = handoff.preview(db.session(), complaint, number, g.case_key, db.database().sessions)
    except LookupError:
        abort(404)
    return Response(data, mimetype="image/jpeg")


@bp.post("/case/handoff")
def answer_handoff() -> ResponseReturnValue:
    complaint = _current()
    if complaint is None:
        return _closed()
    form = HandoffAnswerForm()
    if not form.validate_on_submit():
        flash(_("Please choose yes or no, then send your answer."))
        return _render(complaint, 400)
    agree = form.answer.data == "yes"
    try:
        handoff.answer(
            db.session(),
            complaint,
            form.question.data,
            form.version.data,
            agree,
            clock.now(),
            g.case_key,
        )
    except handoff.NotAnswerable:
        flash(_("This question is no longer open. Nothing was changed."))
    except handoff.ChangedMeanwhile:
        flash(
            _(
                "The board changed what would be sent while you were reading. Please read "
                "it again and answer."
            )
        )
    else:
        flash(
            _("Thank you. The board can now send it.")
            if agree
            else _("Thank you. It will not be sent.")
        )
    return _back()
