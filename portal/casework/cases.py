"""The board's work on a case: every action taken on it. Who may see a case:
`portal.casework.visibility`; what the case page shows: `portal.casework.caseview`.

Every action writes its audit event in the same transaction as the change. A case an account
may not see raises `CaseNotVisible`, which the views answer with 404, so a refused account
cannot even tell that the case exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.board.accounts import Role
from portal.casework import linkrule, publication, transitions, visibility
from portal.casework.transitions import (
    DECIDE_FROM,
    REFER_FROM,
    TransitionNotAllowed,
    check_board_move,
)
from portal.choices import Disposition, ReferralBody, ReferralState, Status
from portal.clock import hour_floor
from portal.db import write_transaction
from portal.errors import PersonFacingError
from portal.models import (
    Account,
    Complaint,
    Message,
    Note,
    Recusal,
    Referral,
    StatusChange,
)
from portal.models.casework import TO_COMPLAINANT
from portal.security import audit, claimcodes, sealing

TEXT_MAX = 10_000


class CaseNotVisible(LookupError):
    """No such case, or not one this account may see."""


class CaseActionError(PersonFacingError):
    """The action cannot be done as asked; the message is for the board member."""


def load(db: Session, account: Account, locator: str) -> Complaint:
    complaint = db.scalar(select(Complaint).where(Complaint.locator == locator.upper()[:4]))
    if complaint is None or not visibility.may_see(db, account, complaint):
        raise CaseNotVisible
    return complaint


def record(
    db: Session,
    action: str,
    account: Account,
    complaint: Complaint,
    now: dt.datetime,
    **detail: object,
) -> None:
    """The audit event for a board member's action on a case (in the caller's transaction)."""
    audit.record(
        db,
        action,
        account_id=account.id,
        now=now,
        object_type="complaint",
        object_id=complaint.locator,
        **detail,
    )


# --- actions ---------------------------------------------------------------------------


def _clean(text: str | None, _what: str) -> str:
    """`_what` names the text at the call site; the message is the same for all of them."""
    text = (text or "").strip()
    if not text:
        raise CaseActionError(_l("Please write something here."))
    if len(text) > TEXT_MAX:
        raise CaseActionError(_l("Please keep this under %(max)d characters.", max=TEXT_MAX))
    return text


def _touch(complaint: Complaint, now: dt.datetime, answered: bool = False) -> None:
    complaint.updated_on = now.date()
    if answered and complaint.first_response_on is None:
        complaint.first_response_on = now.date()


def _in_their_language(complaint: Complaint, words: object) -> str:
    with force_locale(complaint.language or "en"):
        return str(words)


def _move(
    db: Session,
    account: Account,
    complaint: Complaint,
    target: Status,
    reason: str,
    now: dt.datetime,
    data_key: bytes,
    allowed_from: Collection[Status],
) -> str:
    """Move the status (first, so a lost race writes nothing) and record the change."""
    before = transitions.move(db, complaint, allowed_from, target)
    db.add(
        StatusChange(
            complaint_id=complaint.id,
            from_status=before,
            to_status=target.value,
            reason=sealing.lock(data_key, reason, sealing.STATUS_REASON),
            by_account_id=account.id,
            at=hour_floor(now),
        )
    )
    linkrule.copy_for_links(db, complaint, data_key, linkrule.STATUS, now, reason, target.value)
    _touch(complaint, now, answered=True)
    return before


def assign(
    db: Session, account: Account, complaint: Complaint, to: int | None, now: dt.datetime
) -> None:
    with write_transaction(db):
        if to is not None:
            target = db.get(Account, to)
            if target is None or not visibility.may_see(db, target, complaint):
                raise CaseActionError(_l("That person cannot take this case."))
        complaint.assigned_to = to
        record(db, "case.assign", account, complaint, now, to=to)


def change_status(
    db: Session,
    account: Account,
    complaint: Complaint,
    target: str,
    reason: str,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    """Move along the transitions table, with a reason the complainant will read."""
    reason = _clean(reason, "reason the person will read")
    check_board_move(complaint.status, target)
    with write_transaction(db):
        allowed = transitions.reaching(Status(target))
        before = _move(db, account, complaint, Status(target), reason, now, data_key, allowed)
        record(db, "case.status", account, complaint, now, before=before, after=target)


def add_note(
    db: Session,
    account: Account,
    complaint: Complaint,
    body: str,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    body = _clean(body, "note")
    with write_transaction(db):
        db.add(
            Note(
                complaint_id=complaint.id,
                author_id=account.id,
                body=sealing.lock(data_key, body, sealing.NOTE),
                created_at=now,
            )
        )
        _touch(complaint, now)
        record(db, "case.note", account, complaint, now)


def message_complainant(
    db: Session,
    account: Account,
    complaint: Complaint,
    body: str,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    body = _clean(body, "message")
    if claimcodes.find_in_text(body):
        raise CaseActionError(_l("Messages must not contain a claim code."))
    with write_transaction(db):
        db.add(
            Message(
                complaint_id=complaint.id,
                direction=TO_COMPLAINANT,
                body=sealing.lock(data_key, body, sealing.MESSAGE),
                author_id=account.id,
                created_at=hour_floor(now),
            )
        )
        # A linked new code reads it too, from its own copy (portal.casework.linkrule).
        linkrule.copy_for_links(db, complaint, data_key, linkrule.FROM_BOARD, now, body)
        _touch(complaint, now, answered=True)
        record(db, "case.message", account, complaint, now)


def decide(
    db: Session,
    account: Account,
    complaint: Complaint,
    *,
    disposition: str,
    recommendation: str | None,
    dissent: str | None,
    letter: str,
    now: dt.datetime,
    data_key: bytes,
    public_summary: str | None = None,
) -> None:
    """Record the board's decision and resolve the case; the letter goes to the complainant,
    the optional public summary to the public figures ("You said, we did")."""
    if Status(complaint.status) not in DECIDE_FROM:
        raise TransitionNotAllowed(f"{complaint.status} -> resolved")
    Disposition(disposition)
    letter = _clean(letter, "letter to the person")
    summary = publication.clean(db, complaint, public_summary, publication.SUMMARY_MAX, data_key)
    with write_transaction(db):
        _move(db, account, complaint, Status.RESOLVED, letter, now, data_key, DECIDE_FROM)
        complaint.disposition = disposition
        complaint.public_summary = summary
        sealing.write_fields(
            complaint,
            data_key,
            recommendation=(recommendation or "").strip() or None,
            dissent=(dissent or "").strip() or None,
            outcome_letter=letter,
        )
        complaint.resolved_on = now.date()
        record(db, "case.decide", account, complaint, now, disposition=disposition)


def recuse(db: Session, account: Account, complaint: Complaint, now: dt.datetime) -> None:
    """Declare a conflict: the case leaves this member's queue and answers 404 to them."""
    with write_transaction(db):
        db.add(
            Recusal(complaint_id=complaint.id, account_id=account.id, reason="self", created_at=now)
        )
        if complaint.assigned_to == account.id:
            complaint.assigned_to = None
        record(db, "case.recuse", account, complaint, now)


