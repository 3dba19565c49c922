"""Board accounts, their sign-in secrets, sessions and invitations, and the site settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower case; compared lower case.
    username: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Base32 TOTP secret, encrypted (portal.board.totp.seal_secret) under a key from configuration.
    # Set during enrollment; confirmed once a real code has been typed.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_confirmed: Mapped[bool] = mapped_column(default=False)
    # The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step: Mapped[int | None] = mapped_column()
    # Admins may require a second factor of an advocate too.
    totp_required: Mapped[bool] = mapped_column(default=False)
    # Marked by an admin: trained to handle sexual misconduct complaints.
    trained_sensitive: Mapped[bool] = mapped_column(default=False)
    # For advocates: the organisation recorded on complaints they help file.
    organisation: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(default=False)
    # The member's own X25519 key pair; the private half is wrapped under a key derived from
    # their password, so only they (signed in) can use it. The board's private key is sealed
    # to the public half (MemberKey).
    personal_public: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    personal_private_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary(80))
    kek_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    # Opt-in email notices. They never carry complaint content.
    notify_email: Mapped[str | None] = mapped_column(String(254))
    notify_new: Mapped[bool] = mapped_column(default=False)
    notify_urgent: Mapped[bool] = mapped_column(default=False)
    notify_reply: Mapped[bool] = mapped_column(default=False)
    # An admin has checked this is the person they invited: only then does the member get
    # the board key, which reads every complaint (portal.security.keys.grant_waiting).
    key_approved: Mapped[bool] = mapped_column(default=False, server_default="0")
    # "en" or "es"; None means the board's language (the site setting).
    notice_language: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RecoveryCode(Base):
    """One-time codes for when the phone with the authenticator app is lost."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Invite(Base):
    """A one-time link that lets someone make an account with a given role."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))


class BoardSession(Base):
    """A server-side sign-in session. The browser holds a random id; we keep its hash."""

    __tablename__ = "board_session"

    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    # "half": the password was right, the second factor is still to come.
    # "enroll": a new account that must set up its second factor before anything else.
    # "full": signed in.
    stage: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The board's private keys for this sign-in, encrypted under a key that only the browser's
    # cookie holds: the server alone cannot read them.
    sealed_keys: Mapped[bytes | None] = mapped_column(LargeBinary)


class SiteSettings(Base):
    """The site settings admins edit in the review area (one row), over the site.toml file."""

    __tablename__ = "site_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # JSON object with the same keys as portal.site.Site.
    data: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)


class BoardKey(Base):
    """The board's key pair, by version. Complaint data keys are sealed to the public half;
    the private half exists only sealed to each member and to the printed recovery key."""

    __tablename__ = "board_key"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    recovery_sealed: Mapped[bytes] = mapped_column(LargeBinary(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class MemberKey(Base):
    """The board's private key (one version), sealed to one member's personal public key."""

    __tablename__ = "member_key"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(
        ForeignKey("board_key.version", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary(128))
