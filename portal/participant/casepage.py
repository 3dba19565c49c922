"""The complainant's case page (`/case`) and what they can do there.

Open only while the browser holds a live case access (a good claim code in the last 15 idle
minutes). Every form here keeps what the person typed if something is wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock, db, languages
from portal.casework import caseaccess, complainant, complaints, linkrule, notify
from portal.casework.transitions import WITHDRAW_FROM, TransitionNotAllowed
from portal.choices import (
    ACTOR_LABELS,
    DISPOSITION_LABELS,
    KIND_LABELS,
    REFERRAL_LABELS,
    STATUS_LABELS,
    STATUS_SHORT,
    Status,
)
from portal.config import current_config
from portal.models import Complaint
from portal.participant.filing import CASE_SESSION_KEY, bp
from portal.participant.forms import (
    CheckForm,
    KeepAwayForm,
    ReferralAnswerForm,
    ReplyForm,
    SurveyForm,
    WithdrawForm,
)
from portal.security import sealing
from portal.security.ratelimits import client_key, counted_only_when, limiter, named_key

CODE_IN_REPLY = _l(
    "This looks like a claim code. Please take it out: anyone who reads it could open "
    "your complaint."
)


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=current_config().case_idle_minutes)


def _current() -> Complaint | None:
    """The complaint this browser has open; its data key goes on `g.case_key` for the
    request (it is never stored anywhere readable). Looked up once per request."""
    if "open_complaint" not in g:
        g.open_complaint = _look_up_current()
    return g.open_complaint


def _look_up_current() -> Complaint | None:
    database = db.session()
    opened = caseaccess.current_case(database, session.get(CASE_SESSION_KEY), clock.now(), _idle())
    if opened is None:
        return None
    complaint_id, g.case_key = opened
    return complaints.get(database, complaint_id)


def _closed(typed: str | None = None) -> ResponseReturnValue:
    # Only a case that timed out in this browser is mentioned. After Leave or the quick
    # exit nothing is said, so Back on a shared phone does not tell that a complaint exists.
    timed_out = session.pop(CASE_SESSION_KEY, None)
    if timed_out and typed and typed.strip():
        # The case closed while the person was writing: hand their words back rather than
        # lose them (the session is theirs, so this shows nothing to anyone else).
        return render_template(
            "participant/check.html", form=CheckForm(), kept=typed[: complainant.REPLY_MAX]
        ), 400
    if timed_out:
        flash(_("To keep it private, your complaint closed. Please enter your code again."))
    return redirect(url_for("participant.check"), code=303)


def _render(complaint: Complaint, status: int = 200, **forms: object) -> ResponseReturnValue:
    database = db.session()
    status_now = Status(complaint.status)
    page = render_template(
        "participant/case.html",
        complaint=complaint,
        text=sealing.read_or_blank(complaint, g.case_key),
        status_words=STATUS_LABELS[status_now],
        status_short=STATUS_SHORT,
        kind_labels=KIND_LABELS,
        actor_labels=ACTOR_LABELS,
        disposition_labels=DISPOSITION_LABELS,
        referral_labels=REFERRAL_LABELS,
        items=complainant.timeline(database, complaint, g.case_key),
        pending=complainant.pending_referrals(database, complaint.id, g.case_key),
        pending_links=linkrule.waiting_for_person(database, complaint.id),
        # Only what the rule in portal.casework.linkrule lets a new code see of an earlier case.
        earlier=linkrule.what_the_new_code_sees(database, complaint.id, g.case_key),
        status_labels=STATUS_LABELS,
        went=complainant.where_it_went(database, complaint.id),
        files=complaints.files_received(database, complaint.id),
        can_write=status_now not in (Status.CLOSED, Status.WITHDRAWN),
        can_withdraw=status_now in WITHDRAW_FROM,
        reply_form=forms.get("reply_form") or ReplyForm(),
        keep_away_form=forms.get("keep_away_form") or KeepAwayForm(),
        withdraw_form=forms.get("withdraw_form") or WithdrawForm(),
        survey_form=forms.get("survey_form") or SurveyForm(),
        referral_form=ReferralAnswerForm(),
    )
    return page, status


def _back() -> ResponseReturnValue:
    return redirect(url_for("participant.case"), code=303)


@bp.get("/case")
def case() -> ResponseReturnValue:
    complaint = _current()
    if complaint is None:
        return _closed()
    response = _render(complaint)
    # Shown once as "new"; read from now on.
    complainant.mark_board_messages_read(db.session(), complaint.id, clock.now())
    return response


def _reply_key() -> str:
    """Replies are counted per case, whichever browser or connection sends them."""
    complaint = _current()
    return client_key() if complaint is None else named_key("case", complaint.id)


def _reply_limit() -> str:
    return current_config().reply_limit_per_case


def _too_many_replies(_limit: object) -> Response | None:
    """Over the reply limit: say so calmly and give the person's words back."""
    complaint = _current()
    if complaint is None:
        return None
    form = ReplyForm()
    form.validate()
    form.body.errors = [
        _(
            "You sent a lot of messages in a short time, so we paused for a while. Your "
            "words are still here. Please try again in an hour."
        )
    ]
    body, _status = _render(complaint, reply_form=form)
    return Response(body, status=429)


