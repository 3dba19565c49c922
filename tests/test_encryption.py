"""Complaint text is unreadable at rest: a copy of the database and instance folder, taken
while nobody is signed in, holds none of it; a board member signed in, and the person with
the claim code, can still read everything."""

from __future__ import annotations

import dataclasses
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, inspect, select, text

from portal import create_app, db
from portal.board.accounts import Role
from portal.models import Account, BoardKey, BoardSession, MemberKey
from tests.board import PASSWORD, Board, csrf
from tests.builders import act, complainant_page, signed_in
from tests.conftest import Participant

PLANTED = {
    "narrative": "PLANTED-NARRATIVE-3141 the sergeant grabbed my arm",
    "officer": "PLANTED-BADGE-2718",
    "pseudonym": "PLANTED-NAME-1618",
    "where_text": "PLANTED-PLACE-1414",
    "wants": "PLANTED-WANTS-1732",
    "keep_away": "PLANTED-KEEPAWAY-5772",
}
MESSAGE = "PLANTED-MESSAGE-6931 can you tell us more"
NOTE = "PLANTED-NOTE-4669 internal"
REPLY = "PLANTED-REPLY-2502 it was at night"
REASON = "PLANTED-REASON-8862 we are reading it"
ALL_PLANTED = [*PLANTED.values(), MESSAGE, NOTE, REPLY, REASON]


def everything_at_rest(app: Flask, instance: Path) -> str:
    """What someone who copied the server would hold: every table's rows, and every file
    in the instance folder (the SQLite database and its journal included)."""
    with app.app_context():
        session = db.session()
        rows = []
        for table in inspect(session.get_bind()).get_table_names():
            rows += [repr(tuple(r)) for r in session.execute(text(f'SELECT * FROM "{table}"'))]  # noqa: S608
        session.commit()
    engine = app.extensions["portal.db"].engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    files = [path.read_bytes().decode("latin-1") for path in instance.rglob("*") if path.is_file()]
    return "\n".join(rows + files)


@pytest.fixture
def filed_case(app: Flask, board: Board, client):
    person = Participant(client)
    code = person.file_and_get_code(**PLANTED)
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    locator = code[:4]
    # PLANTED names someone to keep away: the chair releases the case to the board first.
    act(signed_in(app, board, Role.ADMIN, "first-chair"), locator, "release")
    act(reviewer, locator, "status", target="in_review", reason=REASON)
    act(reviewer, locator, "note", body=NOTE)
    act(reviewer, locator, "message", body=MESSAGE)
    person.check(code)
    client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": REPLY})
    return code, reviewer


def test_a_copy_of_the_server_holds_no_complaint_text(app: Flask, filed_case, config) -> None:
    code, reviewer = filed_case
    # Everyone signs out; what is left is what a seizure would find.
    reviewer.post("/review/sign-out", data={"csrf_token": csrf(reviewer, "/review/")})
    with app.app_context():
        db.session().execute(delete(BoardSession))
        db.session().commit()
    copied = everything_at_rest(app, config.instance_path)
    assert "received" in copied or "in_review" in copied  # the copy really holds the case
    for planted in ALL_PLANTED:
        assert planted not in copied, planted
        assert planted.split()[0] not in copied, planted
    assert code.replace("-", "")[4:] not in copied.replace("-", "")


def test_a_reviewer_and_the_complainant_can_still_read_it(
    app: Flask, board: Board, filed_case, client
) -> None:
    code, _reviewer = filed_case
    # The chair (an admin) sees everything, the keep-away request included.
    board_view = signed_in(app, board, Role.ADMIN, "chair").get(f"/review/cases/{code[:4]}")
    page = board_view.get_data(as_text=True)
    for planted in ALL_PLANTED:
        assert planted in page, planted
    mine = complainant_page(app.test_client(), code)
    for planted in (PLANTED["narrative"], MESSAGE, REPLY, REASON):
        assert planted in mine
    assert NOTE not in mine


