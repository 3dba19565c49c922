"""The few cryptographic building blocks the portal uses, all from the `cryptography` and
`argon2-cffi` packages. Nothing here is invented: AES-256-GCM for data, X25519 + HKDF-SHA256
to seal a key to a public key, argon2id to turn a password into a key.

Every ciphertext carries an "associated data" label saying what it is, so a value copied from
one place to another (a note pasted over a narrative, say) fails to decrypt instead of being
read as the wrong thing.
"""

from __future__ import annotations

import base64
import secrets

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.security import claimcodes

KEY_BYTES = 32
NONCE_BYTES = 12
TEXT_PREFIX = "v1:"
RAW = serialization.Encoding.Raw


class DecryptionFailed(ValueError):
    """Wrong key, or the ciphertext was changed."""


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def derive(key: bytes, purpose: str) -> bytes:
    """A separate key for one purpose, from a key made for another."""
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=purpose.encode()).derive(key)


def encrypt(key: bytes, plain: bytes, label: str | bytes) -> bytes:
    """AES-256-GCM with a fresh nonce, which leads the result. A `label` given as bytes is
    used as the associated data as it is (a receipt's token hash, say)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, _associated(label))


def decrypt(key: bytes, sealed: bytes, label: str | bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _associated(label))
    except (InvalidTag, ValueError) as error:
        raise DecryptionFailed(str(label)) from error


def _associated(label: str | bytes) -> bytes:
    return label if isinstance(label, bytes) else label.encode()


def encrypt_text(key: bytes, text: str | None, label: str) -> str | None:
    """Text for a database column: "v1:" and base64. None stays None."""
    if text is None:
        return None
    sealed = encrypt(key, text.encode("utf-8"), label)
    return TEXT_PREFIX + base64.b64encode(sealed).decode("ascii")


def decrypt_text(key: bytes, stored: str | None, label: str) -> str | None:
    if stored is None:
        return None
    if not stored.startswith(TEXT_PREFIX):
        raise DecryptionFailed(label)
    return decrypt(key, base64.b64decode(stored[len(TEXT_PREFIX) :]), label).decode("utf-8")


# --- key pairs -----------------------------------------------------------------------------


def new_key_pair() -> tuple[bytes, bytes]:
    """(private, public) X25519 keys as 32 raw bytes each."""
    private = X25519PrivateKey.generate()
    return (
        private.private_bytes(RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
        private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw),
    )


def seal(public_key: bytes, plain: bytes, label: str) -> bytes:
    """Encrypt to a public key: a fresh key pair's public half, then AES-GCM under a key
    agreed between its private half and the recipient (ECIES, as in libsodium's sealed box)."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    key = derive(shared + ephemeral_public + public_key, "seal:" + label)
    return ephemeral_public + encrypt(key, plain, label)


def unseal(private_key: bytes, sealed: bytes, label: str) -> bytes:
    private = X25519PrivateKey.from_private_bytes(private_key)
    public_key = private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    ephemeral_public, body = sealed[:KEY_BYTES], sealed[KEY_BYTES:]
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError as error:
        raise DecryptionFailed(label) from error
    key = derive(shared + ephemeral_public + public_key, "seal:" + label)
    return decrypt(key, body, label)


# --- passwords and printed keys ----------------------------------------------------------


def password_key(password: str, salt: bytes, cost: tuple[int, int, int]) -> bytes:
    """A key from a password (argon2id), for wrapping a member's private key."""
    time_cost, memory_cost, parallelism = cost
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


_PRINTABLE = claimcodes.ALPHABET


def printable(key: bytes) -> str:
    """A 32-byte key as groups of Crockford base32, to print and keep offline."""
    number = int.from_bytes(key, "big")
    chars = []
    for _ in range(52):  # 52 * 5 bits >= 256 bits
        number, index = divmod(number, 32)
        chars.append(_PRINTABLE[index])
    text = "".join(reversed(chars))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def from_printable(text: str) -> bytes:
    cleaned = (
        text.replace("-", "")
        .replace(" ", "")
        .upper()
        .translate(str.maketrans(claimcodes.LOOK_ALIKES))
    )
    if len(cleaned) != 52 or any(c not in _PRINTABLE for c in cleaned):
        raise DecryptionFailed("recovery key")
    number = 0
    for char in cleaned:
        number = number * 32 + _PRINTABLE.index(char)
    if number >= 1 << 256:
        raise DecryptionFailed("recovery key")
    return number.to_bytes(KEY_BYTES, "big")
