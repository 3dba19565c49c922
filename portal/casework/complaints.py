"""Filing a complaint and finding it again by its claim code.

Functions take a database session and plain values and return plain values; they know
nothing of requests or forms.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.choices import SafeNow, Status
from portal.clock import hour_ceiling, hour_floor
from portal.db import write_transaction
from portal.models import Attachment, Complaint, Demographics, FilingReceipt, StatusChange
from portal.security import attachments, claimcodes, filestore, receipts, sealing
from portal.security.claimcodes import ClaimCode, CodeHasher

# Who should not see the complaint, in the person's words (the forms cap it too).
KEEP_AWAY_MAX = 500

# How long a retried filing can still show its code (receipts.SHOW_FOR, stored rounded up to
# the hour), and how long after that a retry is still recognised as one (and answered
# "already sent") rather than filed again.
SEAL_LIFETIME = receipts.SHOW_FOR
RECEIPT_LIFETIME = dt.timedelta(days=7)
# The locator space holds about a million codes; give up long before it is crowded.
LOCATOR_ATTEMPTS = 20


class CodeInText(ValueError):
    """The person put a claim code into their text; storing it would store it readable."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class AlreadyFiled(Exception):
    """This form was sent before, but its code can no longer be shown: too long ago, ended
    with "Done" or "Finish and clear", or sent again from another browser session."""


class NoFreeLocator(RuntimeError):
    """Could not find an unused locator: the code space needs widening."""


@dataclasses.dataclass(frozen=True)
class NewComplaint:
    narrative: str
    kind: str | None = None
    actor_kind: str | None = None
    agency: str | None = None
    officer: str | None = None
    when_text: str | None = None
    where_text: str | None = None
    wants: str | None = None
    safe_now: str | None = None
    assisted_by: str | None = None
    assisted_org: str | None = None
    lost_code_note: str | None = None
    pseudonym: str | None = None
    keep_away: str | None = None
    language: str = "en"
    # Photos and documents, already stripped of metadata (portal.security.attachments.clean).
    files: tuple[attachments.Clean, ...] = ()
    race: str | None = None
    gender: str | None = None
    age_band: str | None = None
    # The admin or reviewer signed in on the browser it was filed from (portal.casework.linking).
    filed_by_member: int | None = None


# Free-text fields a person could paste a claim code into.
TEXT_FIELDS = sealing.names(written_by_person=True)


@dataclasses.dataclass(frozen=True)
class FilesReceived:
    """How many files of each kind arrived with a complaint (never their names)."""

    photos: int
    pdfs: int


@dataclasses.dataclass(frozen=True)
class Filed:
    code: str  # display form, shown once
    urgent: bool
    repeated: bool  # True when this was a retry of a form already filed
    complaint_id: int
    files: FilesReceived = FilesReceived(0, 0)


def files_received(db: Session, complaint_id: int) -> FilesReceived:
    kinds = db.scalars(
        select(Attachment.media_type).where(Attachment.complaint_id == complaint_id)
    ).all()
    pdfs = sum(kind == "application/pdf" for kind in kinds)
    return FilesReceived(photos=len(kinds) - pdfs, pdfs=pdfs)


def check_for_codes(values: NewComplaint) -> None:
    for field in TEXT_FIELDS:
        text = getattr(values, field)
        if text and claimcodes.find_in_text(text):
            raise CodeInText(field)


