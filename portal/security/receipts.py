"""Sealing a claim code to the one-time token in a filing form and to the browser session
that made the form.

A retried filing POST (refresh, double tap, a lost response) must show the same code again,
yet the database must never hold the code in a form that reveals it. So the code is sealed
with AES-GCM under a key derived from the form's token and from a random secret kept in the
session of the browser that drew the form (`holder`), and the row is found by the token's
hash. Only that browser, with that form, can read the code back, and only for `SHOW_FOR`
after the first showing: the deadline is sealed with the code, exact to the second, while the
row itself keeps only an hour (so the database does not tell when anyone filed).

The sealing is the crypto module's: AES-256-GCM under an HKDF-SHA256 key, with the token's
hash as associated data (the same format as before the crypto module did it, so receipts sealed
before an upgrade still open after it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from portal.security import crypto

TOKEN_BYTES = 32
# The code is never shown again later than this after its first showing.
SHOW_FOR = dt.timedelta(minutes=15)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_holder() -> str:
    """The secret a browser session keeps so that only it can see its receipts again."""
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(b"filing-receipt-id:" + token.encode()).digest()


def _key(token: str, holder: str) -> bytes:
    return crypto.derive(token.encode() + b"\0" + holder.encode(), "filing-receipt-key")


def seal(token: str, holder: str, code: str, show_until: dt.datetime) -> bytes:
    plain = f"{code}\n{show_until.isoformat()}".encode()
    return crypto.encrypt(_key(token, holder), plain, token_hash(token))


def unseal(token: str, holder: str, sealed: bytes, now: dt.datetime) -> str | None:
    """The code, or None: another form or session, or more than `SHOW_FOR` after filing."""
    try:
        plain = crypto.decrypt(_key(token, holder), sealed, token_hash(token))
        code, until = plain.decode().split("\n")
        show_until = dt.datetime.fromisoformat(until)
    except ValueError:  # crypto.DecryptionFailed is one
        return None
    return code if now < show_until else None