def test_the_first_admin_makes_the_board_key_and_sees_its_recovery_key_once(
    config, site, clock
) -> None:
    fresh = create_app(config, site=site, now=clock)
    board = Board(fresh, clock)
    chair = board.enroll(fresh.test_client(), Role.ADMIN, "chair")
    assert chair.board_recovery is not None
    with fresh.app_context():
        assert db.session().scalar(select(func.count()).select_from(BoardKey)) == 1
        assert db.session().scalar(select(func.count()).select_from(MemberKey)) == 1
    # Complaints can now be filed, and the chair can read them; a second admin sees no
    # recovery key.
    code = Participant(fresh.test_client()).file_and_get_code(narrative="FIRST-CASE words")
    clock.advance(seconds=31)
    client = fresh.test_client()
    board.sign_in(client, chair)
    assert "FIRST-CASE words" in client.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert board.enroll(fresh.test_client(), Role.ADMIN, "second").board_recovery is None
    fresh.extensions["portal.db"].engine.dispose()


def approve(app: Flask, admin: FlaskClient, username: str):
    with app.app_context():
        account_id = db.session().scalar(select(Account.id).where(Account.username == username))
    return admin.post(
        f"/review/admin/accounts/{account_id}/approve-key",
        data={"csrf_token": csrf(admin, "/review/admin/accounts")},
        follow_redirects=True,  # as a browser does: the key holder's next request grants it
    )


def test_a_new_member_gets_the_key_only_once_an_admin_approves_them(
    app: Flask, board: Board, clock
) -> None:
    code = Participant(app.test_client()).file_and_get_code(narrative="NEWCOMER-TEST words")
    newcomer = board.enroll(app.test_client(), Role.REVIEWER, "newcomer")  # not granted
    clock.advance(seconds=31)
    client = app.test_client()
    board.sign_in(client, newcomer)
    page = client.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert "cannot read this case's words yet" in page
    assert "NEWCOMER-TEST" not in page
    # A member holding the key signs in: an invitation link alone is not enough.
    chair = signed_in(app, board, Role.ADMIN, "chair")
    accounts_page = chair.get("/review/admin/accounts").get_data(as_text=True)
    assert "Waiting for approval" in accounts_page
    clock.advance(seconds=31)
    board.sign_in(client, newcomer)
    assert "NEWCOMER-TEST" not in client.get(f"/review/cases/{code[:4]}").get_data(True)
    # The chair checks it is the person they invited, and approves...
    approved = approve(app, chair, "newcomer")
    assert "They can read cases from their next sign-in" in approved.get_data(as_text=True)
    assert "Waiting for approval" not in chair.get("/review/admin/accounts").get_data(True)
    # ...and from the newcomer's next sign-in the words are there.
    clock.advance(seconds=31)
    again = app.test_client()
    board.sign_in(again, newcomer)
    assert "NEWCOMER-TEST words" in again.get(f"/review/cases/{code[:4]}").get_data(as_text=True)


def test_a_disabled_member_needs_approval_again(app: Flask, board: Board, clock) -> None:
    code = Participant(app.test_client()).file_and_get_code(narrative="RETURNING words")
    member = board.member(Role.REVIEWER, "returning")
    chair = signed_in(app, board, Role.ADMIN, "chair")
    with app.app_context():
        account_id = db.session().scalar(select(Account.id).where(Account.username == "returning"))
    for action in ("disable", "enable"):
        chair.post(
            f"/review/admin/accounts/{account_id}/{action}",
            data={"csrf_token": csrf(chair, "/review/admin/accounts")},
        )
    chair.get("/review/")  # a key holder's request: nobody unapproved gets the key
    clock.advance(seconds=31)
    client = app.test_client()
    board.sign_in(client, member)
    assert "RETURNING words" not in client.get(f"/review/cases/{code[:4]}").get_data(True)
    approve(app, chair, "returning")
    clock.advance(seconds=31)
    board.sign_in(client, member)
    assert "RETURNING words" in client.get(f"/review/cases/{code[:4]}").get_data(True)


