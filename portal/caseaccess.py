"""Keeping a case open in one browser for a short while after a good claim code.

The browser holds only a random id; the server keeps its hash, the complaint it opens and
when it expires. Leaving, the quick exit, or 15 idle minutes end it on the server, so a copy
of the cookie is worthless afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.db import write_transaction
from portal.models import CaseAccess


def _hash(access_id: str) -> bytes:
    return hashlib.sha256(access_id.encode()).digest()


def open_case(db: Session, complaint_id: int, now: dt.datetime, idle: dt.timedelta) -> str:
    """Start access to a complaint; returns the id to keep in the browser's session."""
    access_id = secrets.token_urlsafe(32)
    with write_transaction(db):
        db.execute(delete(CaseAccess).where(CaseAccess.expires_at <= now))
        db.add(
            CaseAccess(id_hash=_hash(access_id), complaint_id=complaint_id, expires_at=now + idle)
        )
    return access_id


def current_case(
    db: Session, access_id: str | None, now: dt.datetime, idle: dt.timedelta
) -> int | None:
    """The complaint this browser has open, sliding the idle expiry forward; None if ended."""
    if not access_id:
        return None
    with write_transaction(db):
        access = db.get(CaseAccess, _hash(access_id))
        if access is None:
            return None
        if access.expires_at <= now:
            db.delete(access)
            return None
        access.expires_at = now + idle
        return access.complaint_id


def close_case(db: Session, access_id: str | None) -> None:
    if not access_id:
        return
    with write_transaction(db):
        db.execute(delete(CaseAccess).where(CaseAccess.id_hash == _hash(access_id)))
