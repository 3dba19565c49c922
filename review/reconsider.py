"""The board's side of asking again and mediation: a new decision after the person asked
again, and how a mediation ended (the rules are in `portal.casework.reconsideration`).

Only members who may open the case reach these (`load_case` answers 404 otherwise, a member
who stepped away included); each action is audited like the board's other actions."""

from __future__ import annotations

from flask import g
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import clock, db
from portal.casework import news, reconsideration
from portal.models import Complaint
from portal.security import sealing
from review.casepage import act, case_key, case_workers
from review.gate import bp
from review.reconsiderforms import MediationRecordForm, RedecideForm


@bp.post("/cases/<locator>/redecide")
@case_workers
def redecide(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: RedecideForm) -> None:
        data_key = case_key(complaint)
        reconsideration.redecide(
            db.session(),
            g.account,
            complaint,
            disposition=form.disposition.data,
            letter=form.letter.data,
            now=clock.now(),
            data_key=data_key,
        )
        news.tell(db.session(), complaint.id, data_key)  # a new letter is news

    return act(locator, "redecide_form", RedecideForm, do, _("New decision recorded."))


@bp.post("/cases/<locator>/mediation")
@case_workers
def record_mediation(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: MediationRecordForm) -> None:
        reconsideration.record_mediation(
            db.session(),
            g.account,
            complaint,
            held=form.held.data == "yes",
            outcome=form.outcome.data,
            now=clock.now(),
        )
        # How it ended shows on the person's page: news. Without the board key only "news
        # waiting" is kept, for the next member who holds it (portal.casework.news).
        try:
            data_key: bytes | None = case_key(complaint)
        except sealing.TextLocked:
            data_key = None
        news.tell(db.session(), complaint.id, data_key)

    return act(locator, "mediation_record_form", MediationRecordForm, do, _("Mediation recorded."))
