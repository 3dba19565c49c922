"""The tamper-evident audit log.

Each event stores the hash of the one before it, and its own hash covers every field and that
link. Changing, deleting or inserting a row anywhere breaks the chain from there on, and
`verify` names the first broken event. Appends lock one head row, so concurrent writers line
up and the chain never forks. An event is written in the same transaction as the action it
records: if the action rolls back, so does its event.

Events never hold a client address, a claim code or complaint text.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal.models import AuditEvent, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1


def _digest(event: AuditEvent) -> str:
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
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    head = db.scalars(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).one_or_none()
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        db.add(head)
    event = AuditEvent(
        seq=head.seq + 1,
        at=now.replace(microsecond=0),
        account_id=account_id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str),
        prev_hash=head.hash,
    )
    event.hash = _digest(event)
    db.add(event)
    head.seq, head.hash = event.seq, event.hash
    db.flush()
    return event


@dataclasses.dataclass(frozen=True)
class ChainReport:
    events: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify(db: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole chain in order and report the first broken link, if any."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    last_seq = 0
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
            if _digest(event) != event.hash:
                return ChainReport(count, event.seq, "was changed after it was written")
            expected_prev = event.hash
            expected_seq += 1
            last_seq = event.seq
    head = db.get(AuditHead, HEAD_ID)
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        return ChainReport(count, last_seq + 1, "the newest events are missing")
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
