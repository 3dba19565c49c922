"""Builders for the public-figures tests: complaints and what hangs off them, inserted as rows
(the figures read only these columns, so the filing path is not needed)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from portal.casework import tags
from portal.models import Complaint, Demographics, Referral, SurveyAnswer

_serial = itertools.count(1)
# Stands in for the key derived from the board's private key (portal.casework.tags.tag_key).
TAG_KEY = b"pattern-tag-key-for-tests-only!!"


def complaint(
    session: Session,
    created: dt.date,
    *,
    kind: str | None = None,
    actor: str | None = None,
    status: str = "received",
    disposition: str | None = None,
    race: str | None = None,
    gender: str | None = None,
    answered_after: int | None = None,
    decided_after: int | None = None,
    narrative: str = "Something happened.",
    **fields: object,
) -> Complaint:
    """One complaint received on `created`, first answered and decided that many days later.
    A named officer gets its pattern tag as a board member's request would give it."""
    if fields.get("officer") is not None and "officer_tag" not in fields:
        fields["officer_tag"] = tags.tag(TAG_KEY, str(fields["officer"]), fields.get("agency"))
    row = Complaint(
        locator=f"{next(_serial):04X}"[-4:],
        secret_hash="not-a-hash",
        narrative=narrative,
        kind=kind,
        actor_kind=actor,
        status=status,
        disposition=disposition,
        created_on=created,
        updated_on=created,
        first_response_on=(
            created + dt.timedelta(days=answered_after) if answered_after is not None else None
        ),
        resolved_on=(
            created + dt.timedelta(days=decided_after) if decided_after is not None else None
        ),
        **fields,
    )
    if race or gender:
        row.demographics = Demographics(race=race, gender=gender)
    session.add(row)
    session.flush()
    return row


def referral(session: Session, to: Complaint, body: str, state: str) -> Referral:
    row = Referral(
        complaint_id=to.id,
        body=body,
        explanation="",
        state=state,
        proposed_on=to.created_on,
    )
    session.add(row)
    session.flush()
    return row


def survey(session: Session, quarter: str, *answers: str | None) -> None:
    respected, listened, would_use_again = answers
    session.add(
        SurveyAnswer(
            quarter=quarter,
            respected=respected,
            listened=listened,
            would_use_again=would_use_again,
        )
    )
    session.flush()


def many(session: Session, count: int, created: dt.date, **fields: object) -> list[Complaint]:
    return [complaint(session, created, **fields) for _ in range(count)]
