"""Board accounts: invitations, enrollment, signing in, the second factor, and changes.

Every function here that changes something also writes its audit event, in the same
transaction, so the log cannot miss an action that happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from portal.board import boardsessions, passwords, totp
from portal.db import write_transaction
from portal.models import Account, BoardSession, Invite, MemberKey, RecoveryCode
from portal.security import audit, crypto
from portal.security import keys as boardkeys

INVITE_LIFETIME = dt.timedelta(hours=72)
USERNAME_MAX = 40


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    ADVOCATE = "advocate"


# Roles that read case text, and so hold the board's key.
CASE_KEY_ROLES = frozenset({Role.ADMIN, Role.REVIEWER})

# Roles that must have a second factor before they can do anything.
SECOND_FACTOR_ROLES = frozenset({Role.ADMIN, Role.REVIEWER})


class AccountError(ValueError):
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


@dataclasses.dataclass(frozen=True)
class Enrolled:
    cookie: str
    stage: str
    # Shown once: the board's recovery key, when this enrollment created the board key.
    board_recovery: str | None = None


def needs_second_factor(account: Account) -> bool:
    return account.role in SECOND_FACTOR_ROLES or account.totp_required


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
        if Role(invite.role) in CASE_KEY_ROLES:
            boardkeys.give_personal_keys(account, password, keys.cost)
        db.add(account)
        db.flush()
        if Role(invite.role) in CASE_KEY_ROLES and boardkeys.current(db) is None:
            version, private, recovery_key = boardkeys.create_board_key(db, now)
            keyring = {version: private}
            account.key_approved = True  # the first admin makes the key: nobody to ask
            boardkeys.grant(db, account, keyring)
            recovery = crypto.printable(recovery_key)
        invite.used_at, invite.account_id = now, account.id
        _record_account(
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
        fresh = _existing(db, account.id)
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


def _existing(db: Session, account_id: int) -> Account:
    """The account as it is now in the database, locked for this transaction (PostgreSQL), so
    two requests cannot both use the same one-time code."""
    account = db.get(Account, account_id, populate_existing=True, with_for_update=True)
    if account is None:
        raise AccountError(_l("No such account."))
    return account


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
        fresh = _existing(db, account.id)
        if not fresh.totp_secret or fresh.totp_confirmed:
            return None
        step = totp.matching_step(totp_secret_of(keys, fresh) or "", code, None, _epoch(now))
        if step is None:
            audit.record(db, "totp.confirm_fail", account_id=fresh.id, now=now)
            return None
        fresh.totp_confirmed, fresh.totp_last_step = True, step
        codes = _replace_recovery_codes(db, keys, fresh.id)
        _record_account(db, "totp.enroll", now, by=fresh.id, about=fresh.id)
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
        fresh = _existing(db, account.id)
        fresh.password_hash = new_hash
        # The personal key, wrapped under the new password.
        boardkeys.rewrap(fresh, current, new, keys.cost)
        ended = boardsessions.end_all_for(db, account.id, keep=session_id)
        _record_account(
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
        _record_account(
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
        if target is None or Role(target.role) not in CASE_KEY_ROLES:
            raise AccountError(_l("Only admins and reviewers hold the board key."))
        if target.disabled:
            raise AccountError(_l("Enable the account first."))
        if target.key_approved:
            raise AccountError(_l("This member is already approved."))
        target.key_approved = True
        _record_account(db, "account.key_approve", now, by=admin.id, about=account_id)
        boardkeys.grant(db, target, {current.version: keyring[current.version]})
        _record_account(
            db,
            "board_key.grant",
            now,
            by=admin.id,
            about=account_id,
            version=current.version,
        )


# The switches that mean something for each role; any other is ignored.
FLAGS_BY_ROLE = {
    Role.ADMIN: frozenset({"trained_sensitive"}),
    Role.REVIEWER: frozenset({"trained_sensitive"}),
    # Admins and reviewers always need a second step; advocates never read cases.
    Role.ADVOCATE: frozenset({"totp_required", "organisation"}),
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
        _record_account(
            db,
            "account.change",
            now,
            by=admin.id,
            about=account_id,
            **changed,
        )


def _opens_cases(account: Account) -> bool:
    return Role(account.role) in CASE_KEY_ROLES and account.key_approved and not account.disabled


def _other_trained(db: Session, account_id: int) -> bool:
    """Is another active, approved admin or reviewer trained for sexual misconduct cases?"""
    return (
        db.scalar(
            select(Account.id)
            .where(
                Account.id != account_id,
                Account.role.in_([role.value for role in CASE_KEY_ROLES]),
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
        _record_account(db, "session.end", now, by=admin.id, about=ended.account_id)
    return True


def _record_account(
    db: Session, action: str, now: dt.datetime, *, by: int, about: int, **details: object
) -> None:
    """An audit event about an account (`about`): a member's own, or one an admin (`by`)
    acted on."""
    audit.record(
        db, action, account_id=by, now=now, object_type="account", object_id=about, **details
    )


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
        _record_account(
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