def _reply_was_stored() -> bool:
    return bool(g.get("reply_stored"))


@bp.post("/case/reply")
@limiter.limit(_reply_limit, key_func=_reply_key, on_breach=_too_many_replies)
@counted_only_when(_reply_was_stored)
def reply() -> ResponseReturnValue:
    complaint = _current()
    if complaint is None:
        return _closed(request.form.get("body"))
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            complainant.reply(db.session(), complaint, form.body.data, clock.now(), g.case_key)
        except complaints.CodeInText:
            form.body.errors.append(str(CODE_IN_REPLY))
        except complainant.NothingToDo:
            form.body.errors.append(_("This complaint is closed, so it cannot take new messages."))
        else:
            g.reply_stored = True
            notify.tell_board(db.session(), notify.REPLY, complaint.id)
            flash(_("Sent. The review board will see it."))
            return _back()
    return _render(complaint, 400, reply_form=form)


@bp.post("/case/keep-away")
def keep_away() -> ResponseReturnValue:
    complaint = _current()
    if complaint is None:
        return _closed(request.form.get("keep_away"))
    form = KeepAwayForm()
    if form.validate_on_submit():
        try:
            complainant.keep_away(
                db.session(), complaint, form.keep_away.data, clock.now(), g.case_key
            )
        except complaints.CodeInText:
            form.keep_away.errors.append(str(CODE_IN_REPLY))
        except complainant.NothingToDo:
            form.keep_away.errors.append(_("Please write who."))
        else:
            # The case has just left every reviewer's queue: the admins who asked to hear of
            # waiting cases are told (only they may see it now).
            notify.tell_board(db.session(), notify.NEW, complaint.id)
            flash(_("Thank you. The board chair will make sure they do not see it."))
            return _back()
    return _render(complaint, 400, keep_away_form=form)


def _answer_yes_or_no(
    answer: Callable[[Complaint, int, bool], None],
    said_yes: str,
    said_no: str,
    gone: str | None = None,
) -> ResponseReturnValue:
    """A yes-or-no question the board asked (a referral, a lost-code link)."""
    complaint = _current()
    if complaint is None:
        return _closed()
    form = ReferralAnswerForm()
    if not form.validate_on_submit():
        return _render(complaint, 400)
    agree = form.answer.data == "yes"
    try:
        answer(complaint, form.question.data, agree)
    except complainant.NothingToDo:
        flash(_("This question was already answered."))
    except linkrule.NotAsked:
        flash(gone or _("This question was already answered."))
    else:
        flash(said_yes if agree else said_no)
    return _back()


@bp.post("/case/referral")
def answer_referral() -> ResponseReturnValue:
    return _answer_yes_or_no(
        lambda complaint, question, agree: complainant.answer_referral(
            db.session(), complaint, question, agree, clock.now()
        ),
        _("Thank you. We will pass it on."),
        _("Thank you. We will not pass it on."),
    )


@bp.post("/case/withdraw")
def withdraw() -> ResponseReturnValue:
    complaint = _current()
    if complaint is None:
        return _closed()
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _render(complaint, 400, withdraw_form=form)
    delete_text = form.how.data == "delete"
    # Deleting cannot be undone: first a page that says exactly what will be gone. "No, go
    # back" draws the case page again with the choice still made.
    answer = None if languages.switch_requested() else request.form.get("confirm")
    if delete_text and answer != "yes":
        if answer == "no":
            return _render(complaint, withdraw_form=form)
        return render_template(
            "participant/withdraw_confirm.html",
            complaint=complaint,
            form=form,
            counts=complainant.deletion_counts(db.session(), complaint.id),
        )
    try:
        complainant.withdraw(db.session(), complaint, delete_text, clock.now())
    except TransitionNotAllowed:
        flash(_("This complaint is already closed."))
        return _back()
    if delete_text:
        # Nothing is left to open: end the case in this browser too.
        caseaccess.close_case(db.session(), session.get(CASE_SESSION_KEY))
        session.pop(CASE_SESSION_KEY, None)
        return render_template("participant/deleted.html")
    flash(_("Your complaint is stopped. You can still read it with your code."))
    return _back()


@bp.post("/case/survey")
def survey() -> ResponseReturnValue:
    complaint = _current()
    if complaint is None:
        return _closed()
    form = SurveyForm()
    if form.validate_on_submit():
        answers = {
            "respected": form.respected.data,
            "listened": form.listened.data,
            "would_use_again": form.would_use_again.data,
        }
        # A second answer (a resent form) is quietly ignored.
        with contextlib.suppress(complainant.NothingToDo):
            complainant.answer_survey(db.session(), complaint, answers, clock.now())
        flash(_("Thank you for telling us."))
        return _back()
    return _render(complaint, 400, survey_form=form)


@bp.post("/case/link")
def answer_link() -> ResponseReturnValue:
    return _answer_yes_or_no(
        lambda complaint, question, agree: linkrule.answer(
            db.session(), complaint, question, agree, clock.now()
        ),
        _(
            "Thank you. Your new code now shows where your earlier complaint stands, and "
            "what the board writes on it from now on."
        ),
        _("Thank you. We will keep them apart."),
        _("This question is no longer open. Nothing was changed."),
    )
