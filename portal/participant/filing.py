"""Participant pages: the start page and filing. The participant blueprint is made here;
checkpage.py (a claim code), leaving.py (the ways out), casepage.py and receiptpage.py add to it.

Views only wire a form to a domain function and a template. Every page here works without
JavaScript and is sent with `Cache-Control: no-store` (see `headers`).
"""

from __future__ import annotations

import contextlib
import datetime as dt

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError

from portal import clock, db, languages, sitesettings
from portal.casework import assist, complaints, notify
from portal.casework import filing as casework_filing
from portal.config import Config, current_config
from portal.participant import blankform
from portal.participant.forms import FileForm
from portal.security import attachments, claimcodes, keys, receipts
from portal.security.ratelimits import (
    client_key,
    counted_only_when,
    limiter,
    named_key,
)
from portal.security.sanitize import blank_to_none
from portal.site import Site

bp = Blueprint("participant", __name__)

CASE_SESSION_KEY = "case"
# The secret that lets this browser session, and no other, see its filing receipts again.
HOLDER_SESSION_KEY = "filer"


def _cfg() -> Config:
    return current_config()


def _site() -> Site:
    return sitesettings.current()


def _hasher() -> claimcodes.CodeHasher:
    return claimcodes.current_hasher()


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=_cfg().case_idle_minutes)


SITE_OPEN_KEY = "portal.site_open"


def site_open() -> bool:
    """Filing works once the first admin has enrolled, which makes the board's key: before
    that nothing could be stored so that only the board can read it. Once open, a site stays
    open, so each process asks the database only until it is. While the database cannot be
    read, the pages stay as they are (filing says calmly that it could not save)."""
    if current_app.extensions.get(SITE_OPEN_KEY):
        return True
    try:
        found = keys.current(db.session()) is not None
    except SQLAlchemyError:
        with contextlib.suppress(SQLAlchemyError):
            db.session().rollback()
        return True
    current_app.extensions[SITE_OPEN_KEY] = found
    return found


@bp.get("/")
def home() -> str:
    return render_template("participant/home.html", site_open=site_open())


def _file_form() -> FileForm:
    return FileForm(agencies=_site().agencies)


def receipt_holder() -> str:
    """This session's receipt secret, made with the first form it draws (so that a retry
    after a lost response, which brings no new cookie, still has it)."""
    return session.setdefault(HOLDER_SESSION_KEY, receipts.new_holder())


def render_receipt(filed: complaints.Filed, form_token: str) -> str:
    """The receipt: the code, what arrived, and "Done" (or the advocate's hand-over)."""
    _remember_receipt(form_token)
    code = claimcodes.parse(filed.code)
    if assist.signed_in_advocate(db.session(), clock.now()) is not None:
        template = "participant/handover.html"
    else:
        template = "participant/filed.html"
    return render_template(
        template,
        code=code,
        urgent=filed.urgent,
        files=filed.files,
        form_token=form_token,
        spelled=assist.spelled,
    )


def _render_file_form(
    form: FileForm, status: int = 200, problem: str | None = None
) -> tuple[str, int]:
    receipt_holder()
    if not form.form_token.data:
        form.form_token.data = receipts.new_token()
    return render_template("participant/file.html", form=form, problem=problem), status


def _needs_consent() -> bool:
    """An advocate signed in here must do the consent step with the person first."""
    advocate = assist.signed_in_advocate(db.session(), clock.now())
    g.advocate = advocate
    return advocate is not None and not assist.consent_given()


def _advocate_id() -> int | None:
    if "advocate" not in g:
        g.advocate = assist.signed_in_advocate(db.session(), clock.now())
    return g.advocate.id if g.advocate is not None else None


def _filer_key() -> str:
    """A signed-in advocate's filings count against the advocate's account; anyone else's
    against the connection (a drop-in centre's one Wi-Fi is one connection)."""
    advocate = _advocate_id()
    return client_key() if advocate is None else named_key("advocate", advocate)


def _filing_limit() -> str:
    config = _cfg()
    return (
        config.file_limit_per_client if _advocate_id() is None else config.file_limit_per_advocate
    )


