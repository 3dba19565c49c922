"""The board's accounts: who may disable whom, trained flags, and the Accounts page."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from flask import Flask, url_for
from sqlalchemy import select, text

from portal import db
from portal.board import accounts, members
from portal.board.accounts import Role
from portal.models import Account, MemberKey
from tests.board import Board
from tests.builders import ids, post_admin
from tests.conftest import Participant, board_keyring


def key_holders(app: Flask) -> set[str]:
    with app.app_context():
        return set(
            db.session().scalars(
                select(Account.username)
                .join(MemberKey, MemberKey.account_id == Account.id)
                .where(Account.disabled.is_(False))
            )
        )


# --- disabling members who hold the board key --------------------------------------------


def test_an_unapproved_admin_cannot_lock_the_key_holders_out(
    app: Flask, board: Board, clock
) -> None:
    code = Participant(app.test_client()).file_and_get_code(narrative="STILL-READABLE words")
    chair = board.member(Role.ADMIN, "chair")
    board.member(Role.REVIEWER, "rev")
    intruder = board.enroll(app.test_client(), Role.ADMIN, "intruder")  # a leaked link
    clock.advance(seconds=31)
    client = app.test_client()
    board.sign_in(client, intruder)
    known = ids(app)
    for username in ("chair", "rev"):
        page = post_admin(client, f"/review/admin/accounts/{known[username]}/disable")
        assert "Only an admin who holds the board key can disable" in page
        post_admin(client, f"/review/admin/accounts/{known[username]}/enable")
    assert {"chair", "rev"} <= key_holders(app)
    clock.advance(seconds=31)
    again = app.test_client()
    board.sign_in(again, chair)
    assert "STILL-READABLE words" in again.get(f"/review/cases/{code[:4]}").get_data(True)


def test_the_last_key_holder_can_never_be_disabled(app: Flask, board: Board, clock) -> None:
    board.member(Role.ADMIN, "chair")  # the only member holding the key
    board.enroll(app.test_client(), Role.ADMIN, "second")
    known = ids(app)
    with app.test_request_context():
        session = db.session()
        second = session.get(Account, known["second"])
        second.key_approved = True  # approved, but their copy has not arrived yet
        session.commit()
        with pytest.raises(accounts.AccountError, match="last one who holds the board key"):
            members.set_disabled(
                session, second, known["chair"], True, clock.moment, board_keyring(app)
            )
    assert "chair" in key_holders(app)


# --- TOTP secrets at rest ------------------------------------------------------------------


def test_the_database_holds_no_totp_secret_in_the_clear(app: Flask, board: Board) -> None:
    member = board.member(Role.REVIEWER, "rev")
    with app.app_context():
        session = db.session()
        rows = [repr(tuple(row)) for row in session.execute(text("SELECT * FROM account"))]
        session.commit()
    assert member.secret
    assert not any(member.secret in row for row in rows)
    # The second step still works with the app's own code, now read from the sealed copy.
    response = board.sign_in(app.test_client(), member)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"].endswith(url_for_home(app))


def url_for_home(app: Flask) -> str:
    with app.test_request_context():
        return url_for("review.home")
