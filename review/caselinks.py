"""Linking a new complaint to an earlier one whose code was lost: one member proposes, a
second approves, and then the person is asked (portal.casework.linking)."""

from __future__ import annotations

from flask import g
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal import clock, db
from portal.casework import linking
from portal.models import Complaint
from review.caseforms import LinkForm
from review.casepage import act, case_workers
from review.forms import EmptyForm
from review.gate import bp


@bp.post("/cases/<locator>/link")
@case_workers
def propose_link(locator: str) -> ResponseReturnValue:
    def do(complaint: Complaint, form: LinkForm) -> None:
        linking.propose(
            db.session(), g.account, complaint, form.earlier.data, clock.now(), g.keyring
        )

    return act(
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

    return act(
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

    return act(locator, "button", EmptyForm, do, _("The link was turned down."))
