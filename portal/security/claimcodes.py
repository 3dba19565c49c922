"""Claim codes: making, reading, checking and hashing them.

A code is 20 Crockford base32 characters shown in five groups of four:
`LLLL-SSSS-SSSS-SSSS-SSSC`. L is the locator (20 bits, unique, not secret), S the secret
(75 bits from `secrets`), C a Luhn mod 32 check character over the first 19, so a typo is
caught before any database or argon2 work.

The database keeps the locator and argon2id(HMAC-SHA256(pepper, secret)). The pepper lives in
configuration only, so a stolen database alone cannot be brute-forced.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

# Crockford base32: the one alphabet of claim codes and of printed keys (portal.security.crypto).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Crockford's forgiving reading: letters people confuse with digits, read as the digit.
LOOK_ALIKES = {"O": "0", "I": "1", "L": "1"}
N = len(ALPHABET)
LOCATOR_LENGTH = 4
SECRET_LENGTH = 15
CODE_LENGTH = LOCATOR_LENGTH + SECRET_LENGTH + 1
GROUP = 4
# Anything longer than this is refused before any work is done on it.
MAX_INPUT_LENGTH = 64

_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_CONFUSABLE = str.maketrans(LOOK_ALIKES)
_IGNORED = re.compile(r"[\s\-]+")


class ClaimCodeError(ValueError):
    """Base for a code that cannot be used."""


class ClaimCodeMalformed(ClaimCodeError):
    """Wrong length or characters that are not in the alphabet."""


class ClaimCodeTypo(ClaimCodeError):
    """The check character does not match: almost certainly a typing mistake."""


@dataclass(frozen=True)
class ClaimCode:
    locator: str
    secret: str

    @property
    def compact(self) -> str:
        body = self.locator + self.secret
        return body + check_character(body)

    @property
    def display(self) -> str:
        """`K7QM-2XPA-9HDR-T4WE-8NCB`."""
        compact = self.compact
        return "-".join(compact[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))

    @property
    def groups(self) -> list[str]:
        return self.display.split("-")

    def __repr__(self) -> str:
        # Never print the secret, even in a traceback.
        return f"ClaimCode(locator={self.locator!r}, secret=<hidden>)"


def check_character(body: str) -> str:
    """Luhn mod N check character for `body` (characters from ALPHABET)."""
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


def random_locator() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LOCATOR_LENGTH))


def new_code(locator: str | None = None) -> ClaimCode:
    return ClaimCode(
        locator=locator or random_locator(),
        secret="".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH)),
    )


def parse(text: str) -> ClaimCode:
    """Read a code as a person typed it: case, spaces and dashes do not matter.

    Raises ClaimCodeMalformed or ClaimCodeTypo without touching the database.
    """
    if len(text) > MAX_INPUT_LENGTH:
        raise ClaimCodeMalformed("too long")
    compact = _IGNORED.sub("", text).upper().translate(_CONFUSABLE)
    if len(compact) != CODE_LENGTH or any(char not in _VALUE for char in compact):
        raise ClaimCodeMalformed("not a claim code")
    body, check = compact[:-1], compact[-1]
    if not hmac.compare_digest(check_character(body), check):
        raise ClaimCodeTypo("check character does not match")
    return ClaimCode(locator=body[:LOCATOR_LENGTH], secret=body[LOCATOR_LENGTH:])


# Something shaped like a claim code inside free text: 20 code characters, optionally in
# groups of four joined by a dash or spaces. The lookahead makes matches overlap, so a word
# just before a code ("code K7QM-...") cannot swallow its first group.
_EMBEDDED = re.compile(
    r"(?<![0-9A-Za-z])(?=([0-9A-Za-z]{4}(?:[ \-]*[0-9A-Za-z]{4}){4})(?![0-9A-Za-z]))"
)


def find_in_text(text: str) -> bool:
    """True when `text` holds something that reads as a valid claim code.

    Catches a code pasted into a complaint or message, where it would be stored readable.
    """
    for match in _EMBEDDED.finditer(text):
        try:
            parse(match.group(1))
        except ClaimCodeError:
            continue
        return True
    return False


class CodeHasher:
    """argon2id over an HMAC of the secret under the pepper.

    One instance per app, built from configuration. `verify_calls` counts verifications, so
    tests can show a check costs exactly one whatever the number of complaints.
    """

    def __init__(self, pepper: bytes, time_cost: int, memory_cost: int, parallelism: int):
        if not pepper:
            raise ValueError("a claim-code pepper is required")
        self._pepper = pepper
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified against when a locator is unknown, so timing does not reveal which exist.
        self._dummy_hash = self._hasher.hash(secrets.token_bytes(16))
        self.verify_calls = 0

    def _peppered(self, secret: str) -> bytes:
        return hmac.new(self._pepper, secret.encode("ascii"), hashlib.sha256).digest()

    def code_key(self, code: ClaimCode) -> bytes:
        """A 256-bit key from the code's secret (and the pepper), which wraps the complaint's
        data key so the complainant can read their own case."""
        return hmac.new(self._peppered(code.secret), b"complaint-data-key", hashlib.sha256).digest()

    def _verify_dummy(self, code: ClaimCode) -> None:
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            self._hasher.verify(self._dummy_hash, self._peppered(code.secret))

    def hash(self, code: ClaimCode) -> str:
        return self._hasher.hash(self._peppered(code.secret))

    def verify(self, stored_hash: str | None, code: ClaimCode) -> bool:
        """One argon2 verification, whether or not there is a stored hash to check."""
        self.verify_calls += 1
        if stored_hash is not None and not stored_hash.startswith("$argon2"):
            # A deleted complaint's placeholder: take as long as a real check, then refuse.
            self._verify_dummy(code)
            return False
        try:
            return self._hasher.verify(
                stored_hash or self._dummy_hash, self._peppered(code.secret)
            ) and (stored_hash is not None)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


# Where create_app keeps the app's CodeHasher (its pepper and cost); read only through
# `current_hasher`.
EXTENSION_KEY = "portal.hasher"


def current_hasher() -> CodeHasher:
    return current_app.extensions[EXTENSION_KEY]
