"""Signing in to the board: the password, the second factor, and setting one up.

Every function here that changes something also writes its audit event, in the same
transaction, so the log cannot miss an action that happened.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from portal.board import boardsessions, passwords, totp
from portal.board.accounts import (
    AccountError,
    Secrets,
    locked,
    needs_second_factor,
    normal_username,
    record_account,
)
from portal.db import write_transaction
from portal.models import Account, BoardSession, RecoveryCode
from portal.security import audit
from portal.security import keys as boardkeys

# --- signing in ------------------------------------------------------------------------


def check_password(
    db: Session, keys: Secrets, username: str, password: str, now: dt.datetime
) -> Account | None:
    """The account if the username and password are right and the account is enabled.
    The caller then opens the member's keys with `open_keys` while it still has the password.

    One argon2 verification whatever happens, so a wrong username is not faster. Every
    failure is recorded; the person only ever hears one generic message.
    """
    account = db.scalar(select(Account).where(Account.username == normal_username(username)))
    # An over-long password can never be right, but still costs one verification.
    candidate = password if len(password) <= passwords.MAX_LENGTH else ""
    good = keys.hashing.verify(account.password_hash if account else None, candidate) and bool(
        candidate
    )
    if account is None or not good or account.disabled:
        with write_transaction(db):
            audit.record(
                db,
                "signin.fail",
                account_id=account.id if account else None,
                now=now,
                step="password",
                known_account=account is not None,
            )
        return None
    if keys.hashing.needs_rehash(account.password_hash):
        with write_transaction(db):
            db.execute(
                update(Account)
                .where(Account.id == account.id)
                .values(password_hash=keys.hashing.hash(password))
            )
    return account


def open_keys(db: Session, keys: Secrets, account: Account, password: str) -> boardkeys.Keyring:
    """The board keys a member holds, unwrapped with their password (empty if none yet)."""
    try:
        return boardkeys.unlock(db, account, password, keys.cost)
    except boardkeys.KeyUnavailable:
        return {}


def begin_session(
    db: Session, account: Account, now: dt.datetime, keyring: boardkeys.Keyring | None = None
) -> tuple[str, str]:
    """After a good password: a session at the right stage. Returns (cookie, stage).
    The keyring rides along, sealed to the cookie, until the sign-in is complete."""
    if account.totp_confirmed:
        stage = boardsessions.HALF  # anyone who has a second factor is asked for it
    elif needs_second_factor(account):
        stage = boardsessions.ENROLL
    else:
        stage = boardsessions.FULL
    with write_transaction(db):
        session_id = boardsessions.start(db, account.id, stage, now, keyring)
        if stage == boardsessions.FULL:
            _signed_in(db, account, now, method="password")
    return session_id, stage


def _signed_in(db: Session, account: Account, now: dt.datetime, method: str) -> None:
    db.execute(update(Account).where(Account.id == account.id).values(last_sign_in_at=now))
    audit.record(db, "signin", account_id=account.id, now=now, method=method)


def second_factor(
    db: Session, keys: Secrets, account: Account, old_session: str, code: str, now: dt.datetime
) -> str | None:
    """Check a TOTP or recovery code; on success swap the half session for a full one
    (a new id, so a session id seen before sign-in is worthless after) and return its id."""
    with write_transaction(db):
        fresh = locked(db, account.id)
        method = _use_code(db, keys, fresh, code, now)
        if method is None:
            audit.record(db, "signin.fail", account_id=fresh.id, now=now, step="code")
            return None
        carried = _keyring_of(db, old_session)
        boardsessions.end(db, old_session)
        session_id = boardsessions.start(db, fresh.id, boardsessions.FULL, now, carried)
        _signed_in(db, fresh, now, method=method)
    return session_id


def _keyring_of(db: Session, cookie: str) -> boardkeys.Keyring:
    board_session = db.get(BoardSession, boardsessions.stored_id(cookie))
    return boardsessions.keyring(board_session, cookie) if board_session else {}


def _use_code(
    db: Session, keys: Secrets, account: Account, code: str, now: dt.datetime
) -> str | None:
    if account.totp_secret and account.totp_confirmed:
        secret = totp_secret_of(keys, account) or ""
        step = totp.matching_step(secret, code, account.totp_last_step, _epoch(now))
        if step is not None:
            account.totp_last_step = step
            return "totp"
    recovery = db.scalar(
        select(RecoveryCode)
        .with_for_update()
        .where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_hash.in_(
                [
                    totp.recovery_hash(key, code)
                    for key in (keys.recovery_key, keys.earlier_recovery_key)
                    if key is not None
                ]
            ),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is not None:
        recovery.used_at = now
        audit.record(db, "recovery_code.use", account_id=account.id, now=now)
        return "recovery code"
    return None


def _epoch(now: dt.datetime) -> float:
    """Seconds since 1970 for a naive UTC datetime (TOTP counts in these)."""
    return now.replace(tzinfo=dt.UTC).timestamp()


def sign_out(db: Session, account_id: int, session_id: str, now: dt.datetime) -> None:
    with write_transaction(db):
        boardsessions.end(db, session_id)
        audit.record(db, "signout", account_id=account_id, now=now)


# --- the second factor -----------------------------------------------------------------


def totp_secret_of(keys: Secrets, account: Account) -> str | None:
    """The account's TOTP secret, decrypted; None if it has none yet."""
    return totp.open_secret(keys.totp_key, account.id, account.totp_secret)


