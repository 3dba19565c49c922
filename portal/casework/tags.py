"""Keyed hashes of "this badge at this agency", so pattern alerts can group complaints
without the database holding anyone's badge number readably.

The key is derived from the board's private key, which a stolen copy of the server does not
hold, so the tags cannot be tested against a list of badge numbers. Tags are computed for new
complaints whenever a board member holding the key uses the review area.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework import patterns
from portal.db import write_transaction
from portal.models import Complaint
from portal.security import crypto, keys, sealing

# The tag of a complaint that names nobody: nothing to group, nothing left to do. Filing sets
# it at once when no badge or name was given, so the "still to tag" lookup (an index on the
# tag) only ever finds the few complaints that really wait.
NOBODY = ""

# Complaints tagged per request at most, so one page view never does unbounded work.
BATCH = 50


def tag_key(keyring: keys.Keyring, version: int) -> bytes | None:
    private = keyring.get(version)
    return crypto.derive(private, "pattern-tag") if private else None


def tag(key: bytes, officer: str | None, agency: str | None) -> str | None:
    named = patterns.officer_key(officer, agency)
    if named is None:
        return None
    return hmac.new(key, named.encode(), hashlib.sha256).hexdigest()


def tag_new_complaints(db: Session, keyring: keys.Keyring) -> int:
    """Tag complaints that name someone and have no tag yet; returns how many were tagged."""
    current = keys.current(db)
    if current is None:
        return 0
    key = tag_key(keyring, current.version)
    if key is None:
        return 0
    waiting = list(
        db.scalars(
            select(Complaint)
            .where(Complaint.officer_tag.is_(None), Complaint.dk_board.is_not(None))
            .limit(BATCH)
        )
    )
    if not waiting:
        return 0
    with write_transaction(db):
        for complaint in waiting:
            try:
                data_key = sealing.key_for_board(complaint, keyring)
            except sealing.TextLocked:
                continue
            officer = sealing.unlock(data_key, complaint.officer, sealing.FIELDS["officer"].label)
            complaint.officer_tag = tag(key, officer, complaint.agency) or NOBODY
    return len(waiting)