def test_an_unapproved_admin_cannot_approve_themselves_or_anyone(
    app: Flask, board: Board, clock
) -> None:
    code = Participant(app.test_client()).file_and_get_code(narrative="LEAKED-INVITE words")
    signed_in(app, board, Role.ADMIN, "chair").get("/review/")  # a key holder exists
    intruder = board.enroll(app.test_client(), Role.ADMIN, "intruder")  # a leaked link
    board.enroll(app.test_client(), Role.REVIEWER, "friend")
    clock.advance(seconds=31)
    client = app.test_client()
    board.sign_in(client, intruder)
    page = client.get("/review/admin/accounts").get_data(as_text=True)
    with app.app_context():
        ids = dict(db.session().execute(select(Account.username, Account.id)).all())
    assert f"/admin/accounts/{ids['intruder']}/approve-key" not in page  # no button on own row
    for username in ("intruder", "friend"):
        refused = approve(app, client, username).get_data(as_text=True)
        assert "Approved." not in refused
    assert "Another admin must approve you." in approve(app, client, "intruder").get_data(True)
    signed_in(app, board, Role.ADMIN, "chair2").get("/review/")  # key holders come and go
    with app.app_context():
        holders = set(
            db.session().scalars(
                select(Account.username).join(MemberKey, MemberKey.account_id == Account.id)
            )
        )
    assert "intruder" not in holders
    assert "friend" not in holders
    clock.advance(seconds=31)
    board.sign_in(client, intruder)
    assert "LEAKED-INVITE" not in client.get(f"/review/cases/{code[:4]}").get_data(True)


