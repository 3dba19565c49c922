"""Server-side sessions for board accounts: revocable, short-lived, never in the cookie.

The browser holds a random 256-bit id; the table holds its SHA-256, so a copy of the
database cannot be replayed as a cookie. Sessions end after 30 idle minutes or 12 hours in
all, at sign-out, when the password changes, when the account is disabled, or when an admin
ends them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.db import write_transaction
from portal.models import Account, BoardSession
from portal.security import keys

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
# A half-finished sign-in (password right, code still to come) lasts only this long.
PENDING = dt.timedelta(minutes=5)
TOUCH_EVERY = dt.timedelta(minutes=1)

FULL = "full"
HALF = "half"
ENROLL = "enroll"
STAGES = (FULL, HALF, ENROLL)


def cookie_name(is_production: bool) -> str:
    """The board session cookie; `__Host-` in production so it is Secure, host-only, path /."""
    return "__Host-board" if is_production else "board"


def stored_id(cookie: str) -> bytes:
    """The stored form of a session: SHA-256 of the id part of the cookie."""
    return hashlib.sha256(cookie.split(".", 1)[0].encode()).digest()


_hash = stored_id


def start(
    db: Session, account_id: int, stage: str, now: dt.datetime, keyring: keys.Keyring | None = None
) -> str:
    """A new session (the caller commits). Returns the cookie value: a random id, a dot, and
    the key that opens this session's keyring. Only the id's hash is stored."""
    session_id = secrets.token_urlsafe(32)
    session_key, sealed = keys.pack(keyring or {})
    db.add(
        BoardSession(
            id_hash=_hash(session_id),
            account_id=account_id,
            stage=stage,
            created_at=now,
            last_seen_at=now,
            sealed_keys=sealed,
        )
    )
    return f"{session_id}.{base64.urlsafe_b64encode(session_key).decode()}"


def keyring(board_session: BoardSession, cookie: str | None) -> keys.Keyring:
    """The board keys this session carries, opened with the key from the cookie."""
    if not cookie or "." not in cookie:
        return {}
    try:
        session_key = base64.urlsafe_b64decode(cookie.split(".", 1)[1])
    except ValueError:
        return {}
    return keys.unpack(session_key, board_session.sealed_keys)


def expired(board_session: BoardSession, now: dt.datetime) -> bool:
    idle = PENDING if board_session.stage != FULL else IDLE
    return now - board_session.last_seen_at > idle or now - board_session.created_at > ABSOLUTE


def load(
    db: Session, session_id: str | None, now: dt.datetime
) -> tuple[BoardSession, Account] | None:
    """The live session and its account, with the idle timer moved on; None if there is none.

    An expired session, or one whose account is disabled, is deleted on sight.
    """
    if not session_id:
        return None
    row = db.execute(
        select(BoardSession, Account)
        .join(Account, Account.id == BoardSession.account_id)
        .where(BoardSession.id_hash == _hash(session_id))
    ).first()
    if row is None:
        return None
    board_session, account = row
    if account.disabled or expired(board_session, now):
        with write_transaction(db):
            end(db, session_id)
        return None
    # Moving the idle timer is a write; once a minute is precise enough.
    if now - board_session.last_seen_at >= TOUCH_EVERY:
        with write_transaction(db):
            db.execute(
                update(BoardSession)
                .where(BoardSession.id_hash == board_session.id_hash)
                .values(last_seen_at=now)
            )
        board_session.last_seen_at = now
    return board_session, account


def end(db: Session, session_id: str | None) -> None:
    if session_id:
        db.execute(delete(BoardSession).where(BoardSession.id_hash == _hash(session_id)))


def end_all_for(db: Session, account_id: int, keep: str | None = None) -> int:
    """End every session of an account, except optionally the one in use. Returns how many."""
    statement = delete(BoardSession).where(BoardSession.account_id == account_id)
    if keep:
        statement = statement.where(BoardSession.id_hash != _hash(keep))
    return db.execute(statement).rowcount or 0


def live_sessions(db: Session, now: dt.datetime) -> list[tuple[BoardSession, Account]]:
    rows = db.execute(
        select(BoardSession, Account)
        .join(Account, Account.id == BoardSession.account_id)
        .order_by(BoardSession.last_seen_at.desc())
    ).all()
    return [(s, a) for s, a in rows if not expired(s, now)]


def public_handle(board_session: BoardSession) -> str:
    """A short, stable label for a session on admin pages (not usable as a cookie)."""
    return board_session.id_hash.hex()[:12]


def end_by_handle(db: Session, handle: str) -> BoardSession | None:
    for board_session in db.scalars(select(BoardSession)):
        if public_handle(board_session) == handle:
            db.delete(board_session)
            return board_session
    return None
