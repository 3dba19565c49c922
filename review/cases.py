"""The queue and the case page, and the actions a board member takes there (linking cases
is in `review.caselinks`; what every case page shares is in `review.casepage`).

Each action is a POST with a CSRF token; each writes an audit event (in `portal.casework.cases`). A
form with a problem re-renders the case page with the person's words kept.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal import clock, db
from portal.board.accounts import Role
from portal.casework import cases, caseview, news, queue
from portal.choices import (
    KIND_LABELS,
    STATUS_SHORT,
    Status,
)
from portal.models import Complaint
from portal.security import auditlog, sealing
from review.caseforms import (
    AssignForm,
    DecisionForm,
    KeepAwayForm,
    MessageForm,
    NoteForm,
    QueueFilterForm,
    RecuseForm,
    ReferralForm,
    StatusForm,
)
from review.casepage import (
    LOCKED,
    act,
    case_key,
    case_workers,
    load_case,
    render_case,
    tell_waiting_news,
)
from review.forms import EmptyForm
from review.gate import access, bp

PLACE_ARGS = ("page", "after", "before")


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
    # A page is found from a place in the queue's order; an old `?page=N` link, or a place
    # that does not read as one, gives the first page.
    after = queue.Place.read(request.args.get("after"))
    before = queue.Place.read(request.args.get("before"))
    today = clock.now().date()
    result = queue.page(db.session(), g.account, query, today, after=after, before=before)
    return render_template(
        "review/queue.html",
        form=form,
        result=result,
        today=today,
        kind_labels=KIND_LABELS,
        status_short=STATUS_SHORT,
        args={k: v for k, v in request.args.items() if k not in PLACE_ARGS},
        **extra,
        # Each admin's home page shows the audit log's head, so copies exist outside it.
        audit_head=auditlog.head(db.session()) if Role(g.account.role) == Role.ADMIN else None,
    )


@bp.get("/cases/<locator>")
@case_workers
def case_page(locator: str) -> ResponseReturnValue:
    complaint = load_case(locator)
    database, now = db.session(), clock.now()
    caseview.record_view(database, g.account, complaint, now)
    tell_waiting_news(complaint)
    response = render_case(complaint)
    if _shows_the_words(complaint):
        caseview.mark_replies_read(database, complaint, now)
    return response


def _shows_the_words(complaint: Complaint) -> bool:
    """Whether the case page just showed this member the person's messages. A member whose
    copy of the board's key has not arrived sees the page without them: the person must not
    be told the board read what nobody could."""
    if complaint.text_deleted:
        return False
    try:
        case_key(complaint)
    except sealing.TextLocked:
        return False
    return True


@bp.post("/cases/<locator>/assign")
@case_workers
def assign(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: AssignForm) -> None:
        to = int(form.to.data) if form.to.data else None
        cases.assign(db.session(), g.account, complaint, to, clock.now())

    return act(locator, "assign_form", AssignForm, do, _("Assignment saved."))


@bp.post("/cases/<locator>/status")
@case_workers
def change_status(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: StatusForm) -> None:
        data_key = case_key(complaint)
        cases.change_status(
            db.session(),
            g.account,
            complaint,
            form.target.data,
            form.reason.data,
            clock.now(),
            data_key,
        )
        news.tell(db.session(), complaint.id, data_key)

    return act(locator, "status_form", StatusForm, do, _("Status changed."))


@bp.post("/cases/<locator>/note")
@case_workers
def add_note(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: NoteForm) -> None:
        cases.add_note(
            db.session(), g.account, complaint, form.body.data, clock.now(), case_key(complaint)
        )

    return act(locator, "note_form", NoteForm, do, _("Note saved."))


@bp.post("/cases/<locator>/message")
@case_workers
def send_message(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: MessageForm) -> None:
        data_key = case_key(complaint)
        cases.message_complainant(
            db.session(), g.account, complaint, form.body.data, clock.now(), data_key
        )
        news.tell(db.session(), complaint.id, data_key)

    return act(
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
        data_key = case_key(complaint)
        cases.decide(
            db.session(),
            g.account,
            complaint,
            disposition=form.disposition.data,
            recommendation=form.recommendation.data,
            dissent=form.dissent.data,
            letter=form.letter.data,
            now=clock.now(),
            data_key=data_key,
            public_summary=form.public_summary.data,
        )
        news.tell(db.session(), complaint.id, data_key)

    return act(locator, "decision_form", DecisionForm, do, _("Decision recorded."))


@bp.post("/cases/<locator>/refer")
@case_workers
def propose_referral(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: ReferralForm) -> None:
        data_key = case_key(complaint)
        cases.propose_referral(
            db.session(),
            g.account,
            complaint,
            form.body.data,
            form.explanation.data,
            clock.now(),
            data_key,
        )
        news.tell(db.session(), complaint.id, data_key)

    return act(
        locator,
        "referral_form",
        ReferralForm,
        do,
        _("The person will be asked. Nothing is passed on unless they say yes."),
    )


@bp.post("/cases/<locator>/recuse")
@case_workers
def recuse(locator: str) -> ResponseReturnValue:
    complaint = load_case(locator)
    form = RecuseForm()
    if not form.validate_on_submit():
        return render_case(complaint, 400, recuse_form=form)
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

    return act(
        locator, "keep_away_form", KeepAwayForm, do, _("That member can no longer see this case.")
    )


@bp.post("/cases/<locator>/release")
@access(Role.ADMIN, refusal=404)
def release(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, _form: EmptyForm) -> None:
        cases.release(db.session(), g.account, complaint, clock.now())

    return act(
        locator,
        "button",
        EmptyForm,
        do,
        _("The rest of the board can now see this case, except members kept away."),
    )


@bp.get("/cases/<locator>/files/<int:file_id>")
@case_workers
def download(locator: str, file_id: int) -> ResponseReturnValue:
    """A file sent with the complaint, decrypted for this member, only ever as a download."""
    complaint = load_case(locator)
    try:
        opened = caseview.open_file(
            db.session(),
            db.database().sessions,
            g.account,
            complaint,
            file_id,
            case_key(complaint),
            clock.now(),
        )
    except sealing.TextLocked:
        flash(LOCKED)
        return redirect(url_for("review.case_page", locator=complaint.locator), code=303)
    except LookupError:
        abort(404)
    # Sent as it is read, a piece at a time; the length lets the browser tell a cut-off file.
    return Response(
        opened.chunks,
        mimetype=opened.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{opened.name}"',
            "Content-Length": str(opened.size),
        },
    )