def test_rotating_the_key_skips_members_waiting_for_approval(app: Flask, board: Board) -> None:
    board.member(Role.REVIEWER, "rev")
    board.enroll(app.test_client(), Role.REVIEWER, "waiting")
    recovery = app.extensions["tests.recovery_key"]
    result = app.test_cli_runner().invoke(args=["rotate-board-key"], input=recovery + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        holders = set(
            db.session().scalars(
                select(Account.username).join(MemberKey, MemberKey.account_id == Account.id)
            )
        )
    assert "rev" in holders
    assert "waiting" not in holders


def test_a_new_password_still_opens_the_key(app: Flask, board: Board, clock) -> None:
    code = Participant(app.test_client()).file_and_get_code(narrative="PASSWORD-TEST words")
    member = board.member(Role.REVIEWER, "rev")
    client = app.test_client()
    board.sign_in(client, member)
    new = "a completely new passphrase"
    client.post(
        "/review/account/password",
        data={
            "csrf_token": csrf(client, "/review/account"),
            "current": PASSWORD,
            "password": new,
            "confirm": new,
        },
    )
    clock.advance(seconds=31)
    fresh = app.test_client()
    board.sign_in(fresh, dataclasses.replace(member, password=new))
    assert "PASSWORD-TEST words" in fresh.get(f"/review/cases/{code[:4]}").get_data(as_text=True)


def test_disabling_a_member_removes_their_copy_of_the_key(app: Flask, board: Board) -> None:
    admin = signed_in(app, board, Role.ADMIN, "chair")
    board.member(Role.REVIEWER, "leaving")
    with app.app_context():
        leaving = db.session().scalar(select(Account.id).where(Account.username == "leaving"))
    admin.post(
        f"/review/admin/accounts/{leaving}/disable",
        data={"csrf_token": csrf(admin, "/review/admin/accounts")},
    )
    with app.app_context():
        held = db.session().scalar(
            select(func.count()).select_from(MemberKey).where(MemberKey.account_id == leaving)
        )
    assert held == 0


def test_rotating_the_board_key_keeps_every_case_readable(app: Flask, board: Board, clock) -> None:
    code = Participant(app.test_client()).file_and_get_code(narrative="ROTATION-TEST words")
    member = board.member(Role.REVIEWER, "rev")
    recovery = app.extensions["tests.recovery_key"]
    result = app.test_cli_runner().invoke(args=["rotate-board-key"], input=recovery + "\n")
    assert result.exit_code == 0, result.output
    assert "1 complaints re-sealed" in result.output
    # The old recovery key no longer opens anything.
    again = app.test_cli_runner().invoke(args=["grant-board-key", "rev"], input=recovery + "\n")
    assert again.exit_code == 1
    client = app.test_client()
    board.sign_in(client, member)
    assert "ROTATION-TEST words" in client.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert "ROTATION-TEST words" in complainant_page(app.test_client(), code)


def test_the_recovery_key_can_grant_the_key_to_a_member(app: Flask, board: Board, clock) -> None:
    code = Participant(app.test_client()).file_and_get_code(narrative="GRANT-TEST words")
    member = board.enroll(app.test_client(), Role.ADMIN, "newchair")
    recovery = app.extensions["tests.recovery_key"]
    result = app.test_cli_runner().invoke(
        args=["grant-board-key", "newchair"], input=recovery + "\n"
    )
    assert result.exit_code == 0, result.output
    clock.advance(seconds=31)
    client = app.test_client()
    board.sign_in(client, member)
    response = client.get(f"/review/cases/{code[:4]}")
    assert response.status_code == HTTPStatus.OK
    assert "GRANT-TEST words" in response.get_data(as_text=True)
    with app.app_context():
        approved = db.session().scalar(
            select(Account.key_approved).where(Account.username == "newchair")
        )
    assert approved  # no "waiting for approval" left on the Accounts page


def test_pattern_alerts_work_on_encrypted_badge_numbers(app: Flask, board: Board, config) -> None:
    codes = [
        Participant(app.test_client()).file_and_get_code(
            narrative="stopped again", officer=badge, agency="City police department"
        )
        for badge in ("Badge #8817", "badge 8817", "#8817 ")
    ]
    chair = signed_in(app, board, Role.ADMIN, "chair")
    chair.get("/review/")  # a key holder's request tags the new complaints
    page = chair.get("/review/alerts").get_data(as_text=True)
    for code in codes:
        assert code[:4] in page
    copied = everything_at_rest(app, config.instance_path)
    assert "8817" not in copied


def test_deleting_a_complaint_also_deletes_links_that_could_open_it(
    app: Flask,
    board: Board,
    clock,
    client,
) -> None:
    from portal.models import CaseLink

    earlier = Participant(app.test_client()).file_and_get_code(narrative="EARLIER-DELETED words")
    new = Participant(client).file_and_get_code(narrative="new", lost_code_note="lost it")
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    act(reviewer, new[:4], "link", earlier=earlier[:4])
    person = app.test_client()
    Participant(person).check(earlier)
    person.post(
        "/case/withdraw",
        data={"csrf_token": csrf(person, "/case"), "how": "delete", "confirm": "yes"},
    )
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(CaseLink)) == 0
    assert "EARLIER-DELETED" not in complainant_page(client, new)


def test_a_deleted_complaints_code_takes_as_long_as_any_other(app: Flask, client) -> None:
    code = Participant(client).file_and_get_code()
    Participant(client).check(code)
    client.post(
        "/case/withdraw",
        data={"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"},
    )
    hasher = app.extensions["portal.hasher"]
    real_verifications = []

    class Counting:
        """Wraps argon2-cffi's hasher to count full verifications."""

        def __init__(self, inner) -> None:
            self.inner = inner

        def verify(self, stored: str, secret: bytes) -> bool:
            real_verifications.append(stored)
            return self.inner.verify(stored, secret)

    hasher._hasher = Counting(hasher._hasher)
    response = Participant(app.test_client()).check(code)
    assert response.status_code == HTTPStatus.OK  # not opened
    assert len(real_verifications) == 1  # one full argon2 verification, like any code


def test_handing_the_key_to_a_newcomer_is_audited(app: Flask, board: Board, clock) -> None:
    from portal.models import AuditEvent

    board.enroll(app.test_client(), Role.REVIEWER, "newcomer")
    chair = signed_in(app, board, Role.ADMIN, "chair")
    approve(app, chair, "newcomer")
    chair.get("/review/")
    with app.app_context():
        actions = db.session().scalars(select(AuditEvent.action)).all()
    assert actions.index("account.key_approve") < actions.index("board_key.grant")
