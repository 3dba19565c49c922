"""The hand-off: what the board sends for a referral the person agreed to, and the person's
say over every word of it.

After the person says yes to a referral, a board member prepares the hand-off: the text
(starting from the person's own words, with whatever could identify them or others taken
out), which of their files go, and the receiving office's name. The person sees exactly that
on their case page and says yes or no. Guarantees:

- Nothing is downloaded without the person's yes to the version on file. Every change by the
  board is a new version and clears the yes; the person answers the version they were shown,
  so a change made while they read is not agreed to.
- The yes is kept as a MAC over what the person saw (text, receiver, files, version, body),
  under a key derived from the complaint's data key, and checked again at every download:
  a row changed behind the portal's back (a restored old text, a file swapped in) fails it.
- The text is sealed under the complaint's data key like the rest of the case's words, so
  only a member who may open the case and holds the board key can prepare or download it.
- Every download is in the audit log; the first marks the referral sent and the case
  referred, and from then on the hand-off cannot change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
import json
from hashlib import sha256

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, object_session, sessionmaker

from portal.casework import cases, handoffpdf
from portal.casework.cases import CaseActionError
from portal.choices import ReferralState, Status
from portal.db import write_transaction
from portal.models import Account, Attachment, Complaint, Handoff, Referral
from portal.security import audit, claimcodes, crypto, filestore, sealing

TEXT_MAX = cases.TEXT_MAX
RECIPIENT_MAX = 200
YES, NO = "yes", "no"
PDF = "application/pdf"


class NotAnswerable(LookupError):
    """No hand-off waiting for this person's answer (answered, sent, or not theirs)."""


class ChangedMeanwhile(ValueError):
    """The board changed the hand-off after the person's page was drawn."""


@dataclasses.dataclass(frozen=True)
class Draft:
    """What will be sent: decrypted for one request, never stored as it is."""

    text: str
    recipient: str
    files: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Files:
    """The chosen files, counted by kind, never named."""

    photos: int
    pdfs: int


@dataclasses.dataclass(frozen=True)
class ForPerson:
    """One hand-off as the person's case page shows it."""

    id: int
    version: int
    body: str
    draft: Draft
    files: Files
    answer: str | None
    answered_on: dt.date | None
    sent_on: dt.date | None
    agreed: bool  # the yes on file still holds
    previews: tuple[int, ...] = ()  # numbers for `preview`, one per photo, before it is sent


# --- reading -------------------------------------------------------------------------------


def _seal(data_key: bytes, draft: Draft) -> str:
    plain = json.dumps(dataclasses.asdict(draft), ensure_ascii=False, sort_keys=True)
    return sealing.lock(data_key, plain, sealing.HANDOFF) or ""


def read(handoff: Handoff, data_key: bytes) -> Draft:
    values = json.loads(sealing.unlock(data_key, handoff.content, sealing.HANDOFF) or "{}")
    return Draft(
        text=values.get("text", ""),
        recipient=values.get("recipient", ""),
        files=tuple(int(f) for f in values.get("files", ())),
    )


