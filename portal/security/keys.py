"""The board's keys: who holds them, and how a signed-in member carries them for a while.

- The board key pair (X25519, versioned). Every complaint's data key is sealed to its public
  half. Its private half is stored only sealed: to each case-working member's personal public
  key, and under the recovery key printed once for the first admin.
- Each admin and reviewer has a personal key pair; its private half is wrapped under a key
  derived from their password (argon2id), so only they, signed in, can use it.
- At sign-in the member's board keys are unwrapped and kept for the session encrypted under a
  random key that only the browser's cookie holds ("keyring"). The server alone, or a copy of
  the database and instance folder, cannot read any complaint text.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.models import Account, BoardKey, MemberKey
from portal.security import audit, crypto

Keyring = dict[int, bytes]  # board key version -> board private key
SALT_BYTES = 16


class KeysNotReady(RuntimeError):
    """There is no board key yet: the first admin has not finished setting up."""


class KeyUnavailable(LookupError):
    """A key could not be unwrapped: wrong password or recovery key, or no grant yet."""


def current(db: Session) -> BoardKey | None:
    return db.scalar(
        select(BoardKey).where(BoardKey.retired_at.is_(None)).order_by(BoardKey.version.desc())
    )


def current_public(db: Session) -> tuple[int, bytes]:
    key = current(db)
    if key is None:
        raise KeysNotReady
    return key.version, key.public_key


def _label(version: int) -> str:
    return f"board-private-key:v{version}"


def create_board_key(db: Session, now: dt.datetime) -> tuple[int, bytes, bytes]:
    """A new board key version. Returns (version, private key, recovery key); the caller
    shows the recovery key once and grants the private key to members. Retires the old one."""
    private, public = crypto.new_key_pair()
    recovery = crypto.new_key()
    previous = current(db)
    version = (previous.version + 1) if previous else 1
    if previous is not None:
        previous.retired_at = now
    db.add(
        BoardKey(
            version=version,
            public_key=public,
            recovery_sealed=crypto.encrypt(recovery, private, _label(version)),
            created_at=now,
        )
    )
    db.flush()
    return version, private, recovery


def recover(db: Session, recovery_text: str) -> Keyring:
    """The current board private key, from the printed recovery key."""
    key = current(db)
    if key is None:
        raise KeysNotReady
    try:
        recovery = crypto.from_printable(recovery_text)
        return {key.version: crypto.decrypt(recovery, key.recovery_sealed, _label(key.version))}
    except crypto.DecryptionFailed as error:
        raise KeyUnavailable("recovery key") from error


# --- members -------------------------------------------------------------------------------


def _kek(account: Account, password: str, cost: tuple[int, int, int]) -> bytes:
    if account.kek_salt is None:
        raise KeyUnavailable("no personal key")
    return crypto.password_key(password, account.kek_salt, cost)


def give_personal_keys(account: Account, password: str, cost: tuple[int, int, int]) -> None:
    """A personal key pair for a member who works cases, wrapped under their password."""
    private, public = crypto.new_key_pair()
    account.kek_salt = secrets.token_bytes(SALT_BYTES)
    account.personal_public = public
    account.personal_private_wrapped = crypto.encrypt(
        _kek(account, password, cost), private, f"personal-key:{account.username}"
    )


def rewrap(account: Account, old: str, new: str, cost: tuple[int, int, int]) -> None:
    """On a password change: the same personal key, wrapped under the new password."""
    if account.personal_private_wrapped is None:
        return
    private = crypto.decrypt(
        _kek(account, old, cost),
        account.personal_private_wrapped,
        f"personal-key:{account.username}",
    )
    account.kek_salt = secrets.token_bytes(SALT_BYTES)
    account.personal_private_wrapped = crypto.encrypt(
        _kek(account, new, cost), private, f"personal-key:{account.username}"
    )


def grant(db: Session, account: Account, keyring: Keyring) -> None:
    """Seal the board keys in `keyring` to a member's personal public key."""
    if account.personal_public is None:
        return
    for version, private in keyring.items():
        exists = db.get(MemberKey, (account.id, version))
        if exists is None:
            db.add(
                MemberKey(
                    account_id=account.id,
                    version=version,
                    sealed=crypto.seal(account.personal_public, private, _label(version)),
                )
            )


def members_waiting(db: Session) -> bool:
    """Is any active case-working member without the current board key? (A cheap read.)"""
    key = current(db)
    if key is None:
        return False
    has_it = select(MemberKey.account_id).where(MemberKey.version == key.version)
    return (
        db.scalar(
            select(Account.id)
            .where(
                Account.personal_public.is_not(None),
                Account.disabled.is_(False),
                Account.key_approved.is_(True),
                Account.id.not_in(has_it),
            )
            .limit(1)
        )
        is not None
    )


def grant_waiting(db: Session, keyring: Keyring, now: dt.datetime) -> int:
    """Give the current board key to members an admin has approved since (they can read
    cases from their next sign-in). Any signed-in member holding the key does this; returns
    how many."""
    key = current(db)
    if key is None or key.version not in keyring:
        return 0
    has_it = select(MemberKey.account_id).where(MemberKey.version == key.version)
    waiting = list(
        db.scalars(
            select(Account).where(
                Account.personal_public.is_not(None),
                Account.disabled.is_(False),
                Account.key_approved.is_(True),
                Account.id.not_in(has_it),
            )
        )
    )
    for account in waiting:
        grant(db, account, {key.version: keyring[key.version]})
        # Handing out the key that reads every complaint is always on the record.
        audit.record(
            db,
            "board_key.grant",
            account_id=None,
            now=now,
            object_type="account",
            object_id=account.id,
            version=key.version,
        )
    return len(waiting)


def unlock(db: Session, account: Account, password: str, cost: tuple[int, int, int]) -> Keyring:
    """At sign-in: the board keys this member holds. Empty if none were granted yet."""
    if account.personal_private_wrapped is None:
        return {}
    try:
        private = crypto.decrypt(
            _kek(account, password, cost),
            account.personal_private_wrapped,
            f"personal-key:{account.username}",
        )
        return {
            member_key.version: crypto.unseal(
                private, member_key.sealed, _label(member_key.version)
            )
            for member_key in db.scalars(
                select(MemberKey).where(MemberKey.account_id == account.id)
            )
        }
    except crypto.DecryptionFailed as error:
        raise KeyUnavailable("personal key") from error


def revoke(db: Session, account_id: int) -> None:
    """A removed or disabled member loses their sealed copies of the board key."""
    db.execute(delete(MemberKey).where(MemberKey.account_id == account_id))


# --- carrying a keyring through a session ------------------------------------------------


def pack(keyring: Keyring) -> tuple[bytes, bytes]:
    """Encrypt a keyring for the server side of a session. Returns (session key, blob): the
    blob goes in the database, the session key only in the browser's cookie."""
    session_key = crypto.new_key()
    plain = json.dumps({str(v): base64.b64encode(k).decode() for v, k in keyring.items()})
    return session_key, crypto.encrypt(session_key, plain.encode(), "session-keyring")


def unpack(session_key: bytes, blob: bytes | None) -> Keyring:
    if blob is None:
        return {}
    try:
        plain = json.loads(crypto.decrypt(session_key, blob, "session-keyring"))
    except crypto.DecryptionFailed:
        return {}
    return {int(v): base64.b64decode(k) for v, k in plain.items()}
