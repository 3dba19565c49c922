"""Changes to board accounts: an admin's (disable, approve for the board key, switches,
ending a session) and a member's own (password, email notices).

Every function here that changes something also writes its audit event, in the same
transaction, so the log cannot miss an action that happened.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.board import boardsessions, passwords
from portal.board.accounts import (
    CASE_ROLES,
    AccountError,
    PasswordRejected,
    Role,
    Secrets,
    WrongPassword,
    locked,
    record_account,
    works_cases,
)
from portal.db import write_transaction
from portal.models import Account, MemberKey
from portal.security import keys as boardkeys

# --- changes to accounts ----------------------------------------------------------------


def change_password(
    db: Session,
    keys: Secrets,
    account: Account,
    session_id: str,
    current: str,
    new: str,
    now: dt.datetime,
) -> None:
    """Change a password; every other session of the account ends."""
    if len(current) > passwords.MAX_LENGTH or not keys.hashing.verify(
        account.password_hash, current
    ):
        raise WrongPassword(_l("Your current password is not right. Please try again."))
    problem = passwords.problem_with(new, account.username)
    if problem:
        raise PasswordRejected(problem)
    new_hash = keys.hashing.hash(new)
    with write_transaction(db):
        fresh = locked(db, account.id)
        fresh.password_hash = new_hash
        # The personal key, wrapped under the new password.
        boardkeys.rewrap(fresh, current, new, keys.cost)
        ended = boardsessions.end_all_for(db, account.id, keep=session_id)
        record_account(
            db,
            "account.password_change",
            now,
            by=account.id,
            about=account.id,
            sessions_ended=ended,
        )


def _holds_key(db: Session, account: Account) -> bool:
    """Has the board key, or an admin's approval to receive it."""
    return account.key_approved or (
        db.scalar(select(MemberKey.account_id).where(MemberKey.account_id == account.id).limit(1))
        is not None
    )


def _other_key_holders(db: Session, account_id: int) -> int:
    """Active members other than this one who hold the current board key."""
    current = boardkeys.current(db)
    if current is None:
        return 0
    return (
        db.scalar(
            select(func.count())
            .select_from(MemberKey)
            .join(Account, Account.id == MemberKey.account_id)
            .where(
                MemberKey.version == current.version,
                Account.id != account_id,
                Account.disabled.is_(False),
            )
        )
        or 0
    )


def set_disabled(
    db: Session,
    admin: Account,
    account_id: int,
    disabled: bool,
    now: dt.datetime,
    keyring: boardkeys.Keyring | None = None,
) -> None:
    """Disable (ending every session at once) or enable an account. Admins cannot disable
    themselves, so a site never loses its last admin by accident.

    Disabling takes the board key away, so only an admin who holds it (in this sign-in's
    `keyring`) may disable a member who holds it, and the last holders never lose it: an
    admin nobody approved cannot lock the board out of every complaint."""
    if account_id == admin.id:
        raise AccountError(_l("You cannot disable your own account."))
    with write_transaction(db):
        target = db.get(Account, account_id)
        if target is None:
            raise AccountError(_l("No such account."))
        if disabled and _holds_key(db, target):
            current = boardkeys.current(db)
            if not admin.key_approved or current is None or current.version not in (keyring or {}):
                raise AccountError(
                    _l("Only an admin who holds the board key can disable a member who holds it.")
                )
            if not _other_key_holders(db, account_id):
                raise AccountError(
                    _l(
                        "This member is the last one who holds the board key, so they cannot "
                        "be disabled. Approve another admin or reviewer first."
                    )
                )
        target.disabled = disabled
        ended = boardsessions.end_all_for(db, account_id) if disabled else 0
        if disabled:
            # Removing a member removes their copies of the board key; enabling them again
            # needs an admin's approval and a fresh grant from a member who holds it.
            boardkeys.revoke(db, account_id)
            target.key_approved = False
        record_account(
            db,
            "account.disable" if disabled else "account.enable",
            now,
            by=admin.id,
            about=account_id,
            sessions_ended=ended,
        )


