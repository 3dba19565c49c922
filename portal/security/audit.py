"""The tamper-evident audit log.

Each event stores the link of the one before it, and its own link is an HMAC, under the audit
key, over every field and that link. The key lives in the configuration, never in the
database: someone holding only the database can delete or change events but cannot make the
links fit again, so `verify` names the first broken event. The one thing they can still do
without the key is cut off the newest events and point the head row at an earlier one; the
head is therefore shown outside the database too (an admin's home page, the review packet),
and `verify(anchor=...)` checks that the chain still reaches a head someone wrote down.

Appends lock one head row, so concurrent writers line up and the chain never forks. An event
is written in the same transaction as the action it records: if the action rolls back, so
does its event.

A participant's events must not tell their time by their place in the chain. They wait in
`audit_pending` (the hour only, a random id, their own HMAC) and join the chain once their
hour is over (and a few minutes more), when the next event is written, all of that hour's
together in shuffled order.

Waiting events cannot be dropped unseen either. The head row keeps how many are waiting and
the XOR of their HMACs, and a seal: an HMAC under the key over those two and the chain's
head. Each waiting event and each move into the chain updates them in the same transaction,
with the head row locked. Someone holding only the database cannot delete, change or add a
waiting event and make the head fit again, so `verify` reports it; the next move into the
chain writes down how many were missing (REFUSED_PENDING / MISSING_PENDING events) and starts
the count again from the rows that are left. The limit is the same as the chain's: an old
copy of the whole head row, taken before the newest waiting events and with no chain event
written since, can be put back together with deleting those events.

Events never hold a client address, a claim code or complaint text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.clock import hour_floor
from portal.db import AUDIT_KEY
from portal.models import AuditEvent, AuditHead, AuditPending

GENESIS = "0" * 64
HEAD_ID = 1
# An anchor shows this many hex digits of the head's link: 80 bits, short enough to copy.
ANCHOR_DIGITS = 20
# A participant's hour joins the chain only this long after it ended, so a slow transaction
# that wrote in the last second of the hour cannot miss its hour's batch and stand out alone.
JOIN_AFTER = dt.timedelta(minutes=5)
# Action of the event that says pending rows were refused because their HMAC did not fit.
REFUSED_PENDING = "audit.pending_refused"
# Action of the event that says waiting rows were deleted or changed before joining the chain.
MISSING_PENDING = "audit.pending_missing"
NO_PENDING = "0" * 64


class NoAuditKey(RuntimeError):
    """The session carries no audit key: the portal's configuration was not used to make it."""


def key_of(db: Session) -> bytes:
    key = db.info.get(AUDIT_KEY)
    if not key:
        raise NoAuditKey("This session has no audit key; make it with portal.db.Database.")
    return key