def start_totp_setup(db: Session, keys: Secrets, account: Account) -> str:
    """A new, unconfirmed TOTP secret for the account (replacing an unconfirmed one)."""
    if account.totp_confirmed:
        raise AccountError(_l("A second factor is already set up."))
    secret = totp.new_secret()
    stored = totp.seal_secret(keys.totp_key, account.id, secret)
    with write_transaction(db):
        db.execute(update(Account).where(Account.id == account.id).values(totp_secret=stored))
    account.totp_secret = stored
    return secret


def confirm_totp(
    db: Session, keys: Secrets, account: Account, session_id: str, code: str, now: dt.datetime
) -> tuple[list[str], str] | None:
    """Confirm the secret with a real code. Returns the new recovery codes (shown once) and
    a fresh full session id, or None if the code is wrong."""
    with write_transaction(db):
        fresh = locked(db, account.id)
        if not fresh.totp_secret or fresh.totp_confirmed:
            return None
        step = totp.matching_step(totp_secret_of(keys, fresh) or "", code, None, _epoch(now))
        if step is None:
            audit.record(db, "totp.confirm_fail", account_id=fresh.id, now=now)
            return None
        fresh.totp_confirmed, fresh.totp_last_step = True, step
        codes = _replace_recovery_codes(db, keys, fresh.id)
        record_account(db, "totp.enroll", now, by=fresh.id, about=fresh.id)
        carried = _keyring_of(db, session_id)
        boardsessions.end(db, session_id)
        new_session = boardsessions.start(db, fresh.id, boardsessions.FULL, now, carried)
        _signed_in(db, fresh, now, method="enrollment")
    return codes, new_session


def _replace_recovery_codes(db: Session, keys: Secrets, account_id: int) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    codes = totp.new_recovery_codes()
    for code in codes:
        db.add(
            RecoveryCode(
                account_id=account_id, code_hash=totp.recovery_hash(keys.recovery_key, code)
            )
        )
    return codes


def new_recovery_codes(db: Session, keys: Secrets, account: Account, now: dt.datetime) -> list[str]:
    with write_transaction(db):
        codes = _replace_recovery_codes(db, keys, account.id)
        audit.record(db, "recovery_code.renew", account_id=account.id, now=now)
    return codes


def unused_recovery_codes(db: Session, account_id: int) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )
