"""Email notices to board members: opt-in, content-free, and never in the way of filing.

A real SMTP server (aiosmtpd) runs on 127.0.0.1 for these tests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from portal.board.accounts import Role
from tests.board import Board, csrf
from tests.conftest import Participant, give_board_key
from tests.mailbox import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8")))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def mail_site(site, port: int):
    return dataclasses.replace(site, smtp_host="127.0.0.1", smtp_port=port, smtp_from="board@x.org")


def opt_in(board: Board, app: Flask, name: str, role: Role = Role.REVIEWER, **choices: str) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(role, name))
    response = client.post(
        "/review/account/notices",
        data={
            "csrf_token": csrf(client, "/review/account"),
            "notify_email": f"{name}@x.org",
            **choices,
        },
    )
    assert response.status_code == 303


@pytest.fixture
def mail_app(config, site, clock, inbox) -> Iterator[Flask]:
    from portal import create_app

    application = create_app(config, site=mail_site(site, inbox[1]), now=clock)
    give_board_key(application, clock.moment)
    yield application
    application.extensions["portal.notifier"].wait()
    application.extensions["portal.db"].engine.dispose()


def test_a_new_case_notifies_only_members_who_opted_in(mail_app: Flask, clock, inbox) -> None:
    board = Board(mail_app, clock)
    opt_in(board, mail_app, "wants", notify_new="y")
    opt_in(board, mail_app, "quiet")
    Participant(mail_app.test_client()).file(narrative="SECRET-NARRATIVE-1234 they hurt me")
    mail_app.extensions["portal.notifier"].wait()
    box, _port = inbox
    assert [to for to, _ in box.messages] == [["wants@x.org"]]
    body = box.messages[0][1]
    assert "A case is waiting for the review board" in body
    assert "SECRET-NARRATIVE-1234" not in body
    assert "/review/" in body


def test_a_case_held_for_the_chair_is_told_only_to_admins(mail_app: Flask, clock, inbox) -> None:
    board = Board(mail_app, clock)
    opt_in(board, mail_app, "chair", Role.ADMIN, notify_new="y")
    opt_in(board, mail_app, "cousin", notify_new="y")
    Participant(mail_app.test_client()).file(keep_away="My cousin is on the board")
    mail_app.extensions["portal.notifier"].wait()
    assert [to for to, _ in inbox[0].messages] == [["chair@x.org"]]


def test_a_case_that_becomes_held_is_told_to_the_admins(mail_app: Flask, clock, inbox) -> None:
    board = Board(mail_app, clock)
    client = mail_app.test_client()
    person = Participant(client)
    code = person.file_and_get_code()
    opt_in(board, mail_app, "chair", Role.ADMIN, notify_new="y")
    opt_in(board, mail_app, "cousin", notify_new="y")
    person.check(code)
    client.post(
        "/case/keep-away",
        data={"csrf_token": csrf(client, "/case"), "keep_away": "My cousin on the board"},
    )
    mail_app.extensions["portal.notifier"].wait()
    assert [to for to, _ in inbox[0].messages] == [["chair@x.org"]]
    assert "My cousin" not in inbox[0].messages[0][1]


def test_each_member_gets_notices_in_their_own_language(mail_app: Flask, clock, inbox) -> None:
    board = Board(mail_app, clock)
    opt_in(board, mail_app, "ana", notify_new="y", notice_language="es")
    opt_in(board, mail_app, "ben", notify_new="y")  # the board's language: English here
    Participant(mail_app.test_client()).file()
    mail_app.extensions["portal.notifier"].wait()
    bodies = {to[0]: body for to, body in inbox[0].messages}
    assert "Hay un caso esperando al comité de revisión" in bodies["ana@x.org"]
    assert "A case is waiting for the review board" in bodies["ben@x.org"]
    assert "Hay un caso" not in bodies["ben@x.org"]


def test_a_member_sees_and_can_change_their_notice_language(app: Flask, board: Board) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(Role.REVIEWER, "carla"))
    page = client.get("/review/account").get_data(as_text=True)
    assert '<option selected value="">' in page  # the board's language until she chooses
    response = client.post(
        "/review/account/notices",
        data={"csrf_token": csrf(client, "/review/account"), "notice_language": "es"},
    )
    assert response.status_code == 303
    page = client.get("/review/account").get_data(as_text=True)
    assert '<option selected value="es">Español</option>' in page
    refused = client.post(
        "/review/account/notices",
        data={"csrf_token": csrf(client, "/review/account"), "notice_language": "fr"},
    )
    assert refused.status_code == 400


def test_urgent_and_reply_notices(mail_app: Flask, clock, inbox) -> None:
    board = Board(mail_app, clock)
    opt_in(board, mail_app, "urgent", notify_urgent="y")
    opt_in(board, mail_app, "replies", notify_reply="y")
    client = mail_app.test_client()
    person = Participant(client)
    code = person.file_and_get_code(safe_now="no")
    person.check(code)
    client.post("/case/reply", data={"csrf_token": csrf(client, "/case"), "body": "More."})
    mail_app.extensions["portal.notifier"].wait()
    subjects = {to[0]: body for to, body in inbox[0].messages}
    assert "An urgent case is waiting" in subjects["urgent@x.org"]
    assert "has a new reply" in subjects["replies@x.org"]


@pytest.mark.parametrize("helped", [False, True], ids=["alone", "with-an-advocate"])
def test_an_urgent_case_notifies_the_board_whoever_helped_file_it(
    mail_app: Flask,
    clock,
    inbox,
    helped: bool,
) -> None:
    board = Board(mail_app, clock)
    opt_in(board, mail_app, "urgent", notify_urgent="y")
    client = mail_app.test_client()
    if helped:
        board.sign_in(client, board.member(Role.ADVOCATE, "peer"))
        client.post(
            "/review/assist", data={"csrf_token": csrf(client, "/review/assist"), "confirm": "y"}
        )
    response = Participant(client).file(safe_now="no")
    assert response.status_code == 200
    mail_app.extensions["portal.notifier"].wait()
    subjects = {to[0]: body for to, body in inbox[0].messages}
    assert "An urgent case is waiting" in subjects["urgent@x.org"]


def test_a_broken_mail_server_never_blocks_filing(config, site, clock) -> None:
    from portal import create_app

    dead = create_app(config, site=mail_site(site, free_port()), now=clock)
    give_board_key(dead, clock.moment)
    board = Board(dead, clock)
    opt_in(board, dead, "wants", notify_new="y")
    response = Participant(dead.test_client()).file()
    assert response.status_code == 200
    assert "Your claim code" in response.get_data(as_text=True)
    dead.extensions["portal.notifier"].wait()
    dead.extensions["portal.db"].engine.dispose()


def test_no_mail_server_means_no_notice(app: Flask, board: Board) -> None:
    opt_in(board, app, "wants", notify_new="y")
    assert Participant(app.test_client()).file().status_code == 200
    assert app.extensions["portal.notifier"]._pending == []


def test_a_bad_email_address_is_explained(app: Flask, board: Board) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(Role.REVIEWER, "rev"))
    page = client.post(
        "/review/account/notices",
        data={"csrf_token": csrf(client, "/review/account"), "notify_email": "not an address"},
    ).get_data(as_text=True)
    assert "Please check the email address." in page


def test_a_failed_password_change_shows_the_notice_choices_as_saved(
    app: Flask, board: Board
) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(Role.REVIEWER, "dana"))
    client.post(
        "/review/account/notices",
        data={
            "csrf_token": csrf(client, "/review/account"),
            "notify_email": "dana@x.org",
            "notify_new": "y",
            "notice_language": "es",
        },
    )
    response = client.post(
        "/review/account/password",
        data={"csrf_token": csrf(client, "/review/account"), "current": "wrong", "password": "x"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'checked id="notify_new"' in page
    assert 'value="dana@x.org"' in page
    assert '<option selected value="es">' in page


def test_a_burst_of_replies_makes_one_board_notice_per_case(
    mail_app: Flask,
    clock,
    inbox,
) -> None:
    board = Board(mail_app, clock)
    opt_in(board, mail_app, "replies", notify_reply="y")
    cases = []
    for _ in range(2):
        person = Participant(mail_app.test_client())
        person.check(person.file_and_get_code())
        cases.append(person.client)
    for number in range(5):
        answer = cases[0].post(
            "/case/reply", data={"csrf_token": csrf(cases[0], "/case"), "body": f"More {number}."}
        )
        assert answer.status_code == 303
    cases[1].post("/case/reply", data={"csrf_token": csrf(cases[1], "/case"), "body": "Mine."})
    mail_app.extensions["portal.notifier"].wait()
    replies = [body for to, body in inbox[0].messages if "has a new reply" in body]
    assert len(replies) == 2  # one for the five replies on the first case, one for the second
