"""Complaint tables. Dates are coarse on purpose: a day, or an hour, never the second
something happened, so a copy of the database cannot be lined up with network logs to find
who filed.

Nothing here holds a client address, a user agent or a claim code.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, LargeBinary, String, Text, desc, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.choices import Status
from portal.db import Base
from portal.models.ordering import next_in_case, random_id


class Complaint(Base):
    __tablename__ = "complaint"

    # Random, not a counter: the order of filings is not kept (portal.models.ordering).
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=random_id)
    # First group of the claim code: unique, not secret, the board's reference.
    locator: Mapped[str] = mapped_column(String(4), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    # This complaint's data key, which encrypts every free-text field, sealed to the board's
    # public key (version `dk_version`) and wrapped under a key from the claim code's secret.
    # Deleting both makes every copy of the text unreadable for good.
    dk_board: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    dk_version: Mapped[int | None] = mapped_column()
    dk_code: Mapped[bytes | None] = mapped_column(LargeBinary(80))
    # Keyed hash of the normalised badge number and agency, for pattern alerts; the key is
    # derived from the board's private key, so a stolen database cannot test guesses.
    officer_tag: Mapped[str | None] = mapped_column(String(64), index=True)
    # The last day the complainant or the board opened the case (for retention).
    last_opened_on: Mapped[dt.date | None] = mapped_column(Date)

    kind: Mapped[str | None] = mapped_column(String(20))
    actor_kind: Mapped[str | None] = mapped_column(String(20))
    agency: Mapped[str | None] = mapped_column(String(200))
    # Secret text: badge number or name of the person complained about.
    officer: Mapped[str | None] = mapped_column(Text)
    when_text: Mapped[str | None] = mapped_column(Text)
    where_text: Mapped[str | None] = mapped_column(Text)
    narrative: Mapped[str] = mapped_column(Text)
    wants: Mapped[str | None] = mapped_column(Text)
    pseudonym: Mapped[str | None] = mapped_column(Text)

    # True when the person said they are not safe right now.
    urgent: Mapped[bool] = mapped_column(default=False)
    assisted_by: Mapped[str | None] = mapped_column(String(20))
    # The peer advocate's organisation, when one helped; never the advocate's account.
    assisted_org: Mapped[str | None] = mapped_column(String(200))
    # "I lost my code": what the person remembers about the earlier complaint.
    lost_code_note: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="en")
    # The admin's or reviewer's account signed in on the browser this was filed from, if any,
    # encrypted with the complaint's key (and an encrypted blank when there was none, so
    # even its presence tells nothing): that member may never propose or approve a link
    # involving it (portal.casework.linking). A board member who files may be a participant too, so
    # a copy of the database must not say which complaint is theirs. Never an advocate's.
    filed_by_member: Mapped[str | None] = mapped_column(Text)

    # Who should not see this case, in the complainant's words, for the board chair.
    keep_away: Mapped[str | None] = mapped_column(Text)
    # Set when the person writes who should not see the case: until the chair has kept them
    # away and released the case, only admins may open it (portal.casework.visibility).
    held_for_chair: Mapped[bool] = mapped_column(default=False, server_default="0")

    status: Mapped[str] = mapped_column(String(20), default=Status.RECEIVED.value)
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    # The decision, recorded when the case is resolved.
    disposition: Mapped[str | None] = mapped_column(String(30))
    recommendation: Mapped[str | None] = mapped_column(Text)
    dissent: Mapped[str | None] = mapped_column(Text)
    # Plain-language letter the complainant reads on their case page.
    outcome_letter: Mapped[str | None] = mapped_column(Text)
    # "You said, we did": what the board wrote for publication (never the person's words),
    # and what the program or agency did about it, added later by an admin.
    public_summary: Mapped[str | None] = mapped_column(Text)
    program_response: Mapped[str | None] = mapped_column(Text)
    # The board chose to put this case's public summary in its review packet.
    in_packet: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_on: Mapped[dt.date] = mapped_column(Date)
    updated_on: Mapped[dt.date] = mapped_column(Date)
    # For timeliness figures: the day the board first answered, and the day it decided.
    first_response_on: Mapped[dt.date | None] = mapped_column(Date)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    # The complainant withdrew and asked for their words to be deleted: only a tombstone
    # (kind, dates, status, demographics) remains for the public figures.
    text_deleted: Mapped[bool] = mapped_column(default=False)
    # Replies from the complainant the board has not opened yet (kept here so the queue
    # needs no count per row).
    unread_replies: Mapped[int] = mapped_column(default=0)
    survey_done: Mapped[bool] = mapped_column(default=False)
    # Asking again (portal.casework.reconsideration): once per case, after the outcome letter.
    # The person's reason is sealed like their other words; the days are for the figures.
    reconsider_reason: Mapped[str | None] = mapped_column(Text)
    reconsider_asked_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    reconsider_decided_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    # Whether the new decision changed the outcome; None until it is recorded.
    reconsider_changed: Mapped[bool | None] = mapped_column()
    # Mediation, where the program offers it: asked for, then whether it was held and how
    # it ended (portal.choices.MediationOutcome).
    mediation_asked_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    mediation_recorded_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    mediation_held: Mapped[bool | None] = mapped_column()
    mediation_outcome: Mapped[str | None] = mapped_column(String(20))
    # The last place given in this case's timeline (`seq` of its messages, status changes,
    # notes and referrals).
    timeline_seq: Mapped[int] = mapped_column(default=0, server_default="0")

    demographics: Mapped[Demographics | None] = relationship(
        back_populates="complaint", cascade="all, delete-orphan"
    )
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="complaint", cascade="all, delete-orphan", order_by="StatusChange.seq"
    )

    __table_args__ = (
        Index("ix_complaint_status_created", "status", "created_on"),
        # The queue's order: urgent first, then oldest.
        Index("ix_complaint_queue", desc("urgent"), "created_on", "id"),
        # A member who is not an admin: the queue's order among cases not held for the chair;
        # also finds the few held cases for the queue's counts (migration 0018).
        Index("ix_complaint_held_queue", "held_for_chair", desc("urgent"), "created_on", "id"),
        # The "You said, we did" a new release of the figures carries (migration 0024).
        Index(
            "ix_complaint_public_summary",
            "resolved_on",
            sqlite_where=text("public_summary IS NOT NULL"),
            postgresql_where=text("public_summary IS NOT NULL"),
        ),
        # The held cases by status and kind, for a member's counts, from the index alone
        # (migration 0025).
        Index("ix_complaint_held_status", "held_for_chair", "status", "kind", "id"),
    )


class Demographics(Base):
    """Optional self-description, kept apart and used only in aggregate figures."""

    __tablename__ = "demographics"

    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True
    )
    race: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(20))

    complaint: Mapped[Complaint] = relationship(back_populates="demographics")


class StatusChange(Base):
    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=random_id)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    # Place in the case's timeline (portal.models.ordering).
    seq: Mapped[int] = mapped_column(default=next_in_case)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    # Plain words the complainant reads about why.
    reason: Mapped[str | None] = mapped_column(Text)
    # The board member who made the change; None for the complainant or the system.
    by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    # Rounded down to the hour.
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    complaint: Mapped[Complaint] = relationship(back_populates="status_changes")


class FilingReceipt(Base):
    """Makes a retried filing POST idempotent without keeping the claim code readable.

    Keyed by a hash of the one-time token in the person's form; the code is sealed under a key
    derived from that token and the filing browser session's secret, with the moment (15
    minutes on) after which it may not be shown, so only that session holding the form can
    read it back, and not for long (portal/security/receipts.py). "Done" wipes the sealed code at
    once;
    otherwise it is wiped at the hour after those 15 minutes (the row keeps only the hour).
    The row itself goes a week later, so a form sent again is answered "already sent".
    """

    __tablename__ = "filing_receipt"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    sealed_code: Mapped[bytes | None] = mapped_column(LargeBinary(128))
    # Rounded up to the hour.
    seal_expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class CaseAccess(Base):
    """An open case in one browser after a good claim code: revocable, short-lived."""

    __tablename__ = "case_access"

    # SHA-256 of the random id held in the browser's session, so a database copy cannot
    # be used to open a case.
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    # Which complaint, and its data key, encrypted under a key held only in the browser's
    # session: the row alone does not say which case was looked at, or when.
    sealed_dk: Mapped[bytes | None] = mapped_column(LargeBinary(96))


class StatusCount(Base):
    """How many complaints are in each status, split by whether they are sensitive (sexual
    misconduct). Kept exact by database triggers on `complaint` (migration 0005), so the
    queue's counts cost a few rows to read however many cases there are."""

    __tablename__ = "status_count"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    sensitive: Mapped[bool] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
