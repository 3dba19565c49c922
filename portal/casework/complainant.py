"""What the complainant sees and does on their own case page, after a good claim code.

The complainant's timeline holds only what is meant for them: status changes with their
reasons, the board's messages, their own replies, referrals and the outcome letter. Internal
notes are never read here. Times of the complainant's own actions are kept to the hour.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from portal.casework import linkrule, transitions
from portal.casework.complaints import KEEP_AWAY_MAX, CodeInText
from portal.casework.transitions import WITHDRAW_FROM, TransitionNotAllowed
from portal.choices import Answer, Disposition, LinkState, ReferralState, Status
from portal.clock import hour_floor
from portal.db import write_transaction
from portal.models import (
    Attachment,
    CaseLink,
    Complaint,
    Message,
    Note,
    Referral,
    StatusChange,
    SurveyAnswer,
)
from portal.models.casework import FROM_COMPLAINANT, TO_COMPLAINANT
from portal.security import audit, claimcodes, filestore, sealing

REPLY_MAX = 5_000
TOMBSTONE = ""
# Not an argon2 hash, so no code can ever verify against it.
DELETED_HASH = "deleted"  # noqa: S105


class NothingToDo(ValueError):
    """The action does not apply to this case now (already answered, already closed...)."""


@dataclasses.dataclass(frozen=True)
class Item:
    at: dt.datetime
    kind: str  # status, from_board, from_me, referral
    text: str | None
    status: str | None = None
    new: bool = False
    # Place in the case's timeline: times are kept to the hour, so ties are common.
    seq: int = 0


def timeline(db: Session, complaint: Complaint, data_key: bytes) -> list[Item]:
    """The complainant's own timeline, newest first. Never includes internal notes."""
    items = [
        Item(
            change.at,
            "status",
            sealing.unlock(data_key, change.reason, sealing.STATUS_REASON),
            change.to_status,
            seq=change.seq,
        )
        for change in db.scalars(
            select(StatusChange).where(StatusChange.complaint_id == complaint.id)
        )
    ]
    for message in db.scalars(select(Message).where(Message.complaint_id == complaint.id)):
        from_board = message.direction == TO_COMPLAINANT
        items.append(
            Item(
                message.created_at,
                "from_board" if from_board else "from_me",
                sealing.unlock(data_key, message.body, sealing.MESSAGE),
                new=from_board and message.read_at is None,
                seq=message.seq,
            )
        )
    for referral in db.scalars(select(Referral).where(Referral.complaint_id == complaint.id)):
        items.append(
            Item(
                dt.datetime.combine(referral.proposed_on, dt.time()),
                "referral",
                sealing.unlock(data_key, referral.explanation or None, sealing.REFERRAL),
                referral.state,
                seq=referral.seq,
            )
        )
    # New board messages first, then newest first, in the order things happened.
    return sorted(items, key=lambda item: (item.new, item.seq), reverse=True)


def pending_referrals(
    db: Session, complaint_id: int, data_key: bytes
) -> list[tuple[Referral, str | None]]:
    """Referrals waiting for the person's answer, each with the board's explanation."""
    return [
        (referral, sealing.unlock(data_key, referral.explanation or None, sealing.REFERRAL))
        for referral in db.scalars(
            select(Referral).where(
                Referral.complaint_id == complaint_id, Referral.state == ReferralState.PROPOSED
            )
        )
    ]


def where_it_went(db: Session, complaint_id: int) -> list[Referral]:
    return list(
        db.scalars(
            select(Referral).where(
                Referral.complaint_id == complaint_id,
                Referral.state.in_((ReferralState.AGREED, ReferralState.SENT)),
            )
        )
    )


def mark_board_messages_read(db: Session, complaint_id: int, now: dt.datetime) -> None:
    with write_transaction(db):
        db.execute(
            update(Message)
            .where(
                Message.complaint_id == complaint_id,
                Message.direction == TO_COMPLAINANT,
                Message.read_at.is_(None),
            )
            .values(read_at=hour_floor(now))
        )


def _open(complaint: Complaint) -> None:
    if Status(complaint.status) in (Status.CLOSED, Status.WITHDRAWN):
        raise NothingToDo


def reply(db: Session, complaint: Complaint, body: str, now: dt.datetime, data_key: bytes) -> None:
    """Answer the board or add information. A claim code in the text is refused."""
    _open(complaint)
    body = body.strip()
    if not body:
        raise NothingToDo
    if claimcodes.find_in_text(body):
        raise CodeInText("body")
    with write_transaction(db):
        db.add(
            Message(
                complaint_id=complaint.id,
                direction=FROM_COMPLAINANT,
                body=sealing.lock(data_key, body[:REPLY_MAX], sealing.MESSAGE),
                created_at=hour_floor(now),
            )
        )
        complaint.unread_replies += 1
        complaint.updated_on = now.date()
        _record(db, "complainant.reply", complaint, now)


def _record(
    db: Session, action: str, complaint: Complaint, now: dt.datetime, **detail: object
) -> None:
    # The hour only, no reference and no place among the board's events: between board events
    # timed to the second, a complaint named here could be lined up with network logs to find
    # who visited when (portal.security.audit.record_participant).
    del complaint
    audit.record_participant(db, action, now=now, **detail)


def answer_referral(
    db: Session, complaint: Complaint, referral_id: int, agree: bool, now: dt.datetime
) -> None:
    with write_transaction(db):
        referral = db.get(Referral, referral_id)
        if (
            referral is None
            or referral.complaint_id != complaint.id
            or referral.state != ReferralState.PROPOSED
        ):
            raise NothingToDo
        referral.state = ReferralState.AGREED if agree else ReferralState.REFUSED
        referral.decided_on = now.date()
        complaint.updated_on = now.date()
        _record(db, "complainant.referral_answer", complaint, now, agree=agree, body=referral.body)


