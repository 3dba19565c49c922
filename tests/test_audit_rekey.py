"""Migration 0014 re-keys an existing plain-hash audit chain, numbers existing timelines and
moves the participants' events out of the places that told their time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from portal import migrate
from portal.db import Database
from portal.models import Attachment, AuditEvent, CaseAccess, CaseLink, Complaint, Message
from portal.security import audit
from tests.builders import insert_row

KEY = b"k" * 32
AT = dt.datetime(2026, 11, 2, 10, 30, 0)
# The log as the old code wrote it: board events to the second, the person's to the hour.
OLD_LOG = [
    ("signin", AT, 1),
    ("case.message", AT + dt.timedelta(seconds=1), 1),
    ("complainant.reply", AT.replace(minute=0), None),
    ("case.message", AT + dt.timedelta(seconds=3), 1),
]


def _plain_link(fields: dict) -> str:
    """The old chain's link: SHA-256 over the fields, no key."""
    fields = {**fields, "at": fields["at"].isoformat()}
    return hashlib.sha256(
        json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def _old_database(url: str, tamper: bool) -> None:
    migrate.upgrade(url, "0016")
    engine = create_engine(url)
    for n, locator in ((1, "AAAA"), (2, "BBBB")):
        insert_row(engine, "complaint", id=n, locator=locator)
        insert_row(engine, "status_change", id=n, complaint_id=n, to_status="received", at=AT)
    # A question on AAAA, the answer on BBBB, another question on AAAA: counter ids 1, 2, 3.
    for n, (complaint_id, direction) in enumerate(
        [(1, "to_complainant"), (2, "from_complainant"), (1, "to_complainant")], start=1
    ):
        insert_row(
            engine, "message", id=n, complaint_id=complaint_id, direction=direction, created_at=AT
        )
    insert_row(engine, "demographics", complaint_id=1, race="black")
    insert_row(engine, "attachment", id=1, complaint_id=2, stored_name="f1", media_type="image/png")
    insert_row(engine, "case_link", id=1, new_id=2, earlier_id=1, state="proposed")
    insert_row(engine, "case_access", id_hash=b"h" * 32, expires_at=AT, sealed_dk=b"sealed id 1")
    prev = audit.GENESIS
    for seq, (action, at, account_id) in enumerate(OLD_LOG, start=1):
        fields = {
            "seq": seq,
            "at": at,
            "account_id": account_id,
            "action": action,
            "object_type": None,
            "object_id": None,
            "detail": "{}",
            "prev_hash": prev,
        }
        prev = _plain_link(fields)
        insert_row(engine, "audit_event", id=seq, hash=prev, **fields)
    insert_row(engine, "audit_head", id=1, seq=len(OLD_LOG), hash=prev)
    if tamper:
        with engine.begin() as connection:
            connection.execute(text("UPDATE audit_event SET account_id = 9 WHERE seq = 2"))
    engine.dispose()


@pytest.mark.parametrize("tamper", [False, True], ids=["intact", "already broken"])
def test_an_old_chain_is_rekeyed_with_the_persons_events_moved_out_of_place(
    tmp_path: Path, tamper: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _old_database(url, tamper)
    migrate.upgrade(url, audit_key=KEY)

    database = Database(url, KEY)
    with database.sessions() as session:
        assert audit.verify(session).intact
        chain = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        actions = [event.action for event in chain]
        assert actions == [
            "signin",
            "case.message",
            "case.message",
            "complainant.reply",
            "audit.rekeyed",
        ]
        assert [event.id for event in chain] == [1, 2, 3, 4, 5]  # ids no longer tell the old places
        said = json.loads(chain[-1].detail)
        assert said["old_chain_intact"] is not tamper
        assert said["old_chain_broken_at"] == (2 if tamper else None)
        numbered = session.execute(
            select(Complaint.locator, Message.seq)
            .join(Complaint, Complaint.id == Message.complaint_id)
            .order_by(Complaint.locator, Message.seq)
        ).all()
        # Numbered within each case after its "received" (ties broken by the old ids).
        assert [tuple(row) for row in numbered] == [("AAAA", 2), ("AAAA", 3), ("BBBB", 2)]
        # Every old counter id is gone; what pointed at a complaint still points at it.
        first, second = (
            session.scalars(select(Complaint).where(Complaint.locator == locator)).one()
            for locator in ("AAAA", "BBBB")
        )
        assert {first.id, second.id}.isdisjoint({1, 2})
        assert set(session.scalars(select(Message.id))).isdisjoint({1, 2, 3})
        assert first.demographics.race == "black"
        assert [c.complaint_id for c in first.status_changes] == [first.id]
        attachment = session.scalars(select(Attachment)).one()
        assert attachment.id != 1
        assert attachment.complaint_id == second.id
        link = session.scalars(select(CaseLink)).one()
        assert (link.new_id, link.earlier_id) == (second.id, first.id)
        assert session.scalars(select(CaseAccess)).all() == []  # it held an old id, sealed
        assert session.execute(text("PRAGMA foreign_key_check")).all() == []
    database.engine.dispose()
    # Under any other key, the re-keyed chain does not verify.
    other = Database(url, b"x" * 32)
    with other.sessions() as session:
        assert not audit.verify(session).intact
    other.engine.dispose()

    migrate.downgrade(url, "0016", audit_key=KEY)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM audit_event ORDER BY seq")).mappings().all()
    engine.dispose()
    prev = audit.GENESIS
    for row in rows:
        fields = {
            name: row[name]
            for name in (
                "seq",
                "account_id",
                "action",
                "object_type",
                "object_id",
                "detail",
                "prev_hash",
            )
        }
        fields["at"] = dt.datetime.fromisoformat(row["at"])
        assert row["prev_hash"] == prev
        assert row["hash"] == _plain_link(fields)
        prev = row["hash"]
    assert len(rows) == len(OLD_LOG) + 1


def _stories(url: str) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Each complaint's id by locator, and each release's published stories."""
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = dict(connection.execute(text("SELECT locator, id FROM complaint")).all())
        stories = {
            quarter: json.loads(listed)
            for quarter, listed in connection.execute(
                text("SELECT quarter, stories FROM figure_release")
            )
        }
    engine.dispose()
    return ids, stories


def test_published_stories_keep_pointing_at_their_complaints_through_every_rekey(
    tmp_path: Path,
) -> None:
    """`figure_release.stories` lists complaint ids in JSON, which no foreign key follows.
    If they kept the old ids, a published story would count as unpublished and come out
    again, or a new random id could pick up another case's summary."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    _old_database(url, tamper=False)
    engine = create_engine(url)
    insert_row(engine, "figure_release", quarter="2026Q2", number=1, stories="[2]", counts="{}")
    insert_row(engine, "figure_release", quarter="2026Q3", number=1, stories="[1, 2]", counts="{}")
    engine.dispose()

    seen = []
    for step in ("upgrade", "downgrade", "upgrade"):
        if step == "upgrade":
            migrate.upgrade(url, audit_key=KEY)
        else:
            migrate.downgrade(url, "0016", audit_key=KEY)
            continue
        ids, stories = _stories(url)
        assert stories == {
            "2026Q2": [ids["BBBB"]],
            "2026Q3": [ids["AAAA"], ids["BBBB"]],
        }
        seen.append(ids)
        database = Database(url, KEY)
        with database.sessions() as session:
            assert audit.verify(session).intact
        database.engine.dispose()
    # Each upgrade gave fresh ids; the stories followed both times.
    first, second = seen
    assert set(first.values()).isdisjoint({1, 2})
    assert set(second.values()).isdisjoint(first.values())
