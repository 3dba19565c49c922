"""Board passwords: the rules they must meet, and argon2id hashing.

Rules follow NIST SP 800-63B: long enough, not on a list of common passwords, not the
username, and no composition rules (they make passwords worse, not stronger).
"""

from __future__ import annotations

import gzip
import re
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_DISTINCT = 5
_TRAILING = re.compile(r"[\d\W_]+$")
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@cache
def _common() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def problem_with(password: str, username: str) -> str | None:
    """What is wrong with a new password, in words for the person; None if it is fine."""
    if len(password) < MIN_LENGTH:
        return str(
            _l(
                "Please use at least %(n)d characters. A few words together work well.",
                n=MIN_LENGTH,
            )
        )
    if len(password) > MAX_LENGTH:
        return str(_l("Please use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    # "password2024!" is as weak as "password": check it without trailing digits and marks.
    if lowered in _common() or _TRAILING.sub("", lowered) in _common():
        return str(
            _l("Many people use this password, so it is easy to guess. Please choose another.")
        )
    if len(set(lowered)) < MIN_DISTINCT:
        return str(_l("This password repeats the same few characters. Please choose another."))
    if username and password.strip().lower() == username.strip().lower():
        return str(_l("Your password cannot be the same as your username."))
    return None


class PasswordHashing:
    """argon2id with the configured cost. Verifies against a dummy hash when there is no
    account, so a wrong username takes as long as a wrong password."""

    def __init__(self, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
