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

Events never hold a client address, a claim code or complaint text.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import hmac
import io
import json
import re
import secrets
from collections.abc import Iterable, Iterator

from sqlalchemy import Select, delete, select
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
    head = db.scalars(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).one_or_none()
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        db.add(head)
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
    row.mac = _pending_mac(key_of(db), row)
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


def head(db: Session) -> Anchor | None:
    """The newest link, to be written down outside the database; None before any event."""
    row = db.get(AuditHead, HEAD_ID)
    if row is None or row.seq == 0:
        return None
    return Anchor(row.seq, row.hash[:ANCHOR_DIGITS])


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
    for row in db.scalars(select(AuditPending)):
        if not hmac.compare_digest(row.mac, _pending_mac(key, row)):
            return ChainReport(count, last_seq + 1, "a waiting participant event was forged")
    return ChainReport(count, None, None)


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    account_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def _filtered(query: AuditFilter) -> Select[tuple[AuditEvent]]:
    statement = select(AuditEvent)
    if query.action:
        statement = statement.where(AuditEvent.action == query.action)
    if query.account_id is not None:
        statement = statement.where(AuditEvent.account_id == query.account_id)
    if query.since:
        statement = statement.where(AuditEvent.at >= dt.datetime.combine(query.since, dt.time()))
    if query.until:
        end = dt.datetime.combine(query.until + dt.timedelta(days=1), dt.time())
        statement = statement.where(AuditEvent.at < end)
    return statement


def page(db: Session, query: AuditFilter, number: int, size: int = 50) -> list[AuditEvent]:
    """Newest first."""
    statement = _filtered(query).order_by(AuditEvent.seq.desc())
    return list(db.scalars(statement.offset((number - 1) * size).limit(size + 1)))


def all_matching(db: Session, query: AuditFilter) -> Iterator[AuditEvent]:
    return iter(db.scalars(_filtered(query).order_by(AuditEvent.seq)))


CSV_COLUMNS = (
    "seq",
    "at",
    "account_id",
    "action",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "hash",
)


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(events: Iterable[AuditEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(
            _cell(value)
            for value in (
                event.seq,
                event.at.isoformat(),
                event.account_id,
                event.action,
                event.object_type,
                event.object_id,
                event.detail,
                event.prev_hash,
                event.hash,
            )
        )
    return out.getvalue()
