"""The filing receipt's own buttons: "I wrote it down. Done." and the language switch.

The receipt is the only page that shows a claim code. It can be shown again (a retry after a
lost response, the language button) only to the browser session that made the form, only
within `receipts.SHOW_FOR` of filing, and never after "Done", which ends the receipt on the
server and the session in the browser, as Leave and the quick exit do. So Back and "resend"
on a shared phone say "already sent" and show no code.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import clock, db, languages
from portal.casework import complaints
from portal.extensions import csrf
from portal.participant.filing import bp, receipt_holder, render_receipt
from portal.participant.leaving import end_everything, end_receipt


# Like Leave: it only ever ends things, so a page that sat open past its CSRF token's life
# must still be able to do it. A forged request can do no more than hide a code.
@bp.post("/file/done")
@csrf.exempt
def done() -> ResponseReturnValue:
    end_receipt()
    end_everything()
    return redirect(url_for("participant.home"), code=303)


@bp.post("/file/receipt")
def receipt() -> ResponseReturnValue:
    """The receipt again, in the language just chosen, so that switching does not lose the
    code. The form's token comes back in the POST body (never a URL), and the code is
    unsealed again under the same rules as a retried filing."""
    languages.choose(request.form.get(languages.FIELD))
    form_token = request.form.get("form_token", "")[:100]
    try:
        filed = complaints.shown_again(db.session(), form_token, receipt_holder(), clock.now())
    except complaints.AlreadyFiled:
        return render_template("participant/already_filed.html")
    return render_receipt(filed, form_token)