def _mac(handoff: Handoff, referral: Referral, draft: Draft, data_key: bytes) -> bytes:
    # The files as stored: each one's name is bound into its sealed pieces (filestore).
    files = case_files(object_session(handoff), handoff.complaint_id)
    stored = {a.id: [a.stored_name, a.media_type, a.size] for a in files}
    what = json.dumps(
        {
            "handoff": handoff.id,
            "referral": referral.id,
            "body": referral.body,
            "version": handoff.version,
            "draft": dataclasses.asdict(draft),
            "stored": [stored.get(f, []) for f in draft.files],
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    return hmac.new(crypto.derive(data_key, "handoff-consent"), what, sha256).digest()


def consent_holds(handoff: Handoff, referral: Referral, data_key: bytes) -> bool:
    """The person's yes is on file and is for exactly what the row holds now."""
    if handoff.answer != YES or handoff.consent is None:
        return False
    expected = _mac(handoff, referral, read(handoff, data_key), data_key)
    return hmac.compare_digest(expected, bytes(handoff.consent))


def for_referral(
    db: Session, complaint: Complaint, referral_id: int
) -> tuple[Referral, Handoff | None]:
    referral = db.get(Referral, referral_id)
    if referral is None or referral.complaint_id != complaint.id:
        raise CaseActionError(_l("No such referral."))
    handoff = db.scalar(select(Handoff).where(Handoff.referral_id == referral.id))
    return referral, handoff


def case_files(db: Session, complaint_id: int) -> list[Attachment]:
    return list(
        db.scalars(
            select(Attachment)
            .where(Attachment.complaint_id == complaint_id)
            .order_by(Attachment.id)
        )
    )


def count_files(db: Session, complaint_id: int, chosen: tuple[int, ...]) -> Files:
    kinds = [a.media_type for a in case_files(db, complaint_id) if a.id in chosen]
    pdfs = sum(kind == PDF for kind in kinds)
    return Files(photos=len(kinds) - pdfs, pdfs=pdfs)


def starting_words(complaint: Complaint, data_key: bytes) -> str:
    """The person's own words to start from, in the board's language for the labels. The name
    they chose and who they want kept away are never put in."""
    text = sealing.read(complaint, data_key)
    parts = [text.narrative or ""]
    for label, value in (
        (_l("When"), text.when_text),
        (_l("Where"), text.where_text),
        (_l("Badge number or name"), text.officer),
        (_l("What they want to happen"), text.wants),
    ):
        if value:
            parts.append(f"{label}: {value}")
    return "\n\n".join(part for part in parts if part)


def _rows(db: Session, complaint_id: int) -> list[tuple[Handoff, Referral]]:
    return [
        (handoff, referral)
        for handoff, referral in db.execute(
            select(Handoff, Referral)
            .join(Referral, Referral.id == Handoff.referral_id)
            .where(Handoff.complaint_id == complaint_id)
            .order_by(Handoff.id)
        ).all()
    ]


def _photos(db: Session, complaint_id: int, drafts: list[tuple[Handoff, Draft]]) -> list[list[int]]:
    """For each hand-off not yet sent, the ids of its chosen photos (PDFs get no preview)."""
    photo_ids = {a.id for a in case_files(db, complaint_id) if a.media_type != PDF}
    return [
        [] if handoff.sent_on else [f for f in draft.files if f in photo_ids]
        for handoff, draft in drafts
    ]


def for_person(db: Session, complaint: Complaint, data_key: bytes) -> list[ForPerson]:
    """The hand-offs the person should see: waiting for their answer, agreed, refused or sent."""
    rows = _rows(db, complaint.id)
    drafts = [(handoff, read(handoff, data_key)) for handoff, _referral in rows]
    photos = _photos(db, complaint.id, drafts)
    shown, number = [], 0
    for (handoff, referral), (_h, draft), chosen in zip(rows, drafts, photos, strict=True):
        previews = tuple(range(number + 1, number + len(chosen) + 1))
        number += len(chosen)
        shown.append(
            ForPerson(
                id=handoff.id,
                version=handoff.version,
                body=referral.body,
                draft=draft,
                files=count_files(db, complaint.id, draft.files),
                answer=handoff.answer,
                answered_on=handoff.answered_on,
                sent_on=handoff.sent_on,
                agreed=consent_holds(handoff, referral, data_key),
                previews=previews,
            )
        )
    return shown


def preview(
    db: Session, complaint: Complaint, number: int, data_key: bytes, sessions: sessionmaker
) -> bytes:
    """A small picture of the `number`th photo in the person's hand-offs (as `for_person`
    numbers them), so they can see which photos would go. LookupError for any other number."""
    drafts = [(handoff, read(handoff, data_key)) for handoff, _referral in _rows(db, complaint.id)]
    chosen = [f for photos in _photos(db, complaint.id, drafts) for f in photos]
    if not 1 <= number <= len(chosen):
        raise LookupError(number)
    attachment = db.get(Attachment, chosen[number - 1])
    if attachment is None or attachment.complaint_id != complaint.id:
        raise LookupError(number)
    try:
        return handoffpdf.thumbnail(filestore.load(sessions, attachment, data_key))
    except filestore.FileDamaged as error:
        raise LookupError(number) from error


# --- the board -----------------------------------------------------------------------------


def _clean_text(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise CaseActionError(_l("Please write what will be sent."))
    if len(text) > TEXT_MAX:
        raise CaseActionError(_l("Please keep this under %(max)d characters.", max=TEXT_MAX))
    if claimcodes.find_in_text(text):
        raise CaseActionError(_l("Take out the claim code: it must never leave the portal."))
    return text


def _chosen_files(db: Session, complaint: Complaint, chosen: list[str]) -> tuple[int, ...]:
    known = {str(a.id): a.id for a in case_files(db, complaint.id)}  # as text: "²" is no id
    picked = set()
    for value in chosen:
        if value not in known:
            raise CaseActionError(_l("Please choose only files sent with this complaint."))
        picked.add(known[value])
    return tuple(sorted(picked))


def prepare(
    db: Session,
    account: Account,
    complaint: Complaint,
    referral_id: int,
    *,
    text: str | None,
    recipient: str | None,
    files: list[str],
    now: dt.datetime,
    data_key: bytes,
) -> Handoff:
    """Write (or change) the hand-off and ask the person. Any change voids an earlier yes."""
    draft = Draft(
        text=_clean_text(text),
        recipient=(recipient or "").strip()[:RECIPIENT_MAX],
        files=_chosen_files(db, complaint, files),
    )
    if claimcodes.find_in_text(draft.recipient):
        raise CaseActionError(_l("Take out the claim code: it must never leave the portal."))
    with write_transaction(db):
        referral, handoff = for_referral(db, complaint, referral_id)
        if referral.state != ReferralState.AGREED:
            raise CaseActionError(
                _l("This referral was already passed on, or the person has not agreed to it.")
            )
        voided = handoff is not None and handoff.answer == YES
        if handoff is None:
            handoff = Handoff(referral_id=referral.id, complaint_id=complaint.id, version=1)
            db.add(handoff)
        else:
            handoff.version += 1
        handoff.content = _seal(data_key, draft)
        handoff.prepared_by, handoff.prepared_on = account.id, now.date()
        handoff.answer = handoff.answered_on = handoff.consent = None
        complaint.updated_on = now.date()
        db.flush()
        cases.record(
            db,
            "case.handoff_prepare",
            account,
            complaint,
            now,
            referral=referral.id,
            version=handoff.version,
            files=len(draft.files),
            voided_yes=voided,
        )
    return handoff


@dataclasses.dataclass(frozen=True)
class Download:
    draft: Draft
    body: str
    files: list[tuple[str, bytes]]  # (media type, cleaned bytes), in the order chosen


def release(
    db: Session,
    account: Account,
    complaint: Complaint,
    referral_id: int,
    now: dt.datetime,
    data_key: bytes,
    sessions: sessionmaker,
) -> Download:
    """What goes into the PDF, only with the person's yes to it; audited, and the first one
    marks the referral sent."""
    with write_transaction(db):
        referral, handoff = for_referral(db, complaint, referral_id)
        if handoff is None or not consent_holds(handoff, referral, data_key):
            raise CaseActionError(
                _l("The person has not said yes to this hand-off as it is now. Nothing was sent.")
            )
        db.refresh(complaint, attribute_names=["status"])
        if Status(complaint.status) == Status.WITHDRAWN:
            raise CaseActionError(_l("The person stopped their complaint. Nothing was sent."))
        draft = read(handoff, data_key)
        stored = {a.id: a for a in case_files(db, complaint.id)}
        try:
            files = [
                (stored[f].media_type, filestore.load(sessions, stored[f], data_key))
                for f in draft.files
                if f in stored
            ]
        except filestore.FileDamaged:
            files = []
        if len(files) != len(draft.files):
            raise CaseActionError(_l("A chosen file is gone. Please prepare the hand-off again."))
        if handoff.sent_on is None:
            handoff.sent_on = now.date()
            cases.pass_on(db, account, complaint, referral, now, data_key)
        cases.record(
            db,
            "case.handoff_download",
            account,
            complaint,
            now,
            referral=referral.id,
            version=handoff.version,
        )
    return Download(draft=draft, body=referral.body, files=files)


# --- the person ----------------------------------------------------------------------------


def answer(
    db: Session,
    complaint: Complaint,
    handoff_id: int,
    version: int,
    agree: bool,
    now: dt.datetime,
    data_key: bytes,
) -> None:
    """The person's yes or no to the version they were shown."""
    with write_transaction(db):
        handoff = db.get(Handoff, handoff_id)
        if handoff is None or handoff.complaint_id != complaint.id or handoff.sent_on:
            raise NotAnswerable
        referral = db.get(Referral, handoff.referral_id)
        if referral is None or referral.state != ReferralState.AGREED:
            raise NotAnswerable
        if handoff.version != version:
            raise ChangedMeanwhile
        handoff.answer, handoff.answered_on = (YES if agree else NO), now.date()
        handoff.consent = (
            _mac(handoff, referral, read(handoff, data_key), data_key) if agree else None
        )
        complaint.updated_on = now.date()
        # The hour only and no case named (portal.security.audit.record_participant).
        audit.record_participant(db, "complainant.handoff_answer", now=now, agree=agree)


def forget(db: Session, complaint_id: int) -> None:
    """With the person's words deleted, the hand-offs go too (in the caller's transaction)."""
    db.execute(delete(Handoff).where(Handoff.complaint_id == complaint_id))
