"""What every case page and case action shares: loading a case this member may see, the
case page with its forms, the case's data key, and running an action.

A form with a problem re-renders the case page with the person's words kept. Only a
`PersonFacingError` is shown to the member; any other exception is a fault (a 500).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from portal import db
from portal.board.accounts import CASE_ROLES, Role
from portal.casework import cases, caseview, linking, news, visibility
from portal.casework.transitions import BOARD_MOVES, DECIDE_FROM, REFER_FROM
from portal.choices import (
    ACTOR_LABELS,
    DISPOSITION_LABELS,
    KIND_LABELS,
    REFERRAL_LABELS,
    STATUS_SHORT,
    Disposition,
    Status,
)
from portal.errors import PersonFacingError
from portal.models import Account, Complaint
from portal.security import sealing
from review.caseforms import (
    AssignForm,
    DecisionForm,
    KeepAwayForm,
    LinkForm,
    MessageForm,
    NoteForm,
    RecuseForm,
    ReferralForm,
    StatusForm,
    publication_forms,
)
from review.forms import EmptyForm
from review.gate import access
from review.reconsiderforms import forms as reconsider_forms

# Everything about a case answers 404 to accounts that may not see cases at all.
LOCKED = _l(
    "You cannot read or write this case's words yet. Please sign out and sign in again: "
    "your copy of the board's key arrives once an admin has approved your account."
)

case_workers = access(*CASE_ROLES, refusal=404)


def load_case(locator: str) -> Complaint:
    try:
        return cases.load(db.session(), g.account, locator)
    except cases.CaseNotVisible:
        abort(404)


def _member_names() -> dict[int, str]:
    return dict(db.session().execute(select(Account.id, Account.username)).all())


def case_forms(complaint: Complaint) -> dict[str, object]:
    workers = caseview.case_workers(db.session())
    assign = AssignForm()
    assign.to.choices = [SelectChoice("", _("Nobody"))] + [
        SelectChoice(str(a.id), a.username)
        for a in workers
        if visibility.may_see(db.session(), a, complaint)
    ]
    status = StatusForm()
    status.target.choices = [
        SelectChoice(s.value, STATUS_SHORT[s])
        for s in sorted(BOARD_MOVES[Status(complaint.status)])
    ]
    decision = DecisionForm()
    decision.disposition.choices = [
        SelectChoice(d.value, label)
        for d, label in DISPOSITION_LABELS.items()
        if d != Disposition.WITHDRAWN
    ]
    referral = ReferralForm()
    referral.body.choices = [SelectChoice(b.value, label) for b, label in REFERRAL_LABELS.items()]
    keep_away = KeepAwayForm()
    keep_away.member.choices = [
        SelectChoice(str(a.id), a.username) for a in workers if a.id != g.account.id
    ]
    return {
        "assign_form": assign,
        "status_form": status,
        "note_form": NoteForm(),
        "message_form": MessageForm(),
        "decision_form": decision,
        "referral_form": referral,
        "recuse_form": RecuseForm(),
        "keep_away_form": keep_away,
        "link_form": LinkForm(),
        "button": EmptyForm(),
        **publication_forms(complaint),
        **reconsider_forms(complaint),
    }


def case_key(complaint: Complaint) -> bytes:
    """The complaint's data key, from the board keys this sign-in carries."""
    return sealing.key_for_board(complaint, g.keyring)


def tell_waiting_news(complaint: Complaint) -> None:
    """News came while nobody who could read the person's address acted: a member holding
    the key has opened the case, so the person is told now (portal.casework.news)."""
    if not news.is_waiting(db.session(), complaint.id):
        return
    try:
        data_key = case_key(complaint)
    except sealing.TextLocked:
        return
    news.tell(db.session(), complaint.id, data_key)


def render_case(
    complaint: Complaint, status: int = 200, **replacements: object
) -> ResponseReturnValue:
    forms = {**case_forms(complaint), **replacements}
    names = _member_names()
    try:
        data_key = None if complaint.text_deleted else case_key(complaint)
    except sealing.TextLocked:
        text, timeline = None, []
    else:
        text = sealing.read_or_blank(complaint, data_key)
        timeline = caseview.timeline(db.session(), complaint, names, data_key)
    return (
        render_template(
            "review/case.html",
            complaint=complaint,
            text=text,
            sensitive=visibility.is_sensitive(complaint),
            timeline=timeline,
            referrals=caseview.referrals(db.session(), complaint.id),
            links=linking.for_board(db.session(), g.account, complaint, g.keyring),
            # Only that the person asked to be told of news, never their address.
            news=news.for_board(db.session(), complaint.id),
            member_names=names,
            files=caseview.files(db.session(), complaint.id),
            assignee=names.get(complaint.assigned_to or 0),
            can_decide=Status(complaint.status) in DECIDE_FROM,
            can_refer=Status(complaint.status) in REFER_FROM,
            kind_labels=KIND_LABELS,
            actor_labels=ACTOR_LABELS,
            status_short=STATUS_SHORT,
            disposition_labels=DISPOSITION_LABELS,
            referral_labels=REFERRAL_LABELS,
            is_chair=g.account.role == Role.ADMIN.value,
            # The form that was sent with a problem, for the summary at the top of the page.
            failed_forms=[f for f in replacements.values() if getattr(f, "errors", None)],
            **forms,
        ),
        status,
    )


def act(
    locator: str,
    form_name: str,
    form_class: type,
    do: Callable[[Complaint, object], None],
    done: str,
) -> ResponseReturnValue:
    """Validate a form, run the action, and come back to the case page."""
    complaint = load_case(locator)
    form = case_forms(complaint)[form_name]
    if isinstance(form, form_class) and form.validate_on_submit():
        try:
            do(complaint, form)
        except sealing.TextLocked:
            flash(LOCKED)
        except PersonFacingError as problem:
            flash(problem.message)
        else:
            flash(done)
            return redirect(url_for("review.case_page", locator=complaint.locator), code=303)
    return render_case(complaint, 400, **{form_name: form})
