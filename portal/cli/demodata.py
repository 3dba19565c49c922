"""Clearly fake cases for demonstrations and benchmarks. Refused on a production instance.

Rows are written in bulk (one INSERT per table per batch), so 100,000 cases take seconds.
Every narrative starts with "[DEMO]" so nobody can mistake one for a real complaint. The
first few cases get real claim codes, printed, so a demonstration can open them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.choices import (
    ActorKind,
    AgeBand,
    Disposition,
    Gender,
    Kind,
    Race,
    Status,
)
from portal.models import Complaint, Demographics, Message, StatusChange
from portal.models.casework import FROM_COMPLAINANT, TO_COMPLAINANT
from portal.security import claimcodes, crypto, keys, sealing
from portal.security.claimcodes import CodeHasher

BATCH = 2_000
WORKING_CODES = 3

WHAT = [
    "an officer searched my bag without saying why",
    "my case manager said I would lose my housing if I complained",
    "a deputy kept asking me to give names of people I know",
    "the shelter staff would not let me in and called me names",
    "I waited three weeks for the treatment intake they promised",
    "an officer made comments about my body and followed me",
    "they took my phone and did not give it back",
    "the clinic turned me away because I had no ID",
]
WHERE = ["near the bus station", "outside the shelter", "on 3rd Ave", "at the clinic", "downtown"]
WHEN = ["last week", "two days ago", "early last month", "on a Friday night", "this morning"]
BOARD_SAYS = [
    "Thank you for telling us. Can you say roughly what time it was?",
    "We have read your complaint and will look into it.",
    "Do you remember anything about the car or uniform?",
]
PERSON_SAYS = ["It was around 9 at night.", "I think it was a blue uniform.", "Thank you."]

# A plausible spread: most cases are still open, some decided, a few withdrawn.
STATUS_WEIGHTS = {
    Status.RECEIVED: 20,
    Status.TRIAGED: 15,
    Status.IN_REVIEW: 20,
    Status.WAITING: 10,
    Status.REFERRED: 5,
    Status.RESOLVED: 15,
    Status.CLOSED: 10,
    Status.WITHDRAWN: 5,
}
PATH = [Status.RECEIVED, Status.TRIAGED, Status.IN_REVIEW, Status.RESOLVED, Status.CLOSED]


def _free_locators(db: Session, count: int, rng: random.Random) -> Iterator[str]:
    taken = set(db.scalars(select(Complaint.locator)))
    space = len(claimcodes.ALPHABET) ** claimcodes.LOCATOR_LENGTH
    if len(taken) + count > space * 0.9:
        raise ValueError("Not enough free references for that many demo cases.")
    made = 0
    while made < count:
        locator = "".join(rng.choice(claimcodes.ALPHABET) for _ in range(claimcodes.LOCATOR_LENGTH))
        if locator not in taken:
            taken.add(locator)
            made += 1
            yield locator


def fill(db: Session, hasher: CodeHasher, count: int, today: dt.date, seed: int = 1) -> list[str]:
    """Add `count` fake cases spread over the last two years; returns the working codes."""
    rng = random.Random(seed)  # noqa: S311  fake data, not security
    locators = _free_locators(db, count, rng)
    # The first few cases get real codes (on free references, like every other case).
    codes = [claimcodes.new_code(next(locators)) for _ in range(min(WORKING_CODES, count))]
    code_hashes = [hasher.hash(code) for code in codes]
    filler_hash = "demo-case-no-code"  # noqa: S105  verifies against nothing
    # Demo cases are encrypted like real ones: the board reads them with its key, and the
    # working codes open theirs.
    version, public = keys.current_public(db)
    for start in range(0, count, BATCH):
        rows, plans, data_keys = [], [], []
        for number in range(start, min(start + BATCH, count)):
            if number < len(codes):
                locator, secret_hash = codes[number].locator, code_hashes[number]
            else:
                locator, secret_hash = next(locators), filler_hash
            created = today - dt.timedelta(days=rng.randrange(730))
            status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
            row = _complaint(rng, locator, secret_hash, created, status, today)
            data_key = crypto.new_key()
            row["dk_board"] = crypto.seal(public, data_key, f"complaint-key:v{version}")
            row["dk_version"] = version
            if number < len(codes):
                row["dk_code"] = crypto.encrypt(
                    hasher.code_key(codes[number]), data_key, "complaint-key:code"
                )
            row["officer_tag"] = None if row.get("officer") else ""
            for field in sealing.COMPLAINT_FIELDS:
                if field in row:
                    row[field] = sealing.lock(data_key, row[field], sealing.FIELDS[field].label)
            rows.append(row)
            plans.append((created, status))
            data_keys.append(data_key)
        # Ids come back in the order the rows were given, on SQLite and PostgreSQL alike.
        ids = db.scalars(
            insert(Complaint).returning(Complaint.id, sort_by_parameter_order=True), rows
        ).all()
        demographics, changes, messages = [], [], []
        for complaint_id, row, (created, status), data_key in zip(
            ids, rows, plans, data_keys, strict=True
        ):
            for change in _history(complaint_id, created, status, row["updated_on"]):
                change["reason"] = sealing.lock(data_key, change["reason"], sealing.STATUS_REASON)
                changes.append(change)
            if rng.random() < 0.8:
                demographics.append(
                    {
                        "complaint_id": complaint_id,
                        "race": rng.choice(list(Race)).value,
                        "gender": rng.choice(list(Gender)).value,
                        "age_band": rng.choice(list(AgeBand)).value,
                    }
                )
            if status != Status.RECEIVED and rng.random() < 0.6:
                for message in _conversation(rng, complaint_id, created):
                    message["body"] = sealing.lock(data_key, message["body"], sealing.MESSAGE)
                    messages.append(message)
        db.execute(insert(StatusChange), changes)
        if demographics:
            db.execute(insert(Demographics), demographics)
        if messages:
            db.execute(insert(Message), messages)
        db.commit()
    return [code.display for code in codes]


def _complaint(
    rng: random.Random,
    locator: str,
    secret_hash: str,
    created: dt.date,
    status: Status,
    today: dt.date,
) -> dict:
    decided = status in (Status.RESOLVED, Status.CLOSED)
    updated = min(today, created + dt.timedelta(days=rng.randrange(1, 60)))
    return {
        "locator": locator,
        "secret_hash": secret_hash,
        "kind": rng.choice(list(Kind)).value,
        "actor_kind": rng.choice(list(ActorKind)).value,
        "agency": rng.choice(["City police department", "County sheriff's office", None]),
        "officer": rng.choice([None, None, f"Badge {rng.randrange(1000, 9999)}"]),
        "when_text": rng.choice(WHEN),
        "where_text": rng.choice(WHERE),
        "narrative": f"[DEMO] {rng.choice(WHAT).capitalize()}.",
        "wants": rng.choice([None, "[DEMO] I want it to stop.", "[DEMO] An apology."]),
        "pseudonym": None,
        "urgent": rng.random() < 0.08,
        "assisted_by": rng.choice(["none", "none", "advocate", "friend"]),
        "language": rng.choice(["en", "en", "en", "es"]),
        "status": status.value,
        "disposition": rng.choice([d.value for d in Disposition if d != Disposition.WITHDRAWN])
        if decided
        else (Disposition.WITHDRAWN.value if status == Status.WITHDRAWN else None),
        "outcome_letter": "[DEMO] The board looked at what happened and wrote back."
        if decided
        else None,
        "created_on": created,
        "updated_on": updated,
        "first_response_on": None
        if status == Status.RECEIVED
        else min(updated, created + dt.timedelta(days=rng.randrange(1, 15))),
        "resolved_on": updated if decided else None,
        "unread_replies": 0,
        "text_deleted": False,
        "survey_done": False,
    }


def _history(complaint_id: int, created: dt.date, status: Status, updated: dt.date) -> list[dict]:
    at = dt.datetime.combine(created, dt.time(12))
    steps = [Status.RECEIVED]
    if status in PATH:
        steps = PATH[: PATH.index(status) + 1]
    elif status != Status.RECEIVED:
        steps = [Status.RECEIVED, Status.TRIAGED, status]
    rows, before = [], None
    for step in steps:
        rows.append(
            {
                "complaint_id": complaint_id,
                "from_status": before.value if before else None,
                "to_status": step.value,
                "reason": None if before is None else "[DEMO] The board moved your complaint on.",
                "at": at,
            }
        )
        before = step
        at = min(at + dt.timedelta(days=3), dt.datetime.combine(updated, dt.time(12)))
    return rows


def _conversation(rng: random.Random, complaint_id: int, created: dt.date) -> list[dict]:
    at = dt.datetime.combine(created + dt.timedelta(days=2), dt.time(10))
    return [
        {
            "complaint_id": complaint_id,
            "direction": TO_COMPLAINANT,
            "body": "[DEMO] " + rng.choice(BOARD_SAYS),
            "created_at": at,
            "read_at": at,
        },
        {
            "complaint_id": complaint_id,
            "direction": FROM_COMPLAINANT,
            "body": "[DEMO] " + rng.choice(PERSON_SAYS),
            "created_at": at + dt.timedelta(days=1),
            # The board's reading of a person's message is kept to the day (caseview).
            "read_at": dt.datetime.combine(created + dt.timedelta(days=4), dt.time()),
        },
    ]