def file_complaint(
    db: Session,
    hasher: CodeHasher,
    values: NewComplaint,
    form_token: str,
    now: dt.datetime,
    holder: str = "",
) -> Filed:
    """Store a complaint, or recognise a retry of one already stored from the same form.

    `holder` is the secret of the browser session that drew the form (receipts.new_holder):
    a retry shows the code again only from that session, within receipts.SHOW_FOR.

    Everything is written in one transaction: the complaint, its demographics, its first
    status, its files (their sealed bytes are rows too, portal.security.filestore) and the
    receipt. Either all of it exists afterwards or none of it does.
    """
    check_for_codes(values)
    earlier = _earlier_filing(db, form_token, holder, now)
    if earlier is not None:
        return earlier

    code = claimcodes.new_code()
    # The slow part runs before the write lock is taken: the hash covers the secret only,
    # so the locator can still change below without hashing again.
    secret_hash = hasher.hash(code)
    case_keys = sealing.new_case_keys(db, hasher.code_key(code))
    for _attempt in range(LOCATOR_ATTEMPTS):
        try:
            with write_transaction(db):
                earlier = _earlier_filing(db, form_token, holder, now)
                if earlier is not None:
                    return earlier
                if _locator_taken(db, code.locator):
                    code = ClaimCode(claimcodes.random_locator(), code.secret)
                    continue
                _forget_old_receipts(db, now)
                complaint_id = _insert(
                    db, values, code, secret_hash, case_keys, form_token, holder, now
                )
                for cleaned in values.files:
                    _store_file(db, complaint_id, case_keys.data_key, cleaned)
            pdfs = sum(cleaned.media_type == "application/pdf" for cleaned in values.files)
            return Filed(
                code=code.display,
                urgent=values.safe_now == SafeNow.NO,
                repeated=False,
                complaint_id=complaint_id,
                files=FilesReceived(photos=len(values.files) - pdfs, pdfs=pdfs),
            )
        except IntegrityError:
            # Another writer took the same locator (or sent the same form) at the same moment.
            code = ClaimCode(claimcodes.random_locator(), code.secret)
    raise NoFreeLocator


def _store_file(
    db: Session, complaint_id: int, data_key: bytes, cleaned: attachments.Clean
) -> None:
    attachment = Attachment(
        complaint_id=complaint_id,
        stored_name=filestore.new_name(),
        media_type=cleaned.media_type,
        size=len(cleaned.data),
    )
    db.add(attachment)
    db.flush()  # its random id, which the pieces refer to
    filestore.store(db, attachment.id, attachment.stored_name, data_key, cleaned.data)


def _locator_taken(db: Session, locator: str) -> bool:
    return db.scalar(select(Complaint.id).where(Complaint.locator == locator)) is not None


def _earlier_filing(db: Session, form_token: str, holder: str, now: dt.datetime) -> Filed | None:
    if db.get(FilingReceipt, receipts.token_hash(form_token)) is None:
        return None
    return shown_again(db, form_token, holder, now)


def shown_again(db: Session, form_token: str, holder: str, now: dt.datetime) -> Filed:
    """The receipt of the complaint filed with this form, to show its code once more.

    Raises AlreadyFiled when the code may not be shown: no such filing, its receipt ended
    ("Done"), another browser session, or more than receipts.SHOW_FOR after filing.
    """
    receipt = db.get(FilingReceipt, receipts.token_hash(form_token))
    if receipt is None or not receipt.sealed_code or receipt.seal_expires_at <= now:
        raise AlreadyFiled
    code = receipts.unseal(form_token, holder, receipt.sealed_code, now)
    if code is None:
        raise AlreadyFiled
    locator = code[: claimcodes.LOCATOR_LENGTH]
    row = db.execute(
        select(Complaint.id, Complaint.urgent).where(Complaint.locator == locator)
    ).one()
    return Filed(
        code=code,
        urgent=row.urgent,
        repeated=True,
        complaint_id=row.id,
        files=files_received(db, row.id),
    )


def receipt_ended(db: Session, form_token: str) -> bool:
    """Whether a complaint was filed with this form and its code can no longer be shown by
    anyone ("Done", "Finish and clear", or past its time). The receipt is kept a week."""
    receipt = db.get(FilingReceipt, receipts.token_hash(form_token))
    return receipt is not None and receipt.sealed_code is None


def end_receipt(db: Session, form_token: str) -> None:
    """ "Done": the code of the complaint filed with this form can never be shown again. The
    receipt itself stays, so that sending the form again says "already sent"."""
    end_receipt_by_hash(db, receipts.token_hash(form_token))


# A wiped sealed code that no seal can equal (a real one is never empty).
QUIETLY_ENDED = b""


