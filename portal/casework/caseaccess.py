"""Keeping a case open in one browser for a short while after a good claim code.

The browser's session holds a random id and a random key; the server keeps the id's hash,
when it expires, and which complaint it opens with that complaint's data key, both
encrypted under that key. So the server alone cannot read the case or tell which one was
looked at, and Leave, the quick exit, or 15 idle minutes end it for good: a copy of the
cookie is worthless afterwards.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.db import write_transaction
from portal.models import CaseAccess
from portal.security import crypto

LABEL = "case-access"


def _hash(access_id: str) -> bytes:
    return hashlib.sha256(access_id.encode()).digest()


def open_case(
    db: Session, complaint_id: int, now: dt.datetime, idle: dt.timedelta, data_key: bytes
) -> str:
    """Start access to a complaint; returns the value to keep in the browser's session."""
    access_id = secrets.token_urlsafe(32)
    browser_key = crypto.new_key()
    with write_transaction(db):
        db.execute(delete(CaseAccess).where(CaseAccess.expires_at <= now))
        db.add(
            CaseAccess(
                id_hash=_hash(access_id),
                expires_at=now + idle,
                sealed_dk=crypto.encrypt(
                    browser_key, complaint_id.to_bytes(8, "big") + data_key, LABEL
                ),
            )
        )
    return f"{access_id}.{base64.urlsafe_b64encode(browser_key).decode()}"


def current_case(
    db: Session, held: str | None, now: dt.datetime, idle: dt.timedelta
) -> tuple[int, bytes] | None:
    """The complaint this browser has open and its data key, sliding the idle expiry
    forward; None if it has ended."""
    if not held or "." not in held:
        return None
    access_id, key_text = held.split(".", 1)
    with write_transaction(db):
        access = db.get(CaseAccess, _hash(access_id))
        if access is None:
            return None
        if access.expires_at <= now:
            db.delete(access)
            return None
        try:
            opened = crypto.decrypt(
                base64.urlsafe_b64decode(key_text), access.sealed_dk or b"", LABEL
            )
        except (crypto.DecryptionFailed, ValueError):
            return None
        access.expires_at = now + idle
        return int.from_bytes(opened[:8], "big"), opened[8:]


def close_case(db: Session, held: str | None) -> None:
    if not held:
        return
    with write_transaction(db):
        db.execute(delete(CaseAccess).where(CaseAccess.id_hash == _hash(held.split(".", 1)[0])))
