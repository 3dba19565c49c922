"""'You said, we did': what the board writes for the public about a decided case, and what
the program or agency did about it.

The public summary is written by the board for publication, never the complainant's words.
That cannot be fully checked by a machine, but the plain mistakes can: a claim code, the name
or badge of the person complained about, the name the complainant chose, or a run of words
copied from what the complainant wrote.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.board.accounts import Role
from portal.choices import Status
from portal.db import write_transaction
from portal.errors import PersonFacingError
from portal.models import Account, Complaint, Message
from portal.models.casework import FROM_COMPLAINANT
from portal.security import audit, claimcodes, sealing

SUMMARY_MAX = 2_000
RESPONSE_MAX = 2_000
# This many words in a row, the same as in the complainant's own text, count as copied.
COPIED_WORDS = 6
DECIDED = frozenset({Status.RESOLVED, Status.CLOSED})
_WORD = re.compile(r"\w+")


class NotPublishable(PersonFacingError):
    """The text cannot be published as written; the message says why, for the board."""


def _runs(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + COPIED_WORDS]) for i in range(len(words) - COPIED_WORDS + 1)}


def _their_words(db: Session, complaint: Complaint, data_key: bytes) -> tuple[list[str], list[str]]:
    """What the person wrote (decrypted for this check only), and the names to leave out."""
    text = sealing.read_or_blank(complaint, data_key)
    words = [getattr(text, name) for name in sealing.names(checked_before_publication=True)]
    words += [
        sealing.unlock(data_key, body, sealing.MESSAGE)
        for body in db.scalars(
            select(Message.body).where(
                Message.complaint_id == complaint.id, Message.direction == FROM_COMPLAINANT
            )
        )
    ]
    named = [getattr(text, name) for name in sealing.names(names_someone=True)]
    return [w for w in words if w], [n for n in named if n]


def clean(
    db: Session, complaint: Complaint, text: str | None, limit: int, data_key: bytes
) -> str | None:
    """The text as it may be published, or None if empty; NotPublishable if it must not be.

    `data_key` is the complaint's, to compare with what the person wrote."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > limit:
        raise NotPublishable(_l("Please keep this under %(max)d characters.", max=limit))
    if claimcodes.find_in_text(text):
        raise NotPublishable(_l("This must not contain a claim code."))
    theirs, names = _their_words(db, complaint, data_key)
    folded = text.casefold()
    for name in names:
        if len(name.strip()) >= 3 and name.strip().casefold() in folded:
            raise NotPublishable(
                _l(
                    "Please leave out names and badge numbers: the public text must not point "
                    "to anyone."
                )
            )
    copied = _runs(text)
    if any(copied & _runs(words) for words in theirs):
        raise NotPublishable(
            _l("This repeats the person's own words. Please write it in the board's words.")
        )
    return text


def _decided(complaint: Complaint) -> None:
    if Status(complaint.status) not in DECIDED or complaint.disposition is None:
        raise NotPublishable(_l("Record the board's decision first."))


def set_publication(
    db: Session,
    account: Account,
    complaint: Complaint,
    *,
    summary: str | None,
    in_packet: bool,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    """The board's public summary of a decided case, and whether its review packet shows it."""
    _decided(complaint)
    summary = clean(db, complaint, summary, SUMMARY_MAX, data_key)
    if in_packet and summary is None:
        raise NotPublishable(_l("Write a public summary to put this case in the review packet."))
    with write_transaction(db):
        changed = summary != complaint.public_summary
        complaint.public_summary = summary
        complaint.in_packet = in_packet
        audit.record(
            db,
            "case.publication",
            account_id=account.id,
            now=now,
            object_type="complaint",
            object_id=complaint.locator,
            summary_changed=changed,
            in_packet=in_packet,
        )


def set_program_response(
    db: Session,
    account: Account,
    complaint: Complaint,
    response: str | None,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    """What the program or agency did, added later by an admin, published beside the board's
    summary."""
    if Role(account.role) != Role.ADMIN:
        raise NotPublishable(_l("Only an admin can record what the program did."))
    _decided(complaint)
    if complaint.public_summary is None:
        raise NotPublishable(_l("There is no public summary for the program to answer yet."))
    response = clean(db, complaint, response, RESPONSE_MAX, data_key)
    with write_transaction(db):
        complaint.program_response = response
        audit.record(
            db,
            "case.program_response",
            account_id=account.id,
            now=now,
            object_type="complaint",
            object_id=complaint.locator,
        )
