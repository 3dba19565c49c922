"""The advocate's "help someone file": the consent step read aloud before the form."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from portal.board.accounts import Role
from portal.casework import assist as assisting
from review.forms import ConsentForm
from review.gate import access, bp


@bp.route("/assist", methods=["GET", "POST"])
@access(Role.ADVOCATE)
def assist() -> ResponseReturnValue:
    form = ConsentForm()
    if form.validate_on_submit():
        assisting.record_consent()
        return redirect(url_for("participant.file_form"), code=303)
    return render_template("review/assist.html", form=form)
