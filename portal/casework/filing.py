"""Filing a complaint and opening a case with its claim code, as plain functions.

The participant pages only turn a form into these functions' arguments and their answers (or
named errors) into a page; everything here takes a database session and plain values, so it
can be tested without a request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from portal.casework import assist, caseaccess, complaints, notify
from portal.models import Account
from portal.security import attachments, sealing
from portal.security.claimcodes import ClaimCode, CodeHasher


@dataclasses.dataclass(frozen=True)
class Filing:
    filed: complaints.Filed
    # Which board notice this filing calls for (notify.URGENT or notify.NEW), or None for a
    # retry of a form already filed: it was told the first time.
    notice: str | None


def file(
    db: Session,
    hasher: CodeHasher,
    values: complaints.NewComplaint,
    *,
    advocate: Account | None,
    form_token: str,
    holder: str,
    now: dt.datetime,
    files: Sequence[bytes] = (),
) -> Filing:
    """Store a complaint filed on the form (or recognise a retry of one already stored).

    `files` are the chosen files' bytes, as read (at most `attachments.MAX_BYTES + 1` each).
    Raises complaints.CodeInText (the words are checked before any file is opened),
    attachments.FileRefused, complaints.AlreadyFiled and keys.KeysNotReady; nothing is stored
    then.
    """
    if advocate is not None:
        values = dataclasses.replace(
            values, assisted_by=assist.ADVOCATE, assisted_org=advocate.organisation
        )
    complaints.check_for_codes(values)
    if len(files) > attachments.MAX_FILES:
        raise attachments.FileRefused("too_many")
    values = dataclasses.replace(values, files=tuple(attachments.clean(raw) for raw in files))
    filed = complaints.file_complaint(db, hasher, values, form_token, now, holder=holder)
    if filed.repeated:
        return Filing(filed, notice=None)
    if advocate is not None:
        assist.record_filing(db, advocate, now)
    # Told alike whoever helped: an urgent case filed beside an advocate is just as urgent.
    return Filing(filed, notice=notify.URGENT if filed.urgent else notify.NEW)


class CodeOpensNothing(LookupError):
    """No complaint opens with this code (a try that counts against the rate limit)."""


def open_with_code(
    db: Session,
    hasher: CodeHasher,
    code: ClaimCode,
    *,
    now: dt.datetime,
    idle: dt.timedelta,
    held: str | None,
) -> str:
    """Open the case this code belongs to: close the access `held` before (if any) and return
    the new access to keep in the browser's session. Raises CodeOpensNothing."""
    complaint_id = complaints.find_by_code(db, hasher, code)
    complaint = complaints.get(db, complaint_id) if complaint_id is not None else None
    if complaint is None:
        raise CodeOpensNothing
    data_key = sealing.key_for_code(complaint, hasher.code_key(code))
    complaints.opened(db, complaint, now)
    caseaccess.close_case(db, held)
    return caseaccess.open_case(db, complaint.id, now, idle, data_key)
