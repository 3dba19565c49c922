""" "Tell me when there is news": the email box on the receipt and on the case page.

Both need the complaint's data key to encrypt the address (portal.casework.news). On the
receipt it comes from the code, which the receipt may still show to this browser session
(the same rule as the language switch there); on the case page, from the open case.
"""

from __future__ import annotations

from flask import flash, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import clock, db, languages
from portal.casework import complaints, news
from portal.choices import Status
from portal.participant.casepage import _back, _closed, _current, _render
from portal.participant.filing import bp, receipt_holder, render_receipt
from portal.participant.forms import NewsForm
from portal.security import claimcodes, sealing


@bp.app_context_processor
def _news_context() -> dict[str, object]:
    return {"news_can_send": news.can_send}


@bp.post("/file/news")
def receipt_news() -> ResponseReturnValue:
    """The address, given on the receipt; the receipt is shown again with the code."""
    form_token = request.form.get("form_token", "")[:100]
    database, now = db.session(), clock.now()
    try:
        filed = complaints.shown_again(database, form_token, receipt_holder(), now)
    except complaints.AlreadyFiled:
        return render_template("participant/already_filed.html")
    form = NewsForm()
    if not form.validate_on_submit():
        return render_receipt(filed, form_token, form=form), 400
    complaint = complaints.get(database, filed.complaint_id)
    code_key = claimcodes.current_hasher().code_key(claimcodes.parse(filed.code))
    try:
        data_key = sealing.key_for_code(complaint, code_key)
    except sealing.TextLocked:
        return render_template("participant/already_filed.html")
    news.save(database, complaint.id, data_key, form.email.data, languages.current())
    return render_receipt(filed, form_token)


@bp.post("/case/news")
def case_news() -> ResponseReturnValue:
    """Give, change or remove the address on the case page."""
    complaint = _current()
    if complaint is None:
        return _closed()
    if request.form.get("erase"):
        form = NewsForm()
        form.validate()  # only its CSRF token matters here
        if form.csrf_token.errors:
            return _render(complaint, 400)
        news.remove(db.session(), complaint.id)
        flash(_("Done. We will not email you, and your address is erased."))
        return _back()
    form = NewsForm()
    if not form.validate_on_submit():
        return _render(complaint, 400, news_form=form)
    if Status(complaint.status) in (Status.CLOSED, Status.WITHDRAWN):
        # The page offers no box then; a hand-made POST keeps nothing either.
        flash(_("This complaint is closed, so there will be no news to tell you."))
        return _back()
    news.save(db.session(), complaint.id, g.case_key, form.email.data, languages.current())
    flash(_("Thank you. We will email you when there is news."))
    return _back()