def _filing_counts() -> bool:
    """A filing counts when a complaint was stored, and so does every post that carries
    files, whatever became of it: receiving files is work even when the text is refused."""
    return bool(g.get("complaint_stored")) or any(
        upload.filename for _name, upload in request.files.items(multi=True)
    )


@bp.get("/file")
def file_form() -> ResponseReturnValue:
    if _needs_consent():
        return redirect(url_for("review.assist"), code=303)
    if not site_open():
        # Say so before anyone types, rather than after they press Send.
        return render_template("participant/not_open.html"), 503
    receipt_holder()

    def render(form_token: str) -> str:
        form = _file_form()
        form.form_token.data = form_token
        return _render_file_form(form)[0]

    return blankform.page(render)


def _too_many_filings(_limit: RequestLimit) -> Response:
    """Over the filing limit: say so calmly and give back everything the person typed."""
    form = _file_form()
    form.validate()
    for field in form:
        field.errors = []
    if _advocate_id() is not None:
        problem = _(
            "You sent a lot of complaints in a short time, so we paused for a while. The "
            "words are still below. Please try again in an hour."
        )
    else:
        problem = _(
            "A lot of complaints came from this connection in a short time, so we paused "
            "for a while. Your words are still below. Please try again in an hour."
        )
    body, _status = _render_file_form(form, problem=problem)
    return Response(body, status=429)


@bp.post("/file")
@limiter.limit(_filing_limit, key_func=_filer_key, on_breach=_too_many_filings)
@counted_only_when(_filing_counts)
def file_submit() -> ResponseReturnValue:
    if _needs_consent():
        return redirect(url_for("review.assist"), code=303)
    # The language button: the same form, with what was typed, in the new language. (Switch
    # first: the form's labels are made in the language of the moment.)
    switching = languages.switch_requested()
    form = _file_form()
    if switching:
        if any(f and f.filename for f in (form.files.data or [])):
            # A browser never fills a file box in again: say so. (Unchecked, the field's
            # errors are still WTForms' empty tuple.)
            form.files.errors = [
                _("Please choose the files again; everything else you wrote is kept.")
            ]
        return _render_file_form(form)
    if not form.validate():
        return _render_file_form(form, problem=_("Please look at the boxes marked below."))
    if not form.form_token.data:
        form.form_token.data = receipts.new_token()
    values = complaints.NewComplaint(
        narrative=form.narrative.data,
        kind=blank_to_none(form.kind.data),
        actor_kind=blank_to_none(form.actor_kind.data),
        agency=blank_to_none(form.agency.data),
        officer=blank_to_none(form.officer.data),
        when_text=blank_to_none(form.when_text.data),
        where_text=blank_to_none(form.where_text.data),
        wants=blank_to_none(form.wants.data),
        safe_now=blank_to_none(form.safe_now.data),
        assisted_by=blank_to_none(form.assisted_by.data),
        pseudonym=blank_to_none(form.pseudonym.data),
        keep_away=blank_to_none(form.keep_away.data),
        lost_code_note=blank_to_none(form.lost_code_note.data),
        language=str(get_locale() or "en"),
        race=blank_to_none(form.race.data),
        gender=blank_to_none(form.gender.data),
        age_band=blank_to_none(form.age_band.data),
        filed_by_member=assist.case_worker_here(db.session(), clock.now()),
    )
    try:
        filing = casework_filing.file(
            db.session(),
            _hasher(),
            values,
            advocate=g.advocate,
            form_token=form.form_token.data,
            holder=receipt_holder(),
            now=clock.now(),
            files=_chosen_files(form),
        )
    except complaints.CodeInText as found:
        return _code_in_text(form, found.field)
    except attachments.FileRefused as refused:
        form.files.errors.append(_file_problem(refused.reason))
        return _render_file_form(form, problem=_("Please look at the boxes marked below."))
    except complaints.AlreadyFiled:
        return render_template("participant/already_filed.html")
    except keys.KeysNotReady:
        # No board key yet: nothing could be stored so that only the board can read it.
        return _render_file_form(
            form,
            status=503,
            problem=_(
                "This site is not open for complaints yet. Nothing was sent. Your words are "
                "still below. Please try again later."
            ),
        )
    except SQLAlchemyError:
        current_app.logger.exception("could not store a complaint")
        return _render_file_form(
            form,
            status=503,
            problem=_(
                "We could not save this just now. Nothing was sent. Your words are still below. "
                "Please try again in a minute."
            ),
        )
    g.complaint_stored = not filing.filed.repeated
    if filing.notice is not None:
        notify.tell_board(db.session(), filing.notice, filing.filed.complaint_id)
    if g.advocate is not None:
        assist.used_consent()
    return render_receipt(filing.filed, form.form_token.data)