def keep_away(
    db: Session, complaint: Complaint, text: str, now: dt.datetime, data_key: bytes
) -> None:
    """The person asks that a named role or person not see their case."""
    text = text.strip()[:KEEP_AWAY_MAX]
    if not text:
        raise NothingToDo
    if claimcodes.find_in_text(text):
        raise CodeInText("keep_away")
    with write_transaction(db):
        earlier = sealing.unlock(data_key, complaint.keep_away, sealing.FIELDS["keep_away"].label)
        sealing.write_fields(
            complaint, data_key, keep_away=text if not earlier else f"{earlier}\n{text}"
        )
        complaint.updated_on = now.date()
        # Only the chair may open it, and the cases the person confirmed as theirs, until
        # the chair has acted.
        for case in [complaint, *_confirmed_links(db, complaint)]:
            case.held_for_chair = True
        _record(db, "complainant.keep_away", complaint, now)


def withdraw(
    db: Session,
    complaint: Complaint,
    delete_text: bool,
    now: dt.datetime,
) -> None:
    """Stop the case; optionally delete everything the person wrote, for good.

    With deletion, the narrative and every free-text answer, every message in either
    direction, the board's notes and letters, the files and the claim-code hash are wiped
    (SQLite's secure_delete overwrites the old pages; PostgreSQL's go at VACUUM); what stays
    is the tombstone the public figures need: kind, actor kind, dates, status and the
    optional demographics.
    """
    if Status(complaint.status) not in WITHDRAW_FROM:
        raise TransitionNotAllowed(f"{complaint.status} -> withdrawn")
    with write_transaction(db):
        before = transitions.move(db, complaint, WITHDRAW_FROM, Status.WITHDRAWN)
        db.add(
            StatusChange(
                complaint_id=complaint.id,
                from_status=before,
                to_status=Status.WITHDRAWN.value,
                reason=None,
                at=hour_floor(now),
            )
        )
        complaint.disposition = Disposition.WITHDRAWN.value
        complaint.updated_on = now.date()
        if delete_text:
            _delete_text(db, complaint)
        _record(db, "complainant.withdraw", complaint, now, deleted=delete_text)


@dataclasses.dataclass(frozen=True)
class DeletionCounts:
    """What a deletion would take, counted for the person's "are you sure?" page."""

    messages: int
    files: int


def deletion_counts(db: Session, complaint_id: int) -> DeletionCounts:
    messages = db.scalar(
        select(func.count()).select_from(Message).where(Message.complaint_id == complaint_id)
    )
    files = db.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.complaint_id == complaint_id)
    )
    return DeletionCounts(messages=messages or 0, files=files or 0)


# Every text field withdrawal with deletion erases (the narrative, which may not be empty,
# becomes the tombstone instead).
TEXT_FIELDS = sealing.names(deleted_on_withdrawal=True)


def _delete_text(db: Session, complaint: Complaint) -> None:
    for field in TEXT_FIELDS:
        setattr(complaint, field, None)
    complaint.narrative = TOMBSTONE
    complaint.text_deleted = True
    complaint.officer_tag = None
    sealing.shred(complaint)
    # A lost-code link holds this complaint's key sealed under another's (or the reverse):
    # it goes too, or the words could still be opened through it.
    db.execute(
        delete(CaseLink).where(
            or_(CaseLink.earlier_id == complaint.id, CaseLink.new_id == complaint.id)
        )
    )
    # The code can no longer open anything: there is nothing left to read.
    complaint.secret_hash = DELETED_HASH
    complaint.unread_replies = 0
    db.execute(delete(Message).where(Message.complaint_id == complaint.id))
    files = list(db.scalars(select(Attachment.id).where(Attachment.complaint_id == complaint.id)))
    filestore.erase(db, files)
    db.execute(delete(Attachment).where(Attachment.complaint_id == complaint.id))
    # Board notes may quote the person, so they go too; referrals stay, as counts only.
    db.execute(delete(Note).where(Note.complaint_id == complaint.id))
    db.execute(update(Referral).where(Referral.complaint_id == complaint.id).values(explanation=""))
    db.execute(
        update(StatusChange).where(StatusChange.complaint_id == complaint.id).values(reason=None)
    )


def answer_survey(
    db: Session, complaint: Complaint, answers: dict[str, str | None], now: dt.datetime
) -> None:
    """Three questions after the outcome letter; stored apart from the case, by quarter."""
    if complaint.outcome_letter is None or complaint.survey_done:
        raise NothingToDo
    values = {key: (Answer(v).value if v else None) for key, v in answers.items()}
    quarter = f"{now.year}Q{(now.month - 1) // 3 + 1}"
    with write_transaction(db):
        db.add(SurveyAnswer(quarter=quarter, **values))
        complaint.survey_done = True


def _confirmed_links(db: Session, complaint: Complaint) -> list[Complaint]:
    """The other cases the person confirmed as theirs, either way round, through links still
    in force: an ended link (a member behind it disabled or stepped away) moves nothing, so
    whoever holds a new code cannot use it to keep the board away from an earlier case."""
    links = db.scalars(
        select(CaseLink).where(
            CaseLink.state == LinkState.CONFIRMED,
            or_(CaseLink.new_id == complaint.id, CaseLink.earlier_id == complaint.id),
        )
    )
    linked = [
        link.earlier_id if link.new_id == complaint.id else link.new_id
        for link in links
        if linkrule.in_force(db, link)
    ]
    return list(db.scalars(select(Complaint).where(Complaint.id.in_(linked))))
