"""The hand-off page: prepare what goes with an agreed referral, and download it as one PDF
once the person has said yes to it (`portal.casework.handoff` holds the rules).

Only members who may open the case and hold the board key get here: `case_workers` and
`load_case` answer 404 to anyone else, and a member without the key is sent back to the case
page with the usual note.
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal import clock, db
from portal.casework import handoff, handoffpdf, news
from portal.choices import REFERRAL_LABELS
from portal.errors import PersonFacingError
from portal.models import Complaint
from portal.security import sealing
from review.casepage import LOCKED, case_key, case_workers, load_case
from review.forms import EmptyForm
from review.gate import bp
from review.handoffforms import HandoffForm


def _locked(complaint: Complaint) -> ResponseReturnValue:
    flash(LOCKED)
    return redirect(url_for("review.case_page", locator=complaint.locator), code=303)


def _page(
    complaint: Complaint, referral_id: int, form: HandoffForm | None = None, status: int = 200
) -> ResponseReturnValue:
    database = db.session()
    data_key = case_key(complaint)
    referral, row = handoff.for_referral(database, complaint, referral_id)
    draft = handoff.read(row, data_key) if row else None
    if form is None:
        form = HandoffForm(
            data={
                "text": draft.text if draft else handoff.starting_words(complaint, data_key),
                "recipient": draft.recipient if draft else "",
                "files": [str(f) for f in draft.files] if draft else [],
            }
        )
    return render_template(
        "review/handoff.html",
        complaint=complaint,
        referral=referral,
        handoff=row,
        agreed=bool(row) and handoff.consent_holds(row, referral, data_key),
        body=REFERRAL_LABELS[referral.body],
        files=_named(handoff.case_files(database, complaint.id)),
        chosen={str(f) for f in (form.files.data or [])},
        form=form,
        button=EmptyForm(),
    ), status


def _named(files: list) -> list[tuple[object, str]]:
    """Each file with a name for the board: "Photo 1", "Photo 2", "PDF 1"."""
    counts = {"photo": 0, "pdf": 0}
    named = []
    for file in files:
        kind = "pdf" if file.media_type == handoff.PDF else "photo"
        counts[kind] += 1
        label = (
            _("PDF %(n)d", n=counts[kind]) if kind == "pdf" else _("Photo %(n)d", n=counts[kind])
        )
        named.append((file, label))
    return named


@bp.get("/cases/<locator>/referrals/<int:referral_id>/handoff")
@case_workers
def handoff_page(locator: str, referral_id: int) -> ResponseReturnValue:
    complaint = load_case(locator)
    try:
        return _page(complaint, referral_id)
    except sealing.TextLocked:
        return _locked(complaint)
    except PersonFacingError as problem:
        flash(problem.message)
        return redirect(url_for("review.case_page", locator=complaint.locator), code=303)


@bp.post("/cases/<locator>/referrals/<int:referral_id>/handoff/save")
@case_workers
def prepare_handoff(locator: str, referral_id: int) -> ResponseReturnValue:
    complaint = load_case(locator)
    form = HandoffForm()
    try:
        if form.validate_on_submit():
            try:
                handoff.prepare(
                    db.session(),
                    g.account,
                    complaint,
                    referral_id,
                    text=form.text.data,
                    recipient=form.recipient.data,
                    files=form.files.data or [],
                    now=clock.now(),
                    data_key=case_key(complaint),
                )
                # Something to say yes or no to: news for a person who asked to be told.
                news.tell(db.session(), complaint.id, case_key(complaint))
            except PersonFacingError as problem:
                form.text.errors = [*form.text.errors, problem.message]
            else:
                flash(_("Saved. The person will be asked. Nothing is sent unless they say yes."))
                return redirect(
                    url_for("review.handoff_page", locator=locator, referral_id=referral_id),
                    code=303,
                )
        return _page(complaint, referral_id, form, 400)
    except sealing.TextLocked:
        return _locked(complaint)
    except PersonFacingError as problem:
        flash(problem.message)
        return redirect(url_for("review.case_page", locator=complaint.locator), code=303)


def _pdf_lines(download: handoff.Download) -> tuple[str, list[tuple[bool, str]]]:
    """The PDF's own words, in the member's language. No date, no reference, no names of ours."""
    files = handoff.Files(
        photos=sum(kind != handoff.PDF for kind, _data in download.files),
        pdfs=sum(kind == handoff.PDF for kind, _data in download.files),
    )
    to = str(REFERRAL_LABELS[download.body])
    if download.draft.recipient:
        to = f"{to}: {download.draft.recipient}"
    lines: list[tuple[bool, str]] = []

    def add(text: str, bold: bool = False) -> None:
        lines.extend((bold, line) for line in handoffpdf.wrap(text))

    add(_("To: %(body)s", body=to), bold=True)
    add("")
    add(
        _(
            "The person who made this complaint agreed to pass on exactly what follows. "
            "We do not know their name."
        )
    )
    add("")
    add(_("What they told us"), bold=True)
    add("")
    add(download.draft.text)
    if download.files:
        add("")
        add(_("Files, on the pages that follow: %(files)s", files=describe(files)), bold=True)
    return _("A complaint passed on by the community review board"), lines


def describe(files: handoff.Files) -> str:
    """ "2 photos, 1 PDF", in the reader's language."""
    parts = []
    if files.photos:
        parts.append(ngettext("%(num)d photo", "%(num)d photos", files.photos))
    if files.pdfs:
        parts.append(ngettext("%(num)d PDF", "%(num)d PDFs", files.pdfs))
    return ", ".join(parts)


@bp.post("/cases/<locator>/referrals/<int:referral_id>/handoff/pdf")
@case_workers
def handoff_pdf(locator: str, referral_id: int) -> ResponseReturnValue:
    complaint = load_case(locator)
    back = redirect(
        url_for("review.handoff_page", locator=locator, referral_id=referral_id), code=303
    )
    if not EmptyForm().validate_on_submit():
        flash(_("Please try again: the page was out of date."))
        return back
    try:
        download = handoff.release(
            db.session(),
            g.account,
            complaint,
            referral_id,
            clock.now(),
            case_key(complaint),
            db.database().sessions,
        )
    except sealing.TextLocked:
        return _locked(complaint)
    except PersonFacingError as problem:
        flash(problem.message)
        return back
    news.tell(db.session(), complaint.id, case_key(complaint))
    title, lines = _pdf_lines(download)
    data = handoffpdf.build(title, lines, download.files)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="referral.pdf"',
            "Cache-Control": "no-store",
        },
    )
