"""The queue and the case page, and the actions a board member takes there.

Each action is a POST with a CSRF token; each writes an audit event (in `portal.casework.cases`). A
form with a problem re-renders the case page with the person's words kept.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from portal import clock, db
from portal.board.accounts import CASE_ROLES, Role
from portal.casework import cases, caseview, linking, queue, visibility
from portal.casework.transitions import BOARD_MOVES, DECIDE_FROM, REFER_FROM, TransitionNotAllowed
from portal.choices import (
    ACTOR_LABELS,
    DISPOSITION_LABELS,
    KIND_LABELS,
    REFERRAL_LABELS,
    STATUS_SHORT,
    Disposition,
    Status,
)
from portal.models import Account, Complaint
from portal.security import audit, sealing
from review import access, bp
from review.forms import (
    AssignForm,
    DecisionForm,
    EmptyForm,
    KeepAwayForm,
    LinkForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    RecuseForm,
    ReferralForm,
    StatusForm,
    publication_forms,
)

# Everything about a case answers 404 to accounts that may not see cases at all.
LOCKED = _l(
    "You cannot read or write this case's words yet. Please sign out and sign in again: "
    "your copy of the board's key arrives once an admin has approved your account."
)

case_workers = access(*CASE_ROLES, refusal=404)


def queue_page(**extra: object) -> ResponseReturnValue:
    """The queue; `extra` goes to the template (the admins' warnings, from home)."""
    form = QueueFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("Still open"))] + [
        SelectChoice(s.value, STATUS_SHORT[s]) for s in Status
    ]
    form.kind.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(k.value, label) for k, label in KIND_LABELS.items()
    ]
    valid = form.validate()
    query = (
        queue.QueueFilter(
            status=form.status.data or None,
            kind=form.kind.data or None,
            urgent=bool(form.urgent.data),
            assigned=form.assigned.data or None,
            unread=bool(form.unread.data),
            older_than_days=form.older_than.data,
        )
        if valid
        else queue.QueueFilter()
    )
    number = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    today = clock.now().date()
    result = queue.page(db.session(), g.account, query, number, today)
    return render_template(
        "review/queue.html",
        form=form,
        result=result,
        today=today,
        kind_labels=KIND_LABELS,
        status_short=STATUS_SHORT,
        args={k: v for k, v in request.args.items() if k != "page"},
        **extra,
        # Each admin's home page shows the audit log's head, so copies exist outside it.
        audit_head=audit.head(db.session()) if Role(g.account.role) == Role.ADMIN else None,
    )


def _load(locator: str) -> Complaint:
    try:
        return cases.load(db.session(), g.account, locator)
    except cases.CaseNotVisible:
        abort(404)


def _names() -> dict[int, str]:
    return dict(db.session().execute(select(Account.id, Account.username)).all())


def _forms(complaint: Complaint) -> dict[str, object]:
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
    }


def _key(complaint: Complaint) -> bytes:
    """The complaint's data key, from the board keys this sign-in carries."""
    return sealing.key_for_board(complaint, g.keyring)


def _render(complaint: Complaint, status: int = 200, **replacements: object) -> ResponseReturnValue:
    forms = {**_forms(complaint), **replacements}
    names = _names()
    try:
        data_key = None if complaint.text_deleted else _key(complaint)
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


@bp.get("/cases/<locator>")
@case_workers
def case_page(locator: str) -> ResponseReturnValue:
    complaint = _load(locator)
    database, now = db.session(), clock.now()
    caseview.record_view(database, g.account, complaint, now)
    response = _render(complaint)
    caseview.mark_replies_read(database, complaint, now)
    return response


def _act(
    locator: str,
    form_name: str,
    form_class: type,
    do: Callable[[Complaint, object], None],
    done: str,
) -> ResponseReturnValue:
    """Validate a form, run the action, and come back to the case page."""
    complaint = _load(locator)
    form = _forms(complaint)[form_name]
    if isinstance(form, form_class) and form.validate_on_submit():
        try:
            do(complaint, form)
        except sealing.TextLocked:
            flash(LOCKED)
        except (cases.CaseActionError, TransitionNotAllowed, ValueError) as problem:
            flash(str(problem) or _("That cannot be done now."))
        else:
            flash(done)
            return redirect(url_for("review.case_page", locator=complaint.locator), code=303)
    return _render(complaint, 400, **{form_name: form})


@bp.post("/cases/<locator>/assign")
@case_workers
def assign(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: AssignForm) -> None:
        to = int(form.to.data) if form.to.data else None
        cases.assign(db.session(), g.account, complaint, to, clock.now())

    return _act(locator, "assign_form", AssignForm, do, _("Assignment saved."))


@bp.post("/cases/<locator>/status")
@case_workers
def change_status(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: StatusForm) -> None:
        cases.change_status(
            db.session(),
            g.account,
            complaint,
            form.target.data,
            form.reason.data,
            clock.now(),
            _key(complaint),
        )

    return _act(locator, "status_form", StatusForm, do, _("Status changed."))


