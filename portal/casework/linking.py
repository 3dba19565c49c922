"""The board's side of links between a new complaint and an earlier one whose code was lost.

One board member proposes a link and a *different* one approves it; only then is the person
asked, on the new case's page. Each member must be allowed to see both cases, and neither may
be a member who was signed in on the browser either complaint was filed from
(`Complaint.filed_by_member`), so nobody can link a complaint of their own to someone else's.
What a confirmed link then shows the person, and when it ends, is `portal.casework.linkrule`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.casework.cases import CaseActionError, record
from portal.casework.linkrule import (
    ASKED,
    CONFIRMED,
    DECLINED,
    ENDED,
    PROPOSED,
    in_force,
    new_link_keys,
    stands,
)
from portal.casework.visibility import may_see
from portal.db import write_transaction
from portal.models import Account, CaseLink, Complaint
from portal.security import keys, sealing

OWN_FILING = _l(
    "You were signed in on the browser one of these complaints was sent from, so you cannot "
    "propose or approve this link. Please ask another board member."
)
NO_EARLIER = _l("There is no earlier case with that reference.")


@dataclasses.dataclass(frozen=True)
class BoardLink:
    """A link as a board member sees it on one of the two cases' pages."""

    id: int
    other: str | None  # the other case's reference, None if this member may not see it
    this_is_new: bool
    state: str  # one of portal.casework.linkrule's states, or ENDED
    proposed_by: int | None
    approved_by: int | None
    may_approve: bool


# --- who may act ----------------------------------------------------------------------


def _filed_by(account: Account, keyring: keys.Keyring, *complaints: Complaint) -> bool:
    """The member was signed in on the browser one of these complaints was filed from.
    (Raises `sealing.TextLocked` for a member without the board's key.)"""
    return any(
        sealing.unlock(sealing.key_for_board(c, keyring), c.filed_by_member, sealing.FILED_BY)
        == str(account.id)
        for c in complaints
    )


def _may_act(
    db: Session, account: Account, keyring: keys.Keyring, new: Complaint, earlier: Complaint
) -> bool:
    if not (may_see(db, account, new) and may_see(db, account, earlier)):
        return False
    try:
        return not _filed_by(account, keyring, new, earlier)
    except sealing.TextLocked:
        return False


def _state(db: Session, link: CaseLink) -> str:
    if link.state in (ASKED, CONFIRMED) and not in_force(db, link):
        return ENDED
    return link.state


# --- the board ---------------------------------------------------------------------------


def propose(
    db: Session,
    account: Account,
    complaint: Complaint,
    earlier_locator: str,
    now: dt.datetime,
    keyring: keys.Keyring,
) -> None:
    """Suggest that this complaint is about an earlier one whose code was lost. A second
    board member must approve it before the person is asked."""
    earlier = db.scalar(
        select(Complaint).where(Complaint.locator == earlier_locator.strip().upper()[:4])
    )
    if earlier is None or earlier.id == complaint.id or not may_see(db, account, earlier):
        raise CaseActionError(NO_EARLIER)
    if _filed_by(account, keyring, complaint, earlier):
        raise CaseActionError(OWN_FILING)
    for link in db.scalars(
        select(CaseLink).where(
            CaseLink.new_id == complaint.id,
            CaseLink.earlier_id == earlier.id,
            CaseLink.state.in_((PROPOSED, ASKED, CONFIRMED)),
        )
    ):
        if _state(db, link) != ENDED:
            raise CaseActionError(_l("This link is already proposed."))
    # The link's own key, made now while the board's key is at hand (portal.casework.linkrule).
    link_key_new, link_key_board = new_link_keys(
        sealing.key_for_board(complaint, keyring), sealing.key_for_board(earlier, keyring)
    )
    with write_transaction(db):
        db.add(
            CaseLink(
                new_id=complaint.id,
                earlier_id=earlier.id,
                link_key_new=link_key_new,
                link_key_board=link_key_board,
                state=PROPOSED,
                proposed_by=account.id,
                proposed_on=now.date(),
            )
        )
        record(db, "case.link_propose", account, complaint, now, earlier=earlier.locator)


def _waiting(db: Session, complaint: Complaint, link_id: int) -> tuple[CaseLink, Complaint]:
    link = db.get(CaseLink, link_id)
    if link is None or link.new_id != complaint.id or link.state != PROPOSED:
        raise CaseActionError(_l("This link is not waiting for approval."))
    earlier = db.get(Complaint, link.earlier_id)
    if earlier is None:
        raise CaseActionError(NO_EARLIER)
    return link, earlier


def approve(
    db: Session,
    account: Account,
    complaint: Complaint,
    link_id: int,
    now: dt.datetime,
    keyring: keys.Keyring,
) -> None:
    """The second board member's approval; then the person is asked."""
    link, earlier = _waiting(db, complaint, link_id)
    if account.id == link.proposed_by:
        raise CaseActionError(_l("A second board member must approve a link you proposed."))
    if not may_see(db, account, earlier):
        raise CaseActionError(NO_EARLIER)
    if _filed_by(account, keyring, complaint, earlier):
        raise CaseActionError(OWN_FILING)
    if not stands(db, link.proposed_by, link):
        raise CaseActionError(
            _l("The member who proposed this link can no longer act on these cases.")
        )
    with write_transaction(db):
        link.state, link.approved_by, link.approved_on = ASKED, account.id, now.date()
        record(db, "case.link_approve", account, complaint, now, earlier=earlier.locator)


def decline(
    db: Session, account: Account, complaint: Complaint, link_id: int, now: dt.datetime
) -> None:
    """Turn a proposed link down (the proposer may take theirs back, too)."""
    link, earlier = _waiting(db, complaint, link_id)
    if not may_see(db, account, earlier):
        raise CaseActionError(NO_EARLIER)
    with write_transaction(db):
        link.state, link.decided_on = DECLINED, now.date()
        record(db, "case.link_decline", account, complaint, now, earlier=earlier.locator)


def for_board(
    db: Session, account: Account, complaint: Complaint, keyring: keys.Keyring
) -> list[BoardLink]:
    """The links to or from this case, for its page on the review side."""
    found = []
    for link in db.scalars(
        select(CaseLink)
        .where(or_(CaseLink.new_id == complaint.id, CaseLink.earlier_id == complaint.id))
        .order_by(CaseLink.id)
    ):
        this_is_new = link.new_id == complaint.id
        other = db.get(Complaint, link.earlier_id if this_is_new else link.new_id)
        visible = other is not None and may_see(db, account, other)
        state = _state(db, link)
        new, earlier = (complaint, other) if this_is_new else (other, complaint)
        found.append(
            BoardLink(
                id=link.id,
                other=other.locator if visible and other is not None else None,
                this_is_new=this_is_new,
                state=state,
                proposed_by=link.proposed_by,
                approved_by=link.approved_by,
                may_approve=(
                    state == PROPOSED
                    and this_is_new
                    and account.id != link.proposed_by
                    and new is not None
                    and earlier is not None
                    and _may_act(db, account, keyring, new, earlier)
                ),
            )
        )
    return found
