"""The board's reports: the review packet for a period, pattern alerts, and what the board
publishes about a decided case ("You said, we did")."""

from __future__ import annotations

from flask import Response, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import clock, db, sitesettings
from portal.board.accounts import CASE_ROLES, Role
from portal.casework import patterns, publication
from portal.choices import STATUS_SHORT
from portal.db import write_transaction
from portal.figures import opendata
from portal.figures import packet as packets
from portal.figures.periods import LAST_12_MONTHS
from portal.figures.public import figure_context, published
from portal.models import Complaint
from portal.security import audit, auditlog
from review.caseforms import ProgramResponseForm, PublicationForm
from review.casepage import act, case_key, case_workers
from review.gate import access, bp

board_only = access(*CASE_ROLES)


def _record(action: str, **detail: object) -> None:
    database = db.session()
    with write_transaction(database):
        audit.record(database, action, account_id=g.account.id, now=clock.now(), **detail)


@bp.get("/packet")
@board_only
def packet() -> ResponseReturnValue:
    return redirect(url_for("review.packet_page", period=LAST_12_MONTHS), code=303)


@bp.get("/packet/<period>")
@board_only
def packet_page(period: str) -> ResponseReturnValue:
    figures = published(period)
    chosen = packets.cases(db.session(), g.account, figures.period)
    _record("report.packet", object_type="period", object_id=figures.period.key)
    return render_template(
        "review/packet.html",
        chosen=chosen,
        # A printed packet keeps a copy of the audit log's head outside the database.
        audit_head=auditlog.head(db.session()),
        **figure_context(figures),
    )


@bp.get("/packet/<period>.csv")
@board_only
def packet_csv(period: str) -> Response:
    figures = published(period)
    chosen = packets.cases(db.session(), g.account, figures.period)
    _record("report.packet_csv", object_type="period", object_id=figures.period.key)
    records = [*opendata.rows(figures), *packets.rows(figures.period.key, chosen)]
    return Response(
        opendata.to_csv(records),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="packet-{figures.period.key}.csv"'},
    )


@bp.get("/alerts")
@board_only
def alerts() -> ResponseReturnValue:
    threshold = sitesettings.current().pattern_threshold
    found = patterns.alerts(db.session(), g.account, threshold)
    _record("report.alerts", shown=len(found))
    return render_template(
        "review/alerts.html", alerts=found, threshold=threshold, status_short=STATUS_SHORT
    )


@bp.post("/cases/<locator>/publication")
@case_workers
def set_publication(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: PublicationForm) -> None:
        publication.set_publication(
            db.session(),
            g.account,
            complaint,
            summary=form.public_summary.data,
            in_packet=bool(form.in_packet.data),
            now=clock.now(),
            data_key=case_key(complaint),
        )

    return act(locator, "publication_form", PublicationForm, do, _("Saved for publication."))


@bp.post("/cases/<locator>/program-response")
@access(Role.ADMIN, refusal=404)
def set_program_response(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: ProgramResponseForm) -> None:
        publication.set_program_response(
            db.session(),
            g.account,
            complaint,
            form.program_response.data,
            clock.now(),
            case_key(complaint),
        )

    return act(
        locator,
        "program_response_form",
        ProgramResponseForm,
        do,
        _("Saved. It is published beside the board's summary."),
    )