def keep_away(
    db: Session, chair: Account, complaint: Complaint, account_id: int, now: dt.datetime
) -> None:
    """The chair honours the complainant's wish that a given member not see the case."""
    if Role(chair.role) != Role.ADMIN:
        raise CaseActionError(_l("Only the board chair can do this."))
    if account_id == chair.id:
        raise CaseActionError(_l("To step away yourself, use “Step away from this case” below."))
    with write_transaction(db):
        exists = db.scalar(
            select(Recusal.id).where(
                Recusal.complaint_id == complaint.id, Recusal.account_id == account_id
            )
        )
        if exists is None:
            db.add(
                Recusal(
                    complaint_id=complaint.id,
                    account_id=account_id,
                    reason="complainant",
                    created_at=now,
                )
            )
        if complaint.assigned_to == account_id:
            complaint.assigned_to = None
        record(db, "case.keep_away", chair, complaint, now, member=account_id)


def release(db: Session, chair: Account, complaint: Complaint, now: dt.datetime) -> None:
    """The chair has kept away whoever the person named: the rest of the board may see it."""
    if Role(chair.role) != Role.ADMIN:
        raise CaseActionError(_l("Only the board chair can do this."))
    if not complaint.held_for_chair:
        raise CaseActionError(_l("The rest of the board can already see this case."))
    with write_transaction(db):
        complaint.held_for_chair = False
        record(db, "case.release", chair, complaint, now)


def propose_referral(
    db: Session,
    account: Account,
    complaint: Complaint,
    body: str,
    explanation: str,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    """Ask the complainant whether the case may go to another body. Nothing leaves yet."""
    ReferralBody(body)
    explanation = _clean(explanation, "explanation for the person")
    if Status(complaint.status) not in REFER_FROM:
        raise TransitionNotAllowed(f"{complaint.status} -> referral")
    with write_transaction(db):
        db.add(
            Referral(
                complaint_id=complaint.id,
                body=body,
                explanation=sealing.lock(data_key, explanation, sealing.REFERRAL),
                state=ReferralState.PROPOSED,
                proposed_by=account.id,
                proposed_on=now.date(),
            )
        )
        _touch(complaint, now, answered=True)
        record(db, "case.referral_propose", account, complaint, now, body=body)


def pass_on(
    db: Session,
    account: Account,
    complaint: Complaint,
    referral: Referral,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    """Mark an agreed referral sent and the case referred (in the caller's transaction). Only
    the download of a hand-off the person said yes to does this (portal.casework.handoff): a
    referral is never marked passed on without the person's yes to every word that goes."""
    if referral.state != ReferralState.AGREED:
        raise CaseActionError(_l("The person has not agreed to this referral."))
    referral.state, referral.sent_on = ReferralState.SENT, now.date()
    db.refresh(complaint, attribute_names=["status"])
    if Status(complaint.status) != Status.REFERRED:
        _move(
            db,
            account,
            complaint,
            Status.REFERRED,
            # Written once, in the language the person filed in: the board wrote no words.
            _in_their_language(complaint, _l("Your complaint was passed on, as you agreed.")),
            now,
            data_key,
            # A case the person withdrew is not passed on, whatever they agreed before.
            frozenset(Status) - {Status.REFERRED, Status.WITHDRAWN},
        )
    record(db, "case.referral_sent", account, complaint, now, body=referral.body)
