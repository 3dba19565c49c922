"""Reading the audit log: its head to write down elsewhere, the admin's filtered pages,
newest first, and the CSV export. Writing and checking the chain is `portal.security.audit`."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal.models import AuditEvent, AuditHead
from portal.security.audit import ANCHOR_DIGITS, HEAD_ID, Anchor


def head(db: Session) -> Anchor | None:
    """The newest link, to be written down outside the database; None before any event."""
    row = db.get(AuditHead, HEAD_ID)
    if row is None or row.seq == 0:
        return None
    return Anchor(row.seq, row.hash[:ANCHOR_DIGITS])


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
