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


class CaseLink(Base):
    """A new complaint that says it is about an earlier one whose code was lost.

    The board proposes the link; it holds only once the person confirms on the new case's
    page, and then the new code opens both.
    """

    __tablename__ = "case_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    new_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    earlier_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"))
    # proposed -> confirmed | refused
    state: Mapped[str] = mapped_column(String(10))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    proposed_on: Mapped[dt.date] = mapped_column()
    decided_on: Mapped[dt.date | None] = mapped_column()
    # The earlier complaint's data key, encrypted under the new complaint's, so the new code
    # can open both once the person confirms.
    earlier_dk_sealed: Mapped[bytes | None] = mapped_column(LargeBinary(80))


class Attachment(Base):
    """A photo or document sent with a complaint: metadata stripped, encrypted with the
    complaint's data key, stored under a random name in the instance folder."""

    __tablename__ = "attachment"

    # Random, like the complaint's own id (portal.models.ordering).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=random_id)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    # "image/jpeg", "image/png", "image/webp" or "application/pdf", as re-encoded.
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column()