def _canonical(fields: dict[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def link(key: bytes, event: AuditEvent) -> str:
    """The event's own link: an HMAC over every field and the link before it."""
    fields = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "account_id": event.account_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return hmac.new(key, _canonical(fields), hashlib.sha256).hexdigest()


def _pending_mac(key: bytes, row: AuditPending) -> str:
    fields = {
        "pending": row.id,
        "at": row.at.isoformat(),
        "account_id": row.account_id,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "detail": row.detail,
    }
    return hmac.new(key, _canonical(fields), hashlib.sha256).hexdigest()


def _seal(key: bytes, head: AuditHead) -> str:
    """The head's own HMAC: its link and the waiting events' count and XOR."""
    fields = {
        "head": head.seq,
        "hash": head.hash,
        "pending": head.pending,
        "pending_sum": head.pending_sum,
    }
    return hmac.new(key, _canonical(fields), hashlib.sha256).hexdigest()


def _xor(total: str, mac: str) -> str:
    return f"{int(total, 16) ^ int(mac, 16):064x}"


def _tally(key: bytes, rows: Iterable[AuditPending]) -> tuple[int, str]:
    """How many of `rows` have an HMAC that fits, and the XOR of those HMACs."""
    count, total = 0, NO_PENDING
    for row in rows:
        if hmac.compare_digest(row.mac, _pending_mac(key, row)):
            count, total = count + 1, _xor(total, row.mac)
    return count, total


def _sealed(key: bytes, head: AuditHead) -> bool:
    return hmac.compare_digest(head.seal or "", _seal(key, head))


def _locked_head(db: Session) -> AuditHead:
    head = db.scalars(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).one_or_none()
    if head is None:
        head = AuditHead(
            id=HEAD_ID, seq=0, hash=GENESIS, pending=0, pending_sum=NO_PENDING, seal=""
        )
        db.add(head)
    return head


def _detail(detail: dict[str, object]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str)


def _append(
    db: Session,
    key: bytes,
    head: AuditHead,
    *,
    at: dt.datetime,
    account_id: int | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    detail: str,
) -> AuditEvent:
    event = AuditEvent(
        seq=head.seq + 1,
        at=at,
        account_id=account_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        prev_hash=head.hash,
    )
    event.hash = link(key, event)
    db.add(event)
    head.seq, head.hash = event.seq, event.hash
    return event


def _join_finished_hours(db: Session, key: bytes, head: AuditHead, now: dt.datetime) -> None:
    """Put the participants' events of every hour that is over into the chain, shuffled."""
    finished = hour_floor(now - JOIN_AFTER)
    waiting = list(db.scalars(select(AuditPending).where(AuditPending.at < finished)))
    if not waiting:
        return
    staying = list(db.scalars(select(AuditPending).where(AuditPending.at >= finished)))
    found, total = _tally(key, waiting + staying)
    sealed = _sealed(key, head)
    fits = sealed and (found, total) == (head.pending, head.pending_sum)
    if sealed:
        missing: dict[str, object] = {"expected": head.pending, "found": found}
    else:  # the count itself was changed, so it tells nothing
        missing = {"head_changed": True, "found": found}
    secrets.SystemRandom().shuffle(waiting)
    refused = 0
    for row in waiting:
        if not hmac.compare_digest(row.mac, _pending_mac(key, row)):
            refused += 1
            continue
        _append(
            db,
            key,
            head,
            at=row.at,
            account_id=row.account_id,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            detail=row.detail,
        )
    db.execute(delete(AuditPending).where(AuditPending.id.in_([row.id for row in waiting])))
    if refused:
        _append(
            db,
            key,
            head,
            at=now.replace(microsecond=0),
            account_id=None,
            action=REFUSED_PENDING,
            object_type=None,
            object_id=None,
            detail=_detail({"refused": refused}),
        )
    if not fits:
        _append(
            db,
            key,
            head,
            at=now.replace(microsecond=0),
            account_id=None,
            action=MISSING_PENDING,
            object_type=None,
            object_id=None,
            detail=_detail(missing),
        )
    head.pending, head.pending_sum = _tally(key, staying)


def record(
    db: Session,
    action: str,
    *,
    account_id: int | None,
    now: dt.datetime,
    object_type: str | None = None,
    object_id: object = None,
    **detail: object,
) -> AuditEvent:
    """Append an event inside the caller's transaction (the caller commits)."""
    key = key_of(db)
    head = _locked_head(db)
    _join_finished_hours(db, key, head, now)
    event = _append(
        db,
        key,
        head,
        at=now.replace(microsecond=0),
        account_id=account_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=_detail(detail),
    )
    head.seal = _seal(key, head)
    db.flush()
    return event


def record_participant(
    db: Session,
    action: str,
    *,
    now: dt.datetime,
    account_id: int | None = None,
    **detail: object,
) -> None:
    """Keep a participant's event (or an advocate's filing) for the chain, to the hour only.

    It names no case, and it takes no place in the chain until its hour is over (see the
    module's note), so neither its id nor its place ties it to the board's events around it.
    """
    key = key_of(db)
    head = _locked_head(db)
    row = AuditPending(
        at=hour_floor(now),
        account_id=account_id,
        action=action,
        object_type=None,
        object_id=None,
        detail=_detail(detail),
        mac="",
    )
    db.add(row)
    db.flush()  # gives the row its random id, which its HMAC covers
    row.mac = _pending_mac(key, row)
    head.pending, head.pending_sum = head.pending + 1, _xor(head.pending_sum, row.mac)
    head.seal = _seal(key, head)
    db.flush()


@dataclasses.dataclass(frozen=True)
class Anchor:
    """The chain's head as a person copies it: its place and the start of its link."""

    seq: int
    digits: str

    @property
    def text(self) -> str:
        return f"{self.seq}-{self.digits}"

    @classmethod
    def parse(cls, typed: str) -> Anchor:
        """Read an anchor as printed ("1234-3f9a..."); spaces and case do not matter."""
        found = re.fullmatch(r"(\d{1,12})-([0-9a-f]{16,64})", re.sub(r"\s", "", typed).lower())
        if not found:
            raise ValueError("an anchor looks like 1234-3f9a0c... (the number, a dash, the code)")
        return cls(int(found.group(1)), found.group(2))


@dataclasses.dataclass(frozen=True)
class ChainReport:
    events: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify(db: Session, anchor: Anchor | None = None, batch: int = 5000) -> ChainReport:
    """Walk the whole chain in order and report the first broken link, if any.

    With an anchor (a head written down earlier) the chain must also still hold that event
    with that link: cutting off the newest events and rewinding the head row is then seen.
    """
    key = key_of(db)
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    last_seq = 0
    anchor_seen = False
    while True:
        rows = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            count += 1
            if event.seq != expected_seq:
                return ChainReport(count, expected_seq, "an event is missing")
            if event.prev_hash != expected_prev:
                return ChainReport(count, event.seq, "does not follow the event before it")
            if not hmac.compare_digest(link(key, event), event.hash):
                return ChainReport(count, event.seq, "was changed after it was written")
            if anchor is not None and event.seq == anchor.seq:
                if not event.hash.startswith(anchor.digits):
                    return ChainReport(count, event.seq, "is not the event written down")
                anchor_seen = True
            expected_prev = event.hash
            expected_seq += 1
            last_seq = event.seq
    if anchor is not None and not anchor_seen:
        return ChainReport(count, last_seq + 1, "events written down earlier are missing")
    head_row = db.get(AuditHead, HEAD_ID)
    if head_row is not None and (head_row.seq != last_seq or head_row.hash != expected_prev):
        return ChainReport(count, last_seq + 1, "the newest events are missing")
    waiting = list(db.scalars(select(AuditPending)))
    for row in waiting:
        if not hmac.compare_digest(row.mac, _pending_mac(key, row)):
            return ChainReport(
                count, last_seq + 1, "a waiting participant event was forged or changed"
            )
    if head_row is None:
        if waiting:
            return ChainReport(count, 1, "waiting participant events have no head row")
        return ChainReport(count, None, None)
    if not _sealed(key, head_row):
        return ChainReport(count, last_seq + 1, "the head row was changed outside the portal")
    found, total = _tally(key, waiting)
    if found < head_row.pending:
        missing = head_row.pending - found
        said = (
            "1 waiting participant event is"
            if missing == 1
            else f"{missing} waiting participant events are"
        )
        return ChainReport(count, last_seq + 1, f"{said} missing")
    if (found, total) != (head_row.pending, head_row.pending_sum):
        return ChainReport(
            count, last_seq + 1, "the waiting participant events are not the ones written"
        )
    return ChainReport(count, None, None)