@bp.post("/cases/<locator>/note")
@case_workers
def add_note(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: NoteForm) -> None:
        cases.add_note(
            db.session(), g.account, complaint, form.body.data, clock.now(), _key(complaint)
        )

    return _act(locator, "note_form", NoteForm, do, _("Note saved."))


@bp.post("/cases/<locator>/message")
@case_workers
def send_message(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: MessageForm) -> None:
        cases.message_complainant(
            db.session(), g.account, complaint, form.body.data, clock.now(), _key(complaint)
        )

    return _act(
        locator,
        "message_form",
        MessageForm,
        do,
        _("Message saved. The person will see it when they next check."),
    )


@bp.post("/cases/<locator>/decide")
@case_workers
def decide(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: DecisionForm) -> None:
        cases.decide(
            db.session(),
            g.account,
            complaint,
            disposition=form.disposition.data,
            recommendation=form.recommendation.data,
            dissent=form.dissent.data,
            letter=form.letter.data,
            now=clock.now(),
            data_key=_key(complaint),
            public_summary=form.public_summary.data,
        )

    return _act(locator, "decision_form", DecisionForm, do, _("Decision recorded."))


@bp.post("/cases/<locator>/refer")
@case_workers
def propose_referral(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: ReferralForm) -> None:
        cases.propose_referral(
            db.session(),
            g.account,
            complaint,
            form.body.data,
            form.explanation.data,
            clock.now(),
            _key(complaint),
        )

    return _act(
        locator,
        "referral_form",
        ReferralForm,
        do,
        _("The person will be asked. Nothing is passed on unless they say yes."),
    )


@bp.post("/cases/<locator>/referrals/<int:referral_id>/sent")
@case_workers
def referral_sent(locator: str, referral_id: int) -> ResponseReturnValue:
    def do(complaint: Complaint, _form: EmptyForm) -> None:
        cases.mark_referral_sent(
            db.session(), g.account, complaint, referral_id, clock.now(), _key(complaint)
        )

    return _act(locator, "button", EmptyForm, do, _("Recorded as passed on."))


@bp.post("/cases/<locator>/recuse")
@case_workers
def recuse(locator: str) -> ResponseReturnValue:
    complaint = _load(locator)
    form = RecuseForm()
    if not form.validate_on_submit():
        return _render(complaint, 400, recuse_form=form)
    cases.recuse(db.session(), g.account, complaint, clock.now())
    flash(
        _(
            "You stepped away from case %(ref)s. It is no longer in your queue.",
            ref=complaint.locator,
        )
    )
    return redirect(url_for("review.home"), code=303)


@bp.post("/cases/<locator>/keep-away")
@access(Role.ADMIN, refusal=404)
def keep_away(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: KeepAwayForm) -> None:
        cases.keep_away(db.session(), g.account, complaint, int(form.member.data), clock.now())

    return _act(
        locator, "keep_away_form", KeepAwayForm, do, _("That member can no longer see this case.")
    )


@bp.post("/cases/<locator>/release")
@access(Role.ADMIN, refusal=404)
def release(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, _form: EmptyForm) -> None:
        cases.release(db.session(), g.account, complaint, clock.now())

    return _act(
        locator,
        "button",
        EmptyForm,
        do,
        _("The rest of the board can now see this case, except members kept away."),
    )


@bp.post("/cases/<locator>/link")
@case_workers
def propose_link(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: LinkForm) -> None:
        linking.propose(
            db.session(), g.account, complaint, form.earlier.data, clock.now(), g.keyring
        )

    return _act(
        locator,
        "link_form",
        LinkForm,
        do,
        _("Proposed. A second board member must approve it before the person is asked."),
    )


@bp.post("/cases/<locator>/links/<int:link_id>/approve")
@case_workers
def approve_link(locator: str, link_id: int) -> ResponseReturnValue:
    def do(complaint: Complaint, _form: EmptyForm) -> None:
        linking.approve(db.session(), g.account, complaint, link_id, clock.now(), g.keyring)

    return _act(
        locator,
        "button",
        EmptyForm,
        do,
        _("Approved. The person will be asked whether the earlier complaint is theirs."),
    )


@bp.post("/cases/<locator>/links/<int:link_id>/decline")
@case_workers
def decline_link(locator: str, link_id: int) -> ResponseReturnValue:
    def do(complaint: Complaint, _form: EmptyForm) -> None:
        linking.decline(db.session(), g.account, complaint, link_id, clock.now())

    return _act(locator, "button", EmptyForm, do, _("The link was turned down."))


@bp.get("/cases/<locator>/files/<int:file_id>")
@case_workers
def download(locator: str, file_id: int) -> ResponseReturnValue:
    """A file sent with the complaint, decrypted for this member, only ever as a download."""
    complaint = _load(locator)
    try:
        name, media_type, data = caseview.open_file(
            db.session(),
            g.account,
            complaint,
            file_id,
            _key(complaint),
            current_app.extensions["portal.config"].instance_path,
            clock.now(),
        )
    except sealing.TextLocked:
        flash(LOCKED)
        return redirect(url_for("review.case_page", locator=complaint.locator), code=303)
    except LookupError:
        abort(404)
    return Response(
        data,
        mimetype=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
