"""What a new claim code may see of an earlier complaint it is linked to: the rule, in one place.

A new code never opens an earlier complaint's words, files, messages or letters. It may see
that the earlier case exists, its reference, where it stands now, and what the board writes
on it *after* the person confirmed the link: messages to the person, and status changes with
their reasons (a decision's reason is its letter). Messages from whoever holds the earlier
code are never shown.

This is kept by the keys, not only by the pages: the new code holds no key to the earlier
complaint. A link has a key of its own, wrapped under the new case's data key (for the
person) and under the earlier case's (for the board). While a confirmed link is in force,
each message and status change the board writes on the earlier case is also written as a
`LinkCopy` under the link's key (`copy_for_links`, called where the board writes them), and
those copies are all the new code can decrypt. "After the link" is therefore exact: a copy is
made only by a write that sees the person's yes committed, with no time or id comparison.

A link is in force only while both board members behind it (the one who proposed it and a
different one who approved it) are active admins or reviewers who have not stepped away, or
been kept away, from either case. Once it is not, it shows nothing, and nothing more is
copied. The board's side (proposing, approving) is `portal.casework.linking`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.board.accounts import works_cases
from portal.choices import LinkState
from portal.clock import hour_floor
from portal.db import write_transaction
from portal.models import Account, CaseLink, Complaint, LinkCopy, Recusal
from portal.security import audit, crypto, sealing

# Where a link stands (portal.choices.LinkState).
PROPOSED = LinkState.PROPOSED
ASKED = LinkState.ASKED
CONFIRMED = LinkState.CONFIRMED
REFUSED = LinkState.REFUSED
DECLINED = LinkState.DECLINED
ENDED = LinkState.ENDED

STATUS = "status"
FROM_BOARD = "from_board"


class NotAsked(ValueError):
    """The person answered a link that is not waiting for them (answered, or ended)."""


@dataclasses.dataclass(frozen=True)
class LaterItem:
    """Something the board wrote on the earlier case after the link."""

    at: dt.datetime
    kind: str  # STATUS or FROM_BOARD
    text: str | None
    status: str | None = None


@dataclasses.dataclass(frozen=True)
class LinkedCase:
    """All a new code may see of an earlier case."""

    locator: str
    status: str
    later: tuple[LaterItem, ...]


def stands(db: Session, account_id: int | None, link: CaseLink) -> bool:
    """The member is an active admin or reviewer who has not left either case."""
    if account_id is None:
        return False
    account = db.get(Account, account_id)
    if account is None or account.disabled or not works_cases(account):
        return False
    left = db.scalar(
        select(Recusal.id).where(
            Recusal.account_id == account_id,
            Recusal.complaint_id.in_((link.new_id, link.earlier_id)),
        )
    )
    return left is None


def in_force(db: Session, link: CaseLink) -> bool:
    """Two different board members behind the link, both still standing."""
    return (
        link.approved_by is not None
        and link.approved_by != link.proposed_by
        and stands(db, link.proposed_by, link)
        and stands(db, link.approved_by, link)
    )


def new_link_keys(new_key: bytes, earlier_key: bytes) -> tuple[bytes, bytes]:
    """A fresh link key, wrapped for the new case's code and for the board."""
    link_key = crypto.new_key()
    return (
        crypto.encrypt(new_key, link_key, sealing.LINK_KEY_NEW),
        crypto.encrypt(earlier_key, link_key, sealing.LINK_KEY_BOARD),
    )


def copy_for_links(
    db: Session,
    earlier: Complaint,
    data_key: bytes,
    kind: str,
    at: dt.datetime,
    text: str | None,
    status: str | None = None,
) -> None:
    """The board wrote a message or a status change on this case: copy it for each linked
    new code allowed to read it (in the caller's transaction)."""
    for link in db.scalars(
        select(CaseLink).where(CaseLink.earlier_id == earlier.id, CaseLink.state == CONFIRMED)
    ):
        if link.link_key_board is None or not in_force(db, link):
            continue
        link_key = crypto.decrypt(data_key, link.link_key_board, sealing.LINK_KEY_BOARD)
        db.add(
            LinkCopy(
                link_id=link.id,
                kind=kind,
                to_status=status,
                body=sealing.lock(link_key, text, sealing.LINK_COPY),
                at=hour_floor(at),
            )
        )


def what_the_new_code_sees(db: Session, complaint_id: int, data_key: bytes) -> list[LinkedCase]:
    """Everything a new code may ever see of the earlier cases linked to it."""
    seen = []
    for link in db.scalars(
        select(CaseLink)
        .where(CaseLink.new_id == complaint_id, CaseLink.state == CONFIRMED)
        .order_by(CaseLink.id)
    ):
        earlier = db.get(Complaint, link.earlier_id)
        if earlier is None or link.link_key_new is None or not in_force(db, link):
            continue
        link_key = crypto.decrypt(data_key, link.link_key_new, sealing.LINK_KEY_NEW)
        later = tuple(
            LaterItem(
                copy.at,
                copy.kind,
                sealing.unlock(link_key, copy.body, sealing.LINK_COPY),
                copy.to_status,
            )
            for copy in db.scalars(
                select(LinkCopy).where(LinkCopy.link_id == link.id).order_by(LinkCopy.id.desc())
            )
        )
        seen.append(LinkedCase(earlier.locator, earlier.status, later))
    return seen


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
    """The person's answer, given with their new code. From a yes on, what the board writes
    on the earlier case is copied for this code."""
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
        earlier = db.get(Complaint, link.earlier_id)
        if agree and earlier is not None and complaint.held_for_chair:
            earlier.held_for_chair = True  # whoever is kept from one is kept from both
        # Waits outside the chain until its hour is over (as every complainant action does).
        audit.record_participant(db, "complainant.link_answer", now=now, agree=agree)
