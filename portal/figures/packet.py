"""The board's review packet: the published figures for a period, and the de-identified case
summaries the board chose to include.

A summary is the board's public summary of a decided case, never the complainant's words;
the packet adds only the kind of complaint and how it ended. Cases a member may not see
(recusal, sexual-misconduct training) are left out of their packet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.casework.visibility import may_see
from portal.figures import figurelabels as words
from portal.figures.figurecounts import PUBLISHED_STATUSES
from portal.figures.periods import Period, Quarter
from portal.figures.transparency import SHOWN
from portal.models import Account, Complaint


@dataclasses.dataclass(frozen=True)
class PacketCase:
    quarter: str  # decided in
    kind: str | None
    disposition: str | None
    summary: str
    program_response: str | None


def cases(db: Session, account: Account, period: Period) -> list[PacketCase]:
    """Cases the board put in the packet, decided in the period, that this member may see."""
    chosen = db.scalars(
        select(Complaint)
        .where(
            Complaint.in_packet.is_(True),
            Complaint.public_summary.is_not(None),
            Complaint.status.in_(PUBLISHED_STATUSES),
            Complaint.text_deleted.is_(False),
            Complaint.resolved_on >= period.start,
            Complaint.resolved_on < period.end,
        )
        .order_by(Complaint.resolved_on, Complaint.id)
    )
    return [
        PacketCase(
            Quarter.of(c.resolved_on).key,
            c.kind,
            c.disposition,
            c.public_summary,
            c.program_response,
        )
        for c in chosen
        if may_see(db, account, c)
    ]


COLUMNS = ("quarter", "kind", "disposition", "summary", "program_response")


def rows(period: str, chosen: list[PacketCase]) -> Iterator[dict[str, object]]:
    """The summaries as rows of the open-data CSV layout (table `case_summaries`)."""
    for number, case in enumerate(chosen, start=1):
        for column in COLUMNS:
            value = getattr(case, column)
            if column in ("kind", "disposition") and value:
                value = words.label("kind" if column == "kind" else "outcome", value)
            yield {
                "period": period,
                "table": "case_summaries",
                "row": str(number),
                "row_label": str(number),
                "column": column,
                "column_label": column,
                "value": value,
                "status": SHOWN,
            }
