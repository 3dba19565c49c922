"""What the board will send for an agreed referral (portal.casework.handoff)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class Handoff(Base):
    """The words, files and receiver of one referral, shown to the person word for word.

    Nothing can be downloaded until the person says yes to this exact version; a change by
    the board makes a new version and the yes no longer counts (`consent` is cleared, and it
    is a MAC over what the person saw, so a changed row fails the check even if it is set).
    """

    __tablename__ = "handoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral.id", ondelete="CASCADE"), unique=True
    )
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    # The text, the receiver's name and the chosen files, sealed under the complaint's data key.
    content: Mapped[str] = mapped_column(Text)
    # 1 for the first draft, +1 for every change: the person answers one version.
    version: Mapped[int] = mapped_column(default=1)
    prepared_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    prepared_on: Mapped[dt.date] = mapped_column()
    # None while waiting for the person; "yes" or "no" for this version.
    answer: Mapped[str | None] = mapped_column(String(3))
    answered_on: Mapped[dt.date | None] = mapped_column()
    # HMAC of what the person said yes to, under a key from the complaint's data key.
    consent: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    # The day it was first downloaded to be sent.
    sent_on: Mapped[dt.date | None] = mapped_column()
