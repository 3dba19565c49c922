"""Pattern alerts: N independent complaints about the same officer or provider, never fewer."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from portal import db
from portal.casework import patterns
from portal.models import Account, CaseLink, Recusal
from tests.figuredata import complaint

D = dt.date(2026, 9, 1)
AT = dt.datetime(2026, 9, 1, 9)


def account(session, name: str, role: str = "reviewer", trained: bool = False) -> Account:
    row = Account(
        username=name, role=role, password_hash="x", created_at=AT, trained_sensitive=trained
    )
    session.add(row)
    session.flush()
    return row


def alerts_for(app: Flask, name: str, threshold: int = 3) -> list[patterns.Alert]:
    with app.app_context():
        session = db.session()
        member = session.query(Account).filter_by(username=name).one()
        return patterns.alerts(session, member, threshold)


@pytest.fixture
def chair(app: Flask) -> str:
    with app.app_context():
        account(db.session(), "chair", "admin", trained=True)
        db.session().commit()
    return "chair"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Badge #4521", "4521"),
        ("badge 4521", "4521"),
        ("#4521", "4521"),
        (" 4521 ", "4521"),
        ("BADGE#4521", "4521"),
        ("Badge No. 4521", "4521"),
        ("badge number: 4521", "4521"),
        ("Officer  Smith", "officersmith"),
        ("", ""),
        (None, ""),
    ],
)
def test_badge_numbers_are_compared_without_case_spaces_hashes_or_badge(
    written: str | None, expected: str
) -> None:
    assert patterns.badge(written) == expected


def test_one_fewer_than_the_threshold_shows_nothing(app: Flask, chair: str) -> None:
    with app.app_context():
        session = db.session()
        complaint(session, D, officer="Badge #4521", agency="City police department")
        complaint(session, D, officer="badge 4521", agency="City  Police Department")
        session.commit()
    assert alerts_for(app, chair) == []


def test_the_threshold_number_of_complaints_raises_an_alert(app: Flask, chair: str) -> None:
    with app.app_context():
        session = db.session()
        rows = [
            complaint(session, D, officer=officer, agency=agency)
            for officer, agency in (
                ("Badge #4521", "City police department"),
                ("badge 4521", "City  Police Department"),
                ("#4521 ", "city police department"),
                ("#4521", "County sheriff's office"),  # another agency: another officer
                ("#9999", "City police department"),
            )
        ]
        session.commit()
        locators = [row.locator for row in rows[:3]]
    [alert] = alerts_for(app, chair)
    # The officer's name or badge is encrypted: the alert names the cases, not the person.
    assert (alert.kind, alert.officer, alert.complaints) == ("officer", "", 3)
    # As one of them wrote it (they were filed the same day, so in no known order).
    assert alert.agency in {
        "City police department",
        "City  Police Department",
        "city police department",
    }
    # All filed the same day: ids are random (portal.models.ordering), so no order among them.
    assert sorted(case.locator for case in alert.cases) == sorted(locators)


def test_a_service_provider_named_by_enough_complaints(app: Flask, chair: str) -> None:
    with app.app_context():
        session = db.session()
        for agency in ("Housing provider", "housing provider", "Housing  Provider"):
            complaint(session, D, actor="provider", kind="provider", agency=agency)
        complaint(session, D, actor="police", agency="Housing provider")  # not about them
        complaint(session, D, actor="provider", agency="Treatment provider")
        session.commit()
    [alert] = alerts_for(app, chair)
    assert (alert.kind, alert.complaints, len(alert.cases)) == ("provider", 3, 3)
    assert alert.officer == ""


def test_withdrawn_and_linked_complaints_are_not_independent(app: Flask, chair: str) -> None:
    with app.app_context():
        session = db.session()
        first = complaint(session, D, officer="4521", agency="City police department")
        again = complaint(session, D, officer="#4521", agency="City police department")
        complaint(session, D, officer="4521", agency="City police department")
        complaint(session, D, officer="4521", agency="City police department", status="withdrawn")
        # The same person, who lost their code and filed again, confirmed the link.
        session.add(
            CaseLink(new_id=again.id, earlier_id=first.id, state="confirmed", proposed_on=D)
        )
        session.commit()
    assert alerts_for(app, chair) == []
    with app.app_context():
        session = db.session()
        session.query(CaseLink).update({"state": "proposed"})  # not confirmed: two people
        session.commit()
    [alert] = alerts_for(app, chair)
    assert alert.complaints == 3


def test_members_see_only_the_cases_they_may_see(app: Flask, chair: str) -> None:
    with app.app_context():
        session = db.session()
        recused = account(session, "recused", trained=False)
        account(session, "untrained")
        account(session, "trained", trained=True)
        rows = [complaint(session, D, officer="4521", agency="X") for _ in range(3)]
        session.add(Recusal(complaint_id=rows[0].id, account_id=recused.id, reason="self",
                            created_at=AT))  # fmt: skip
        for _ in range(3):
            complaint(session, D, officer="77", agency="X", kind="sexual")
        session.commit()
    # Two visible cases are below the threshold, so the recused member hears of nothing,
    # not even that a third case exists.
    assert alerts_for(app, "recused") == []
    [only] = alerts_for(app, "untrained")
    assert {case.kind for case in only.cases} == {None}  # the sexual misconduct cases stay hidden
    assert len(alerts_for(app, "trained")) == 2
    assert len(alerts_for(app, chair)) == 2


def test_a_keyed_officer_tag_groups_complaints_whose_text_is_encrypted(
    app: Flask, chair: str
) -> None:
    with app.app_context():
        session = db.session()
        for ciphertext in ("v1:aaaa", "v1:bbbb", "v1:cccc"):
            complaint(session, D, officer=ciphertext, officer_tag="f00d" * 16, agency="X")
        session.commit()
    [alert] = alerts_for(app, chair)
    assert (alert.complaints, alert.officer) == (3, "")


def test_the_threshold_is_the_sites(app: Flask, chair: str) -> None:
    with app.app_context():
        session = db.session()
        for _ in range(4):
            complaint(session, D, officer="12", agency="X")
        session.commit()
    assert len(alerts_for(app, chair, threshold=4)) == 1
    assert alerts_for(app, chair, threshold=5) == []
