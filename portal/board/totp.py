"""The second factor: TOTP codes from an authenticator app, and one-time recovery codes.

The QR code is drawn here as SVG (segno), so the secret never goes to an image service.
TOTP secrets are stored encrypted under a key derived from the claim pepper, which lives in
configuration and never in the database: a copy of the database alone makes no codes.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets

import pyotp
import segno

from portal.security import crypto

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
_NOT_CODE = re.compile(r"[\s\-]+")


def new_secret() -> str:
    return pyotp.random_base32()


SEALED_PREFIX = crypto.TEXT_PREFIX


def storage_key(pepper: bytes) -> bytes:
    """The key TOTP secrets are stored under, from configuration (not the database)."""
    return crypto.derive(pepper, "totp-secrets")


def recovery_key(pepper: bytes) -> bytes:
    """The key recovery codes are hashed under, from the pepper, which is never changed: so
    changing the secret key leaves every recovery code working."""
    return crypto.derive(pepper, "recovery-codes")


def _label(account_id: int) -> str:
    # Bound to the account, so a secret copied onto another account's row does not open.
    return f"account.totp_secret:{account_id}"


def seal_secret(key: bytes, account_id: int, secret: str) -> str:
    return crypto.encrypt_text(key, secret, _label(account_id)) or ""


def open_secret(key: bytes, account_id: int, stored: str | None) -> str | None:
    """The secret in a stored value; None if there is none."""
    return crypto.decrypt_text(key, stored, _label(account_id)) if stored else None


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """An inline SVG of the QR code, with no XML declaration, ready to put in a page."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title="QR code", nl=False
    )
    return out.getvalue().decode("ascii")


def matching_step(secret: str, code: str, last_step: int | None, at: float) -> int | None:
    """The time step a code belongs to (now, or one step either side for clock drift),
    or None. A step at or before `last_step` was used already and is refused."""
    code = _NOT_CODE.sub("", code)
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(at) // totp.interval
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like `7KQM-2XPA-9HDR`, shown once."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def recovery_hash(key: bytes, code: str) -> bytes:
    """Recovery codes carry 58 bits of randomness, so a keyed hash is enough."""
    normal = _NOT_CODE.sub("", code).upper()
    return hmac.new(key, b"recovery:" + normal.encode(), hashlib.sha256).digest()
