"""What the board's case page shows: the timeline, referrals and files, who could take the
case; and the audit of opening a case or one of its files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal.board.accounts import CASE_ROLES
from portal.casework.cases import record
from portal.db import write_transaction
from portal.models import (
    Account,
    Attachment,
    Complaint,
    Message,
    Note,
    Referral,
    StatusChange,
)
from portal.models.casework import FROM_COMPLAINANT
from portal.security import attachments, filestore, sealing


def record_view(db: Session, account: Account, complaint: Complaint, now: dt.datetime) -> None:
    with write_transaction(db):
        complaint.last_opened_on = now.date()
        record(db, "case.view", account, complaint, now)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One line of a case timeline."""

    at: dt.datetime
    kind: str  # status, message_in, message_out, note, referral
    text: str | None
    who: str | None = None
    status: str | None = None
    new: bool = False
    # Place in the case's timeline: times are kept to the hour, so ties are common.
    seq: int = 0


def timeline(
    db: Session, complaint: Complaint, names: dict[int, str], data_key: bytes | None
) -> list[Entry]:
    """Everything that happened on a case, newest first, for the board."""
    entries = [
        Entry(
            c.at,
            "status",
            sealing.unlock(data_key, c.reason, sealing.STATUS_REASON),
            names.get(c.by_account_id or 0),
            c.to_status,
            seq=c.seq,
        )
        for c in db.scalars(select(StatusChange).where(StatusChange.complaint_id == complaint.id))
    ]
    for message in db.scalars(select(Message).where(Message.complaint_id == complaint.id)):
        incoming = message.direction == FROM_COMPLAINANT
        entries.append(
            Entry(
                message.created_at,
                "message_in" if incoming else "message_out",
                sealing.unlock(data_key, message.body, sealing.MESSAGE),
                None if incoming else names.get(message.author_id or 0),
                new=incoming and message.read_at is None,
                seq=message.seq,
            )
        )
    for note in db.scalars(select(Note).where(Note.complaint_id == complaint.id)):
        entries.append(
            Entry(
                note.created_at,
                "note",
                sealing.unlock(data_key, note.body, sealing.NOTE),
                names.get(note.author_id or 0),
                seq=note.seq,
            )
        )
    for referral in referrals(db, complaint.id):
        entries.append(
            Entry(
                dt.datetime.combine(referral.proposed_on, dt.time()),
                "referral",
                sealing.unlock(data_key, referral.explanation or None, sealing.REFERRAL),
                names.get(referral.proposed_by or 0),
                referral.state,
                seq=referral.seq,
            )
        )
    return sorted(entries, key=lambda e: e.seq, reverse=True)


def referrals(db: Session, complaint_id: int) -> list[Referral]:
    return list(
        db.scalars(
            select(Referral).where(Referral.complaint_id == complaint_id).order_by(Referral.id)
        )
    )


def mark_replies_read(db: Session, complaint: Complaint, now: dt.datetime) -> None:
    with write_transaction(db):
        for message in db.scalars(
            select(Message).where(
                Message.complaint_id == complaint.id,
                Message.direction == FROM_COMPLAINANT,
                Message.read_at.is_(None),
            )
        ):
            message.read_at = now
        complaint.unread_replies = 0


def case_workers(db: Session) -> list[Account]:
    return list(
        db.scalars(
            select(Account)
            .where(Account.role.in_([r.value for r in CASE_ROLES]), Account.disabled.is_(False))
            .order_by(Account.username)
        )
    )


def files(db: Session, complaint_id: int) -> list[Attachment]:
    return list(
        db.scalars(
            select(Attachment)
            .where(Attachment.complaint_id == complaint_id)
            .order_by(Attachment.id)
        )
    )


@dataclasses.dataclass(frozen=True)
class OpenedFile:
    """A file on its way to a board member: its bytes come piece by piece from `chunks`."""

    name: str
    media_type: str
    size: int
    chunks: Iterator[bytes]


def open_file(
    db: Session,
    sessions: sessionmaker,
    account: Account,
    complaint: Complaint,
    file_id: int,
    data_key: bytes,
    now: dt.datetime,
) -> OpenedFile:
    """One of the complaint's files, read from the database piece by piece as it is sent
    (`sessions` makes the session the pieces are read in); audited."""
    attachment = db.get(Attachment, file_id)
    if attachment is None or attachment.complaint_id != complaint.id:
        raise LookupError(file_id)
    if not filestore.has_bytes(db, attachment.id):
        raise LookupError(file_id)
    with write_transaction(db):
        record(db, "case.file_download", account, complaint, now, file=attachment.id)
    extension = attachments.EXTENSIONS.get(attachment.media_type, "bin")
    return OpenedFile(
        name=f"complaint-{complaint.locator}-{attachment.id}.{extension}",
        media_type=attachment.media_type,
        size=attachment.size,
        chunks=filestore.stream(sessions, attachment, data_key),
    )