def end_receipt_by_hash(db: Session, token_hash: bytes, *, quietly: bool = False) -> None:
    """The same by the receipt's lookup hash. `quietly` (Leave and the quick exit): the code
    is wiped just as surely, but a form sent again is then answered like any closed form,
    with nothing that says a complaint was filed: whoever grabbed the phone learns nothing."""
    ended = update(FilingReceipt).where(FilingReceipt.token_hash == token_hash)
    if quietly:
        # After "Done" the receipt already says "already sent"; leaving changes nothing.
        ended = ended.where(FilingReceipt.sealed_code.is_not(None))
    with write_transaction(db):
        db.execute(ended.values(sealed_code=QUIETLY_ENDED if quietly else None))


def _insert(
    db: Session,
    values: NewComplaint,
    code: ClaimCode,
    secret_hash: str,
    case_keys: sealing.CaseKeys,
    form_token: str,
    holder: str,
    now: dt.datetime,
) -> int:
    today = now.date()
    complaint = Complaint(
        locator=code.locator,
        secret_hash=secret_hash,
        dk_board=case_keys.dk_board,
        dk_version=case_keys.dk_version,
        dk_code=case_keys.dk_code,
        last_opened_on=today,
        # No badge or name: nothing for pattern alerts to tag (see portal.casework.tags).
        officer_tag=None if values.officer else "",
        kind=values.kind,
        actor_kind=values.actor_kind,
        agency=values.agency,
        urgent=values.safe_now == SafeNow.NO,
        # Someone named to keep away: only the chair may open it until they have acted.
        held_for_chair=bool(values.keep_away),
        assisted_by=values.assisted_by,
        assisted_org=values.assisted_org,
        filed_by_member=sealing.lock(
            case_keys.data_key, str(values.filed_by_member or ""), sealing.FILED_BY
        ),
        language=values.language,
        status=Status.RECEIVED.value,
        created_on=today,
        updated_on=today,
    )
    # Every free-text answer is stored encrypted with this complaint's own data key.
    sealing.write_fields(
        complaint,
        case_keys.data_key,
        **{field: getattr(values, field) for field in TEXT_FIELDS},
    )
    if values.race or values.gender or values.age_band:
        complaint.demographics = Demographics(
            race=values.race, gender=values.gender, age_band=values.age_band
        )
    complaint.status_changes.append(
        StatusChange(from_status=None, to_status=Status.RECEIVED.value, at=hour_floor(now))
    )
    db.add(complaint)
    db.add(
        FilingReceipt(
            token_hash=receipts.token_hash(form_token),
            sealed_code=receipts.seal(form_token, holder, code.display, now + SEAL_LIFETIME),
            seal_expires_at=hour_ceiling(now + SEAL_LIFETIME),
        )
    )
    db.flush()
    return complaint.id


def _forget_old_receipts(db: Session, now: dt.datetime) -> None:
    """Wipe sealed codes older than an hour and receipts older than a week.

    Runs inside each filing's transaction, so no separate job is needed.
    """
    db.execute(
        update(FilingReceipt)
        .where(
            FilingReceipt.seal_expires_at <= now,
            FilingReceipt.sealed_code.is_not(None),
            # One ended by Leave or the quick exit stays quiet for its whole week.
            FilingReceipt.sealed_code != QUIETLY_ENDED,
        )
        .values(sealed_code=None)
    )
    db.execute(
        delete(FilingReceipt).where(
            FilingReceipt.seal_expires_at <= now - RECEIPT_LIFETIME + SEAL_LIFETIME
        )
    )


def find_by_code(db: Session, hasher: CodeHasher, code: ClaimCode) -> int | None:
    """The id of the complaint this code opens, or None.

    Exactly one indexed lookup and one argon2 verification, whether the locator exists or not,
    so neither the number of complaints nor the timing tells which codes exist.
    """
    row = db.execute(
        select(Complaint.id, Complaint.secret_hash).where(Complaint.locator == code.locator)
    ).first()
    stored_hash = row.secret_hash if row is not None else None
    if hasher.verify(stored_hash, code) and row is not None:
        return row.id
    return None


def get(db: Session, complaint_id: int) -> Complaint | None:
    return db.get(Complaint, complaint_id)


def opened(db: Session, complaint: Complaint, now: dt.datetime) -> None:
    """Note the day a case was last opened, by the person or the board (for retention)."""
    if complaint.last_opened_on != now.date():
        with write_transaction(db):
            complaint.last_opened_on = now.date()
