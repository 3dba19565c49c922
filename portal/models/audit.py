"""The audit log: every board action, chained with a keyed hash so an edit anywhere shows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.models.ordering import random_id


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Position in the chain, 1, 2, 3...; unique, so two writers can never both append.
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Who did it. No foreign key: the log outlives accounts and must not change when one goes.
    account_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(20))
    object_id: Mapped[str | None] = mapped_column(String(40))
    # Small JSON object with details; never an address, a claim code or complaint text.
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    # HMAC-SHA256 under the audit key, which is kept out of the database (portal.security.audit).
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_action_at", "action", "at"),)


class AuditHead(Base):
    """One row holding the newest link, locked while appending so appends are serialized.

    It also holds how many participant events are waiting and the XOR of their HMACs, sealed
    with the link under the audit key, so a waiting event deleted or changed shows
    (portal.security.audit).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    pending: Mapped[int] = mapped_column(default=0, server_default="0")
    pending_sum: Mapped[str] = mapped_column(String(64), default="0" * 64, server_default="0" * 64)
    # HMAC over seq, hash, pending and pending_sum; empty only on a head never written by
    # this version.
    seal: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AuditPending(Base):
    """A participant's event (or an advocate's filing), waiting outside the chain.

    Its time is the hour, its id random, and it has no place in the chain yet: once its hour
    is over, the next event written joins it to the chain with the rest of that hour's, in
    shuffled order, so its place tells nothing finer than the hour (portal.security.audit).
    """

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=random_id)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    account_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(20))
    object_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    # HMAC under the audit key, so a forged row is refused when it would join the chain.
    mac: Mapped[str] = mapped_column(String(64))