def approve_key(
    db: Session, admin: Account, account_id: int, keyring: boardkeys.Keyring, now: dt.datetime
) -> None:
    """An admin holding the board key has checked that a new admin or reviewer is the person
    they invited, and hands them the key (which reads every complaint) in the same act."""
    if account_id == admin.id:
        raise AccountError(_l("Another admin must approve you."))
    current = boardkeys.current(db)
    if not admin.key_approved or current is None or current.version not in keyring:
        raise AccountError(_l("Only an admin who holds the board key can approve members."))
    with write_transaction(db):
        target = db.get(Account, account_id)
        if target is None or not works_cases(target):
            raise AccountError(_l("Only admins and reviewers hold the board key."))
        if target.disabled:
            raise AccountError(_l("Enable the account first."))
        if target.key_approved:
            raise AccountError(_l("This member is already approved."))
        target.key_approved = True
        record_account(db, "account.key_approve", now, by=admin.id, about=account_id)
        boardkeys.grant(db, target, {current.version: keyring[current.version]})
        record_account(
            db,
            "board_key.grant",
            now,
            by=admin.id,
            about=account_id,
            version=current.version,
        )


# The switches that mean something for each role; any other is ignored.
# Roles that work cases always need a second step; the others never read cases.
FLAGS_BY_ROLE = {
    role: frozenset({"trained_sensitive"})
    if role in CASE_ROLES
    else frozenset({"totp_required", "organisation"})
    for role in Role
}


def set_flags(
    db: Session, admin: Account, account_id: int, now: dt.datetime, **flags: bool | str | None
) -> None:
    """Admin switches: `totp_required` and `organisation` (advocates), `trained_sensitive`
    (admins and reviewers, an admin's own included). The last active trained member who can
    open cases keeps the flag, so sexual misconduct cases always have someone to read them."""
    allowed = {"totp_required", "trained_sensitive", "organisation"}
    if not set(flags) <= allowed:
        raise AccountError(_l("Unknown setting."))
    with write_transaction(db):
        target = db.get(Account, account_id)
        if target is None:
            raise AccountError(_l("No such account."))
        flags = {k: v for k, v in flags.items() if k in FLAGS_BY_ROLE[Role(target.role)]}
        if (
            flags.get("trained_sensitive") is False
            and _opens_cases(target)
            and target.trained_sensitive
            and not _other_trained(db, target.id)
        ):
            raise AccountError(
                _l(
                    "This is the last active member trained for sexual misconduct cases. "
                    "Mark someone else as trained first."
                )
            )
        changed = {k: v for k, v in flags.items() if getattr(target, k) != v}
        for name, value in changed.items():
            setattr(target, name, value)
        record_account(
            db,
            "account.change",
            now,
            by=admin.id,
            about=account_id,
            **changed,
        )


def _opens_cases(account: Account) -> bool:
    return works_cases(account) and account.key_approved and not account.disabled


def _other_trained(db: Session, account_id: int) -> bool:
    """Is another active, approved admin or reviewer trained for sexual misconduct cases?"""
    return (
        db.scalar(
            select(Account.id)
            .where(
                Account.id != account_id,
                Account.role.in_([role.value for role in CASE_ROLES]),
                Account.disabled.is_(False),
                Account.key_approved.is_(True),
                Account.trained_sensitive.is_(True),
            )
            .limit(1)
        )
        is not None
    )


def end_session(db: Session, admin: Account, handle: str, now: dt.datetime) -> bool:
    with write_transaction(db):
        ended = boardsessions.end_by_handle(db, handle)
        if ended is None:
            return False
        record_account(db, "session.end", now, by=admin.id, about=ended.account_id)
    return True


def all_accounts(db: Session) -> list[Account]:
    return list(db.scalars(select(Account).order_by(Account.role, Account.username)))


def set_notices(
    db: Session,
    account: Account,
    *,
    email: str | None,
    new: bool,
    urgent: bool,
    reply: bool,
    language: str | None = None,
    now: dt.datetime,
) -> None:
    """A member's own choice of email notices (none unless they opt in), and of their
    language (None: the board's)."""
    with write_transaction(db):
        db.execute(
            update(Account)
            .where(Account.id == account.id)
            .values(
                notify_email=email,
                notify_new=new,
                notify_urgent=urgent,
                notify_reply=reply,
                notice_language=language,
            )
        )
        record_account(
            db,
            "account.notices",
            now,
            by=account.id,
            about=account.id,
            email_set=email is not None,
            new=new,
            urgent=urgent,
            reply=reply,
            language=language or "board",
        )
