"""Filing and opening a case with a code, called directly: a database session and plain values,
no request, no form. The pages' own tests (test_filing.py, test_check.py) cover the mapping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import db
from portal.board.accounts import Role
from portal.casework import caseaccess, complaints, filing, notify
from portal.choices import SafeNow
from portal.models import Account, AuditPending, Complaint
from portal.security import attachments, claimcodes, receipts
from tests.board import Board
from tests.conftest import case_text

IDLE = dt.timedelta(minutes=15)


@pytest.fixture
def database(app: Flask) -> Iterator[Session]:
    with app.app_context():
        yield db.session()


def file(app: Flask, database: Session, clock, values: complaints.NewComplaint, **given):
    arguments = {
        "advocate": None,
        "form_token": receipts.new_token(),
        "holder": "holder",
        "now": clock.moment,
    } | given
    return filing.file(database, app.extensions["portal.hasher"], values, **arguments)


def stored(database: Session) -> int:
    return database.scalar(select(func.count()).select_from(Complaint)) or 0


def test_an_urgent_assisted_filing_calls_for_the_urgent_notice(
    app: Flask,
    board: Board,
    database: Session,
    clock,
) -> None:
    board.member(Role.ADVOCATE, "peer")
    advocate = database.scalar(select(Account).where(Account.username == "peer"))
    advocate.organisation = "Harm Reduction Collective"
    database.commit()
    values = complaints.NewComplaint(narrative="He took my bag.", safe_now=SafeNow.NO)
    done = file(app, database, clock, values, advocate=advocate)
    assert done.notice == notify.URGENT
    complaint = database.get(Complaint, done.filed.complaint_id)
    assert (complaint.assisted_by, complaint.assisted_org) == (
        "advocate",
        "Harm Reduction Collective",
    )
    helped = database.scalars(
        select(AuditPending.account_id).where(AuditPending.action == "assist.file")
    )
    assert list(helped) == [advocate.id]


def test_an_ordinary_filing_calls_for_the_new_case_notice(
    app: Flask,
    database: Session,
    clock,
) -> None:
    done = file(app, database, clock, complaints.NewComplaint(narrative="He shouted at me."))
    assert done.notice == notify.NEW
    assert database.get(Complaint, done.filed.complaint_id).assisted_by is None


def test_a_repeated_form_token_stores_nothing_new_and_tells_no_one(
    app: Flask,
    database: Session,
    clock,
) -> None:
    values = complaints.NewComplaint(narrative="He shouted at me.")
    first = file(app, database, clock, values, form_token="the-same-form")
    again = file(app, database, clock, values, form_token="the-same-form")
    assert stored(database) == 1
    assert again.filed.repeated
    assert again.notice is None
    assert again.filed.code == first.filed.code


def test_a_code_in_the_words_refuses_before_any_file_is_opened(
    app: Flask,
    database: Session,
    clock,
) -> None:
    code = file(app, database, clock, complaints.NewComplaint(narrative="First.")).filed.code
    # Not a file anything could clean: were it opened first, it would be refused as a file.
    with pytest.raises(complaints.CodeInText):
        file(
            app,
            database,
            clock,
            complaints.NewComplaint(narrative=f"About my other one, {code}"),
            files=[b"not a photo"],
        )
    assert stored(database) == 1


def test_too_many_files_store_nothing(app: Flask, database: Session, clock) -> None:
    with pytest.raises(attachments.FileRefused) as refused:
        file(
            app,
            database,
            clock,
            complaints.NewComplaint(narrative="Photos."),
            files=[b""] * (attachments.MAX_FILES + 1),
        )
    assert refused.value.reason == "too_many"
    assert stored(database) == 0


def test_a_code_opens_its_case_and_closes_the_one_held_before(
    app: Flask,
    database: Session,
    clock,
) -> None:
    hasher = app.extensions["portal.hasher"]
    first = file(app, database, clock, complaints.NewComplaint(narrative="First one.")).filed
    second = file(app, database, clock, complaints.NewComplaint(narrative="Second one.")).filed
    held = filing.open_with_code(
        database, hasher, claimcodes.parse(first.code), now=clock.moment, idle=IDLE, held=None
    )
    now_held = filing.open_with_code(
        database, hasher, claimcodes.parse(second.code), now=clock.moment, idle=IDLE, held=held
    )
    assert caseaccess.current_case(database, held, clock.moment, IDLE) is None
    complaint_id, _data_key = caseaccess.current_case(database, now_held, clock.moment, IDLE)
    assert complaint_id == second.complaint_id
    complaint = database.get(Complaint, complaint_id)
    assert complaint.last_opened_on == clock.moment.date()
    assert case_text(app, complaint).narrative == "Second one."


def test_a_code_that_opens_nothing_is_named_and_leaves_the_held_case_open(
    app: Flask,
    database: Session,
    clock,
) -> None:
    hasher = app.extensions["portal.hasher"]
    filed = file(app, database, clock, complaints.NewComplaint(narrative="Mine.")).filed
    held = filing.open_with_code(
        database, hasher, claimcodes.parse(filed.code), now=clock.moment, idle=IDLE, held=None
    )
    # The right locator with another secret: found, and refused by the argon2 check.
    wrong = claimcodes.new_code(locator=claimcodes.parse(filed.code).locator)
    with pytest.raises(filing.CodeOpensNothing):
        filing.open_with_code(database, hasher, wrong, now=clock.moment, idle=IDLE, held=held)
    assert caseaccess.current_case(database, held, clock.moment, IDLE) is not None
