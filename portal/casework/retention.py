"""Deleting what the site promised not to keep.

Closed and withdrawn cases go after the site's retention period (default 365 days after their
last change); cases that neither the person nor the board has opened for the "unopened"
period go too. With them go their messages, notes, files (the rows of their sealed bytes)
and everything else, for good: SQLite overwrites freed pages (secure_delete) and its journal
is emptied afterwards; PostgreSQL keeps dead rows until VACUUM (docs/deploy.md says what to
run). Expired
sign-in sessions, open-case sessions, invitations and filing receipts are cleared as well.
The audit log records how many of each, never what.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from portal.board import boardsessions
from portal.choices import Status
from portal.db import write_transaction
from portal.models import (
    Attachment,
    BoardSession,
    CaseAccess,
    Complaint,
    FilingReceipt,
    Invite,
    Message,
)
from portal.security import audit, filestore
from portal.site import Site

INVITES_KEPT = dt.timedelta(days=30)


@dataclasses.dataclass(frozen=True)
class Purged:
    cases: int
    messages: int
    files: int
    board_sessions: int
    case_sessions: int
    invites: int
    receipts: int


def _expired_cases(db: Session, site: Site, today: dt.date) -> list[int]:
    closed_before = today - dt.timedelta(days=site.retention_closed_days)
    unopened_before = today - dt.timedelta(days=site.retention_unopened_days)
    finished = (Status.CLOSED.value, Status.WITHDRAWN.value)
    return list(
        db.scalars(
            select(Complaint.id).where(
                or_(
                    Complaint.status.in_(finished) & (Complaint.updated_on < closed_before),
                    func.coalesce(Complaint.last_opened_on, Complaint.created_on) < unopened_before,
                )
            )
        )
    )


def purge(db: Session, site: Site, now: dt.datetime) -> Purged:
    today = now.date()
    with write_transaction(db):
        ids = _expired_cases(db, site, today)
        messages = files = 0
        if ids:
            messages = db.scalar(
                select(func.count()).select_from(Message).where(Message.complaint_id.in_(ids))
            )
            stored = list(db.scalars(select(Attachment.id).where(Attachment.complaint_id.in_(ids))))
            files = len(stored)
            # The files' bytes first, said outright rather than left to the cascade below.
            filestore.erase(db, stored)
            # Rows that refer to a complaint go with it (ON DELETE CASCADE).
            db.execute(delete(Complaint).where(Complaint.id.in_(ids)))
        stale_sessions = [
            s.id_hash for s in db.scalars(select(BoardSession)) if boardsessions.expired(s, now)
        ]
        board_sessions = (
            db.execute(
                delete(BoardSession).where(BoardSession.id_hash.in_(stale_sessions))
            ).rowcount
            if stale_sessions
            else 0
        )
        case_sessions = db.execute(delete(CaseAccess).where(CaseAccess.expires_at <= now)).rowcount
        invites = db.execute(
            delete(Invite).where(
                or_(Invite.used_at.is_not(None), Invite.expires_at <= now),
                Invite.created_at < now - INVITES_KEPT,
            )
        ).rowcount
        receipts = db.execute(
            delete(FilingReceipt).where(FilingReceipt.seal_expires_at < now - dt.timedelta(days=7))
        ).rowcount
        result = Purged(
            len(ids),
            messages or 0,
            files,
            board_sessions or 0,
            case_sessions or 0,
            invites or 0,
            receipts or 0,
        )
        audit.record(db, "retention.purge", account_id=None, now=now, **dataclasses.asdict(result))
    if db.get_bind().dialect.name == "sqlite":
        db.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.commit()
    return result


def vacuum_files(db: Session) -> None:
    """On PostgreSQL, VACUUM the files' table now rather than when autovacuum comes round:
    the space of the deleted rows (and of their TOAST pieces) is marked free, so new rows
    write over the old bytes sooner. It takes no lock that stops the portal; only VACUUM FULL
    gives the space back to the disk (docs/deploy.md). SQLite needs nothing: secure_delete has
    overwritten the pages already."""
    if db.get_bind().dialect.name != "postgresql":
        return
    db.commit()
    engine = db.get_bind().engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM attachment_blob")