def _code_in_text(form: FileForm, field: str) -> tuple[str, int]:
    getattr(form, field).errors.append(
        _(
            "This looks like a claim code. Please take it out: anyone who reads it could "
            "open that complaint. If this is about an earlier complaint, say so in words."
        )
    )
    return _render_file_form(form, problem=_("Please look at the boxes marked below."))


# Flask-WTF's words for a token that was right but is too old. Any other failure means this
# browser's session is not the one the form came from: it was ended (Leave, quick exit,
# "Finish and clear", kiosk idle) or never existed.
EXPIRED = "The CSRF token has expired."


def _chosen_files(form: FileForm) -> list[bytes]:
    """The chosen files' bytes; one byte over the limit is enough to refuse a file. Past the
    most that can be sent, the rest are not read (casework.filing refuses them all)."""
    chosen = [f for f in (form.files.data or []) if f and f.filename]
    return [
        f.read(attachments.MAX_BYTES + 1) if i < attachments.MAX_FILES else b""
        for i, f in enumerate(chosen)
    ]


def _file_problem(reason: str) -> str:
    problems = {
        "too_many": _("Please choose 3 files at most."),
        "too_big": _("One file is too big. Please choose files of 8 MB or less."),
        "type": _(
            "We can take photos (JPEG, PNG, WebP, HEIC) and PDFs. Please choose one of those."
        ),
        "unreadable": _("We could not open one of the photos. Please try another."),
        "pdf": _("We could not safely clean one of the PDFs. Please send a photo of it instead."),
        **attachments.PROBLEMS,
    }
    again = _("Please choose the files again; everything else you wrote is kept.")
    return f"{problems.get(reason, problems['unreadable'])} {again}"


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> ResponseReturnValue:
    """A form that sat open too long: keep what the person typed and let them send again.

    Only when the session is the same one the form came from. A form replayed after the
    session ended (Back and "resend" on a shared phone) gets a blank form: echoing its text,
    or repeating its claim code, would show one person's complaint to the next.
    """
    if request.endpoint == "participant.file_submit" and error.description == EXPIRED:
        switching = languages.switch_requested()
        form = _file_form()
        form.validate()  # fills .data from the post; errors are cleared below
        for field in form:
            field.errors = []
        if switching:
            return _render_file_form(form)
        return _render_file_form(
            form,
            status=400,
            problem=_(
                "This page was open for a long time, so we need you to press Send once more. "
                "We kept what you wrote."
            ),
        )
    if request.endpoint == "participant.file_submit" and _receipt_ended(
        request.form.get("form_token", "")
    ):
        # Sent again after "Done" ended the receipt and the session: say so, with no code.
        # (After the quick exit or Leave, the blank form below says nothing of a complaint.)
        return render_template("participant/already_filed.html")
    if request.endpoint == "participant.file_submit":
        return _render_file_form(
            _file_form_blank(),
            status=400,
            problem=_("This form was closed. If you want to make a complaint, please start here."),
        )
    return render_template("errors/expired.html"), 400


def _receipt_ended(form_token: str) -> bool:
    return bool(form_token) and complaints.receipt_ended(db.session(), form_token[:100])


def _file_form_blank() -> FileForm:
    return FileForm(agencies=_site().agencies, formdata=None)


# Which receipts this browser session was shown, so that Leave and the quick exit, which come
# from any page and carry no form token, end them on the server as "Done" does. Only the
# receipts' lookup hashes are kept: they cannot unseal a code.
RECEIPTS_SESSION_KEY = "receipts"
RECEIPTS_KEPT = 5


def _remember_receipt(form_token: str) -> None:
    seen = session.get(RECEIPTS_SESSION_KEY, [])
    token_hash = receipts.token_hash(form_token).hex()
    if token_hash not in seen:
        session[RECEIPTS_SESSION_KEY] = [*seen, token_hash][-RECEIPTS_KEPT:]
