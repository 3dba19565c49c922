"""Sealing a claim code to the one-time token in a filing form.

A retried filing POST (refresh, double tap, a lost response) must show the same code again,
yet the database must never hold the code in a form that reveals it. So the code is sealed
with AES-GCM under a key derived from the form's token, and the row is found by the token's
hash: only the browser that holds the form can read the code back.
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 32
NONCE_BYTES = 12


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(b"filing-receipt-id:" + token.encode()).digest()


def _key(token: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"filing-receipt-key").derive(
        token.encode()
    )


def seal(token: str, code: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(_key(token)).encrypt(nonce, code.encode(), token_hash(token))


def unseal(token: str, sealed: bytes) -> str | None:
    try:
        plain = AESGCM(_key(token)).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], token_hash(token)
        )
    except (InvalidTag, ValueError):
        return None
    return plain.decode()
