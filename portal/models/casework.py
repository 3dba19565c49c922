"""What the board and the complainant add to a case after it is filed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.models.ordering import next_in_case, random_id

TO_COMPLAINANT = "to_complainant"
FROM_COMPLAINANT = "from_complainant"


class Message(Base):
    __tablename__ = "message"

    # Random, and `seq` orders the case's timeline (portal.models.ordering).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=random_id)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(default=next_in_case)
    direction: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    # The board member who wrote it (messages to the complainant only).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # Rounded down to the hour.
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # When the other side first saw it; None is "new".
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_message_unread", "complaint_id", "direction", "read_at"),)


class Note(Base):
    """An internal board note. Never shown to the complainant."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    seq: Mapped[int] = mapped_column(default=next_in_case)


class Recusal(Base):
    """This account must not see this case: a declared conflict, or the complainant's wish."""

    __tablename__ = "recusal"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    # "self": declared by the member; "complainant": set by the chair at the person's request.
    reason: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("complaint_id", "account_id"),)


class Referral(Base):
    """Passing a complaint to another body, which needs the complainant's yes first."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(String(30))
    # What the board tells the complainant about it, in plain words.
    explanation: Mapped[str] = mapped_column(Text)
    # proposed -> agreed | refused; agreed -> sent.
    state: Mapped[str] = mapped_column(String(10))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    proposed_on: Mapped[dt.date] = mapped_column()
    decided_on: Mapped[dt.date | None] = mapped_column()
    seq: Mapped[int] = mapped_column(default=next_in_case)
    sent_on: Mapped[dt.date | None] = mapped_column()


class SurveyAnswer(Base):
    """'How were you treated': kept apart from the case, by quarter, for the figures only."""

    __tablename__ = "survey_answer"

    # Random: a counter would line answers up with the cases' outcome letters.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=random_id)
    quarter: Mapped[str] = mapped_column(String(7))  # e.g. 2026Q3
    respected: Mapped[str | None] = mapped_column(String(10))
    listened: Mapped[str | None] = mapped_column(String(10))
    would_use_again: Mapped[str | None] = mapped_column(String(10))

    # A quarter's answers, counted from the index alone (migration 0019).
    __table_args__ = (
        Index("ix_survey_answer_quarter", "quarter", "respected", "listened", "would_use_again"),
    )


class CaseLink(Base):
    """A new complaint that says it is about an earlier one whose code was lost.

    One board member proposes the link, a second approves it, and it holds only once the
    person confirms on the new case's page. Even then the new code shows only that the
    earlier case exists, where it stands, and what the board writes on it after the link
    (`portal.casework.linkrule`): never its words, files, messages or letters. The new code holds no
    key to the earlier case: only to this link's copies (`LinkCopy`).
    """

    __tablename__ = "case_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    new_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    earlier_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"))
    # proposed -> declined | asked -> confirmed | refused (portal.casework.linking)
    state: Mapped[str] = mapped_column(String(10))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    proposed_on: Mapped[dt.date] = mapped_column()
    # The second board member, who approved it (or turned it down).
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    approved_on: Mapped[dt.date | None] = mapped_column()
    decided_on: Mapped[dt.date | None] = mapped_column()
    # This link's own key, which encrypts the copies the new code may read: wrapped under the
    # new complaint's data key (for the person) and under the earlier one's (for the board,
    # which writes the copies). It opens nothing of the earlier complaint itself.
    link_key_new: Mapped[bytes | None] = mapped_column(LargeBinary(80))
    link_key_board: Mapped[bytes | None] = mapped_column(LargeBinary(80))


class LinkCopy(Base):
    """Something the board wrote on an earlier case while a confirmed link to it was in
    force (a message to the person, a status change and its reason), encrypted with the
    link's key: all that case's words a linked new code can ever read."""

    __tablename__ = "link_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("case_link.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "status" or "from_board"
    to_status: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # to the hour, as the original


class Attachment(Base):
    """A photo or document sent with a complaint: metadata stripped, encrypted with the
    complaint's data key. Its bytes are rows of `AttachmentBlob`, never columns of this
    table, so listing a case's files (or a queue) reads no file (portal.security.filestore)."""

    __tablename__ = "attachment"

    # Random, like the complaint's own id (portal.models.ordering).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=random_id)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    # Random; bound into the label of every sealed piece (portal.security.filestore). Before
    # 0019 it was the file's name in the instance folder's uploads/.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    # "image/jpeg", "image/png", "image/webp" or "application/pdf", as re-encoded.
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
    # True: each blob row is a piece sealed on its own (what the portal writes). False: the rows
    # are pieces of one sealed file, as it was moved from the instance folder (migration 0019).
    chunked: Mapped[bool] = mapped_column(default=True)


class AttachmentBlob(Base):
    """One piece of an attachment's sealed bytes: `piece` 0, 1, 2... in order. Only a
    download reads these rows; nothing maps them onto `Attachment`, so no query of a case or a
    queue can load them by accident."""

    __tablename__ = "attachment_blob"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True
    )
    piece: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class NewsContact(Base):
    """The email address a person left to be told when there is news on their complaint
    (portal.casework.news). The address is encrypted with the complaint's data key and padded
    to one length, so a copy of the database tells neither the address nor how long it is;
    only a board member holding the board key, acting on the case, or the person with their
    code can read it. The rest says only that a notice is owed or failed, never what about."""

    __tablename__ = "news_contact"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(Text)
    # The language the person chose the notices in.
    language: Mapped[str] = mapped_column(String(5))
    # News came while nobody who could read the address acted: the next one who can tells.
    waiting: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The last notice could not be sent ("could not tell the person" on the board's page).
    failed: Mapped[bool] = mapped_column(default=False, server_default="0")
