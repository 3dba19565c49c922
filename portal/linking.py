"""Links between a new complaint and an earlier one whose code the person lost.

A link is never a way to read someone else's complaint. The rules, all here:

- One board member proposes a link and a *different* one approves it. Each must be allowed to
  see both cases, and neither may be a member who was signed in on the browser either
  complaint was filed from (`Complaint.filed_by_member`).
- Then the person confirms it on the new case's page, with their new code.
- A link is in force only while both members are active admins or reviewers who have not
  stepped away (or been kept away) from either case. Disable one, and it shows nothing more.
- What the new code then sees of the earlier case is `what_the_new_code_sees`, and nothing
  else: that the case exists, its reference, where it stands now, and what the board writes
  on it *after* the person said yes (status changes with their reasons, which carry the
  board's letter, and messages from the board). Never the earlier complaint's words, its
  files, messages from whoever holds its code, or anything written before the link.

"After the link": a row of the earlier case counts only when its id is above the newest id
for that case when the person said yes (`message_mark`, `status_mark`) AND its time, kept to
the hour, is not before the hour they said yes. Ids are handed out in order today; the time
condition is a second lock, so a row from an earlier hour never shows even if ids someday
are not. Only rows the board writes are ever shown, so the person's own rows never need it.

The new code reaches the earlier case's key through `CaseLink.earlier_dk_sealed` (sealed
under the new case's key), needed to read what the board writes later; it is used only here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal import audit, crypto, keys, sealing
from portal.accounts import Role
from portal.cases import CASE_ROLES, CaseActionError, may_see
from portal.clock import hour_floor
from portal.db import write_transaction
from portal.models import Account, CaseLink, Complaint, Message, Recusal, StatusChange
from portal.models.casework import TO_COMPLAINANT

# Where a link stands. proposed -> declined | asked -> confirmed | refused.
PROPOSED = "proposed"  # waiting for a second board member
ASKED = "asked"  # approved; waiting for the person's answer
CONFIRMED = "confirmed"  # the person said yes
REFUSED = "refused"  # the person said no
DECLINED = "declined"  # the second board member turned it down
# Not stored: a confirmed or asked link whose members no longer stand.
ENDED = "ended"

OWN_FILING = _l(
    "You were signed in on the browser one of these complaints was sent from, so you cannot "
    "propose or approve this link. Please ask another board member."
)
NO_EARLIER = _l("There is no earlier case with that reference.")


class NotAsked(ValueError):
    """The person answered a link that is not waiting for them (answered, or ended)."""


@dataclasses.dataclass(frozen=True)
class LaterItem:
    """Something the board wrote on the earlier case after the link."""

    at: dt.datetime
    kind: str  # "status" or "from_board"
    text: str | None
    status: str | None = None


@dataclasses.dataclass(frozen=True)
class LinkedCase:
    """All a new code may see of an earlier case."""

    locator: str
    status: str
    later: tuple[LaterItem, ...]


@dataclasses.dataclass(frozen=True)
class BoardLink:
    """A link as a board member sees it on one of the two cases' pages."""

    id: int
    other: str | None  # the other case's reference, None if this member may not see it
    this_is_new: bool
    state: str  # one of the states above, or ENDED
    proposed_by: int | None
    approved_by: int | None
    may_approve: bool


# --- who may act, and whether a link still stands ----------------------------------------


def _stands(db: Session, account_id: int | None, link: CaseLink) -> bool:
    """The member is an active admin or reviewer who has not left either case."""
    if account_id is None:
        return False
    account = db.get(Account, account_id)
    if account is None or account.disabled or Role(account.role) not in CASE_ROLES:
        return False
    left = db.scalar(
        select(Recusal.id).where(
            Recusal.account_id == account_id,
            Recusal.complaint_id.in_((link.new_id, link.earlier_id)),
        )
    )
    return left is None


def in_force(db: Session, link: CaseLink) -> bool:
    """Both board members behind the link still stand; otherwise it grants nothing."""
    return (
        link.approved_by is not None
        and link.approved_by != link.proposed_by
        and _stands(db, link.proposed_by, link)
        and _stands(db, link.approved_by, link)
    )


def _filed_by(account: Account, *complaints: Complaint) -> bool:
    return any(c.filed_by_member == account.id for c in complaints)


def _may_act(db: Session, account: Account, new: Complaint, earlier: Complaint) -> bool:
    return (
        may_see(db, account, new)
        and may_see(db, account, earlier)
        and not _filed_by(account, new, earlier)
    )


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
    if _filed_by(account, complaint, earlier):
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
    # Sealed now, while a board key is at hand; read only through what_the_new_code_sees.
    earlier_key_sealed = crypto.encrypt(
        sealing.key_for_board(complaint, keyring),
        sealing.key_for_board(earlier, keyring),
        sealing.EARLIER_KEY,
    )
    with write_transaction(db):
        db.add(
            CaseLink(
                new_id=complaint.id,
                earlier_id=earlier.id,
                earlier_dk_sealed=earlier_key_sealed,
                state=PROPOSED,
                proposed_by=account.id,
                proposed_on=now.date(),
            )
        )
        _record_board(db, "case.link_propose", account, complaint, now, earlier=earlier.locator)


def _waiting(db: Session, complaint: Complaint, link_id: int) -> tuple[CaseLink, Complaint]:
    link = db.get(CaseLink, link_id)
    if link is None or link.new_id != complaint.id or link.state != PROPOSED:
        raise CaseActionError(_l("This link is not waiting for approval."))
    earlier = db.get(Complaint, link.earlier_id)
    if earlier is None:
        raise CaseActionError(NO_EARLIER)
    return link, earlier


