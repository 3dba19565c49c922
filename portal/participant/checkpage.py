"""The "check my complaint" page: a claim code opens the case for this browser session."""

from __future__ import annotations

import datetime as dt

from flask import g, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import clock, db, languages
from portal.casework import filing
from portal.config import current_config
from portal.participant.filing import CASE_SESSION_KEY, bp
from portal.participant.forms import CheckForm
from portal.security import claimcodes
from portal.security.ratelimits import counted_only_when, from_config, limiter


def _code_was_wrong() -> bool:
    """Only a wrong code costs a try: a good code and a typo (caught by the check character,
    without argon2 work) are given back."""
    return bool(g.get("code_wrong"))


@bp.route("/check", methods=["GET", "POST"])
@limiter.limit(from_config("check_limit_per_client"), methods=["POST"])
@counted_only_when(_code_was_wrong)
def check() -> ResponseReturnValue:
    form = CheckForm()
    if languages.switch_requested():
        return render_template("participant/check.html", form=form)
    if not form.validate_on_submit():
        return render_template("participant/check.html", form=form)
    try:
        code = claimcodes.parse(form.code.data)
    except claimcodes.ClaimCodeTypo:
        form.code.errors.append(
            _("One of the characters looks wrong. Please check the code and try again.")
        )
        return render_template("participant/check.html", form=form)
    except claimcodes.ClaimCodeError:
        form.code.errors.append(
            _("A claim code has 20 letters and numbers. Please check it and try again.")
        )
        return render_template("participant/check.html", form=form)
    config = current_config()
    try:
        session[CASE_SESSION_KEY] = filing.open_with_code(
            db.session(),
            claimcodes.current_hasher(),
            code,
            now=clock.now(),
            idle=dt.timedelta(minutes=config.case_idle_minutes),
            held=session.get(CASE_SESSION_KEY),
        )
    except filing.CodeOpensNothing:
        g.code_wrong = True
        form.code.errors.append(
            _("We could not open a complaint with that code. Please check it and try again.")
        )
        return render_template("participant/check.html", form=form)
    return redirect(url_for("participant.case"), code=303)
