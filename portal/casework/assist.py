"""Filing with a peer advocate's help, and leaving nothing behind on a shared screen.

An advocate signs in, reads the consent step to the person, and the person files on the
ordinary form. The complaint records that it was assisted and the advocate's organisation,
never the advocate's account; the audit log records that the advocate helped someone file,
never which complaint (and only to the hour, so the two cannot be lined up by time).
"""

from __future__ import annotations

import datetime as dt

from flask import request, session
from flask_babel import get_locale
from sqlalchemy.orm import Session

from portal.board import boardsessions
from portal.config import current_config
from portal.db import write_transaction
from portal.models import Account
from portal.security import audit

CONSENT_KEY = "assist_consent"
ADVOCATE = "advocate"

# Spelling words for reading a claim code aloud ("K as in kilo", "K de kilo"), for the letters
# a code can hold. Digits are read as digits. English uses the NATO alphabet; Spanish uses
# words every Spanish speaker knows, chosen so that letters that sound alike in Spanish
# (B and V, C, S and Z, G and J, Y) never share a sound: "B de Bolivia", "V de Venezuela".
NATO = {
    "A": "alfa", "B": "bravo", "C": "charlie", "D": "delta", "E": "echo", "F": "foxtrot",
    "G": "golf", "H": "hotel", "J": "juliett", "K": "kilo", "M": "mike", "N": "november",
    "P": "papa", "Q": "quebec", "R": "romeo", "S": "sierra", "T": "tango", "V": "victor",
    "W": "whiskey", "X": "x-ray", "Y": "yankee", "Z": "zulu",
}  # fmt: skip
SPANISH = {
    "A": "Argentina", "B": "Bolivia", "C": "Colombia", "D": "dedo", "E": "Ecuador",
    "F": "Francia", "G": "Guatemala", "H": "Honduras", "J": "Japón", "K": "kilo",
    "M": "México", "N": "Nicaragua", "P": "Perú", "Q": "queso", "R": "Roma", "S": "sol",
    "T": "Texas", "V": "Venezuela", "W": "Washington", "X": "xilófono", "Y": "yate",
    "Z": "zapato",
}  # fmt: skip
SPELLING = {"en": NATO, "es": SPANISH}


def spelled(group: str) -> list[tuple[str, str | None]]:
    """Each character of a code group with its spelling word in the page's language (None
    for a digit)."""
    words = SPELLING.get(str(get_locale() or "en"), NATO)
    return [(char, words.get(char)) for char in group]


def signed_in_advocate(db: Session, now: dt.datetime) -> Account | None:
    """The advocate signed in on this browser, if any (read from the board session)."""
    cookie = request.cookies.get(boardsessions.cookie_name(current_config().is_production))
    loaded = boardsessions.load(db, cookie, now)
    if loaded is None:
        return None
    board_session, account = loaded
    if account.role != ADVOCATE or board_session.stage != boardsessions.FULL:
        return None
    return account


def case_worker_here(db: Session, now: dt.datetime) -> int | None:
    """The admin or reviewer signed in on this browser (at any stage), if any.

    A complaint filed here is marked with their account, so they can never propose or approve
    a link that would let a code of theirs follow another case (portal.casework.linking). An
    advocate
    is left out on purpose: they file for someone else, and a complaint never records which
    advocate helped.
    """
    cookie = request.cookies.get(boardsessions.cookie_name(current_config().is_production))
    loaded = boardsessions.load(db, cookie, now)
    if loaded is None or loaded[1].role == ADVOCATE:
        return None
    return loaded[1].id


def consent_given() -> bool:
    return bool(session.get(CONSENT_KEY))


def record_consent() -> None:
    session[CONSENT_KEY] = True


def used_consent() -> None:
    """Consent is for one person and one complaint."""
    session.pop(CONSENT_KEY, None)


def record_filing(db: Session, advocate: Account, now: dt.datetime) -> None:
    with write_transaction(db):
        # A filing's time is the person's: it waits outside the chain like theirs.
        audit.record_participant(
            db,
            "assist.file",
            account_id=advocate.id,
            now=now,
            organisation=advocate.organisation,
        )


def end_advocate_session(db: Session) -> None:
    cookie = request.cookies.get(boardsessions.cookie_name(current_config().is_production))
    with write_transaction(db):
        boardsessions.end(db, cookie)