def approve(
    db: Session, account: Account, complaint: Complaint, link_id: int, now: dt.datetime
) -> None:
    """The second board member's approval; then the person is asked."""
    link, earlier = _waiting(db, complaint, link_id)
    if account.id == link.proposed_by:
        raise CaseActionError(_l("A second board member must approve a link you proposed."))
    if _filed_by(account, complaint, earlier):
        raise CaseActionError(OWN_FILING)
    if not may_see(db, account, earlier):
        raise CaseActionError(NO_EARLIER)
    if not _stands(db, link.proposed_by, link):
        raise CaseActionError(
            _l("The member who proposed this link can no longer act on these cases.")
        )
    with write_transaction(db):
        link.state, link.approved_by, link.approved_on = ASKED, account.id, now.date()
        _record_board(db, "case.link_approve", account, complaint, now, earlier=earlier.locator)


def decline(
    db: Session, account: Account, complaint: Complaint, link_id: int, now: dt.datetime
) -> None:
    """Turn a proposed link down (the proposer may take theirs back, too)."""
    link, earlier = _waiting(db, complaint, link_id)
    if not may_see(db, account, earlier):
        raise CaseActionError(NO_EARLIER)
    with write_transaction(db):
        link.state, link.decided_on = DECLINED, now.date()
        _record_board(db, "case.link_decline", account, complaint, now, earlier=earlier.locator)


def for_board(db: Session, account: Account, complaint: Complaint) -> list[BoardLink]:
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
                    and _may_act(db, account, new, earlier)
                ),
            )
        )
    return found


def _record_board(
    db: Session, action: str, account: Account, complaint: Complaint, now: dt.datetime, **detail
) -> None:
    audit.record(
        db,
        action,
        account_id=account.id,
        now=now,
        object_type="complaint",
        object_id=complaint.locator,
        **detail,
    )


# --- the person --------------------------------------------------------------------------


def waiting_for_person(db: Session, complaint_id: int) -> list[CaseLink]:
    """Links the board approved that the person has not answered yet."""
    return [
        link
        for link in db.scalars(
            select(CaseLink)
            .where(CaseLink.new_id == complaint_id, CaseLink.state == ASKED)
            .order_by(CaseLink.id)
        )
        if in_force(db, link)
    ]


def answer(db: Session, complaint: Complaint, link_id: int, agree: bool, now: dt.datetime) -> None:
    """The person's answer, given with their new code. On yes, the marks are taken that
    decide what counts as written after the link."""
    with write_transaction(db):
        link = db.get(CaseLink, link_id)
        if (
            link is None
            or link.new_id != complaint.id
            or link.state != ASKED
            or not in_force(db, link)
        ):
            raise NotAsked
        link.state = CONFIRMED if agree else REFUSED
        link.decided_on = now.date()
        if agree:
            link.confirmed_at = hour_floor(now)
            link.message_mark = db.scalar(
                select(func.coalesce(func.max(Message.id), 0)).where(
                    Message.complaint_id == link.earlier_id
                )
            )
            link.status_mark = db.scalar(
                select(func.coalesce(func.max(StatusChange.id), 0)).where(
                    StatusChange.complaint_id == link.earlier_id
                )
            )
            earlier = db.get(Complaint, link.earlier_id)
            if earlier is not None and complaint.held_for_chair:
                earlier.held_for_chair = True  # whoever is kept from one is kept from both
        # The hour only, and no reference (as for every complainant action).
        audit.record(
            db, "complainant.link_answer", account_id=None, now=hour_floor(now), agree=agree
        )


def what_the_new_code_sees(db: Session, complaint_id: int, data_key: bytes) -> list[LinkedCase]:
    """Everything a new code may ever see of the earlier cases linked to it (see the module
    note): their reference and status, and what the board wrote on them after the link."""
    seen = []
    for link in db.scalars(
        select(CaseLink)
        .where(CaseLink.new_id == complaint_id, CaseLink.state == CONFIRMED)
        .order_by(CaseLink.id)
    ):
        earlier = db.get(Complaint, link.earlier_id)
        if earlier is None or link.confirmed_at is None or not in_force(db, link):
            continue
        seen.append(
            LinkedCase(earlier.locator, earlier.status, _written_after(db, link, earlier, data_key))
        )
    return seen


def _written_after(
    db: Session, link: CaseLink, earlier: Complaint, data_key: bytes
) -> tuple[LaterItem, ...]:
    if earlier.text_deleted or link.earlier_dk_sealed is None:
        return ()
    changes = db.scalars(
        select(StatusChange).where(
            StatusChange.complaint_id == earlier.id,
            StatusChange.id > (link.status_mark or 0),
            StatusChange.at >= link.confirmed_at,
        )
    ).all()
    messages = db.scalars(
        select(Message).where(
            Message.complaint_id == earlier.id,
            Message.direction == TO_COMPLAINANT,
            Message.id > (link.message_mark or 0),
            Message.created_at >= link.confirmed_at,
        )
    ).all()
    if not changes and not messages:
        return ()
    key = crypto.decrypt(data_key, link.earlier_dk_sealed, sealing.EARLIER_KEY)
    items = [
        LaterItem(c.at, "status", sealing.unlock(key, c.reason, sealing.STATUS_REASON), c.to_status)
        for c in changes
    ] + [
        LaterItem(m.created_at, "from_board", sealing.unlock(key, m.body, sealing.MESSAGE))
        for m in messages
    ]
    return tuple(sorted(items, key=lambda item: item.at, reverse=True))
