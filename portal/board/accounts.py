"""Board accounts: roles, invitations and enrollment. Signing in and the second factor are
in `portal.board.signin`, an admin's changes to members and a member's own in
`portal.board.members`.

Every function here that changes something also writes its audit event, in the same
transaction, so the log cannot miss an action that happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.board import boardsessions, passwords
from portal.db import write_transaction
from portal.errors import PersonFacingError
from portal.models import Account, Invite
from portal.security import audit, crypto
from portal.security import keys as boardkeys

INVITE_LIFETIME = dt.timedelta(hours=72)
USERNAME_MAX = 40


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    ADVOCATE = "advocate"


# The roles that work cases: they read case text, so they hold the board's key and must have
# a second factor before they can do anything. Who may open which case:
# portal.casework.visibility.
CASE_ROLES = frozenset({Role.ADMIN, Role.REVIEWER})


def works_cases(account: Account) -> bool:
    """Whether the account's role works cases (pages and templates ask this)."""
    return Role(account.role) in CASE_ROLES


class AccountError(PersonFacingError):
    """A request about an account that cannot be done; the message is for the person."""


class InviteInvalid(AccountError):
    """Unknown, used or expired invitation link."""


class UsernameTaken(AccountError):
    pass


class PasswordRejected(AccountError):
    """The new password breaks a rule; the message says which."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not right."""


@dataclasses.dataclass(frozen=True)
class Secrets:
    """What the account functions need from the app: hashing cost and the recovery-code key."""

    hashing: passwords.PasswordHashing
    recovery_key: bytes
    # Encrypts TOTP secrets in the database (totp.storage_key).
    totp_key: bytes
    # argon2id cost for deriving the key that wraps a member's personal private key.
    cost: tuple[int, int, int] = (3, 65536, 4)
    # The key recovery codes were hashed under before it came from the pepper (one from the
    # secret key): codes made then are still accepted, until the secret key changes.
    earlier_recovery_key: bytes | None = None


# Where create_app keeps the account secrets; read only through `current_secrets`.
SECRETS_KEY = "portal.account_secrets"


def current_secrets() -> Secrets:
    return current_app.extensions[SECRETS_KEY]


@dataclasses.dataclass(frozen=True)
class Enrolled:
    cookie: str
    stage: str
    # Shown once: the board's recovery key, when this enrollment created the board key.
    board_recovery: str | None = None


def needs_second_factor(account: Account) -> bool:
    return works_cases(account) or account.totp_required


def normal_username(username: str) -> str:
    return username.strip().lower()


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(b"invite:" + token.encode()).digest()


# --- invitations -----------------------------------------------------------------------


def create_invite(db: Session, role: Role, by_account_id: int | None, now: dt.datetime) -> str:
    """A one-time invitation token (for a link) that expires after 72 hours."""
    token = secrets.token_urlsafe(32)
    with write_transaction(db):
        invite = Invite(
            token_hash=_token_hash(token),
            role=role.value,
            created_by=by_account_id,
            created_at=now,
            expires_at=now + INVITE_LIFETIME,
        )
        db.add(invite)
        db.flush()
        audit.record(
            db,
            "invite.create",
            account_id=by_account_id,
            now=now,
            object_type="invite",
            object_id=invite.id,
            role=role.value,
        )
    return token


def find_invite(db: Session, token: str, now: dt.datetime) -> Invite:
    invite = db.scalar(select(Invite).where(Invite.token_hash == _token_hash(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InviteInvalid
    return invite


def has_active_admin(db: Session) -> bool:
    return bool(
        db.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.role == Role.ADMIN.value, Account.disabled.is_(False))
        )
    )


def _any_admin(db: Session) -> bool:
    first = select(Account.id).where(Account.role == Role.ADMIN.value).limit(1)
    return db.scalar(first) is not None


def enroll(
    db: Session, keys: Secrets, token: str, username: str, password: str, now: dt.datetime
) -> Enrolled:
    """Make the account an invitation allows and start its first session.

    Accounts that need a second factor get an "enroll" session that can do nothing but set one
    up. Admins and reviewers get a personal key pair; the first of them, on a site with no
    board key yet, creates it, holds it, and is shown its recovery key once.
    """
    username = normal_username(username)
    problem = passwords.problem_with(password, username)
    if problem:
        raise PasswordRejected(problem)
    password_hash = keys.hashing.hash(password)
    with write_transaction(db):
        invite = find_invite(db, token, now)
        if db.scalar(select(Account.id).where(Account.username == username)) is not None:
            raise UsernameTaken
        account = Account(
            username=username,
            role=invite.role,
            password_hash=password_hash,
            created_at=now,
            # The site's first admin sets it up and is the chair: trained for sexual
            # misconduct cases unless they say otherwise, so such a case is never left
            # with nobody who may open it.
            trained_sensitive=Role(invite.role) == Role.ADMIN and not _any_admin(db),
        )
        keyring: boardkeys.Keyring = {}
        recovery = None
        if Role(invite.role) in CASE_ROLES:
            boardkeys.give_personal_keys(account, password, keys.cost)
        db.add(account)
        db.flush()
        if Role(invite.role) in CASE_ROLES and boardkeys.current(db) is None:
            version, private, recovery_key = boardkeys.create_board_key(db, now)
            keyring = {version: private}
            account.key_approved = True  # the first admin makes the key: nobody to ask
            boardkeys.grant(db, account, keyring)
            recovery = crypto.printable(recovery_key)
        invite.used_at, invite.account_id = now, account.id
        record_account(
            db,
            "account.enroll",
            now,
            by=account.id,
            about=account.id,
            role=account.role,
            invite=invite.id,
        )
        stage = boardsessions.ENROLL if needs_second_factor(account) else boardsessions.FULL
        cookie = boardsessions.start(db, account.id, stage, now, keyring)
    return Enrolled(cookie, stage, recovery)


def locked(db: Session, account_id: int) -> Account:
    """The account as it is now in the database, locked for this transaction (PostgreSQL), so
    two requests cannot both use the same one-time code."""
    account = db.get(Account, account_id, populate_existing=True, with_for_update=True)
    if account is None:
        raise AccountError(_l("No such account."))
    return account


def record_account(
    db: Session, action: str, now: dt.datetime, *, by: int, about: int, **details: object
) -> None:
    """An audit event about an account (`about`): a member's own, or one an admin (`by`)
    acted on."""
    audit.record(
        db, action, account_id=by, now=now, object_type="account", object_id=about, **details
    )
