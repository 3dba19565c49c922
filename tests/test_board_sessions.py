"""Board sessions live on the server: they expire, and they can be ended from anywhere."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from http import HTTPStatus

from flask import Flask
from sqlalchemy import func, select

from portal import create_app, db
from portal.board.accounts import Role
from portal.models import BoardSession
from tests.board import PASSWORD, Board, csrf

SIGN_IN = "/review/sign-in"


def signed_in(client) -> bool:
    return client.get("/review/").status_code == HTTPStatus.OK


def board_cookie(client):
    return client.get_cookie("board")


def live_sessions(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(BoardSession))


def test_the_cookie_is_httponly_and_samesite_strict(board: Board, client) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    response = board.sign_in(client, member)
    header = response.headers["Set-Cookie"]
    assert header.startswith("board=")
    assert "HttpOnly" in header
    assert "SameSite=Strict" in header
    assert "Path=/" in header
    assert len(board_cookie(client).value) >= 43  # 256 random bits, base64


def test_in_production_the_cookie_is_secure_with_the_host_prefix(
    board: Board, config, site, clock
) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    production = create_app(
        # The test client's host is the configured one: production refuses any other.
        dataclasses.replace(
            config, env="production", argon2_profile="test", base_url="https://localhost"
        ),
        site=site,
        now=clock,
    )
    client = production.test_client()
    response = Board(production, clock).sign_in(client, member)
    production.extensions["portal.db"].engine.dispose()
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-board=")
    assert "Secure" in header


def test_the_session_id_changes_at_sign_in(board: Board, client, app: Flask) -> None:
    member = board.member(Role.REVIEWER, "rev")
    client.post(
        SIGN_IN,
        data={"csrf_token": csrf(client, SIGN_IN), "username": "rev", "password": PASSWORD},
    )
    half = board_cookie(client).value
    board.sign_in(client, member)
    full = board_cookie(client).value
    assert half != full
    stranger = app.test_client()
    stranger.set_cookie("board", half)
    assert not signed_in(stranger)


def test_thirty_idle_minutes_end_a_session(board: Board, client, clock) -> None:
    board.sign_in(client, board.member(Role.ADVOCATE, "peer"))
    clock.advance(minutes=29)
    assert signed_in(client)
    clock.advance(minutes=29)  # the visit above moved the idle timer
    assert signed_in(client)
    clock.advance(minutes=31)
    response = client.get("/review/")
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"] == SIGN_IN


def test_twelve_hours_end_a_session_however_busy(board: Board, client, clock) -> None:
    board.sign_in(client, board.member(Role.ADVOCATE, "peer"))
    started = clock.moment
    while signed_in(client) and clock.moment - started < dt.timedelta(hours=13):
        clock.advance(minutes=20)
    assert not signed_in(client)
    assert dt.timedelta(hours=12) <= clock.moment - started <= dt.timedelta(hours=12, minutes=20)


def test_a_half_signed_in_session_lasts_minutes(board: Board, client, clock) -> None:
    board.member(Role.REVIEWER, "rev")
    client.post(
        SIGN_IN,
        data={"csrf_token": csrf(client, SIGN_IN), "username": "rev", "password": PASSWORD},
    )
    assert client.get("/review/sign-in/code").status_code == HTTPStatus.OK
    clock.advance(minutes=6)
    assert client.get("/review/sign-in/code").headers["Location"] == SIGN_IN


def test_sign_out_is_a_post_that_ends_the_session_on_the_server(
    board: Board, client, app: Flask
) -> None:
    board.sign_in(client, board.member(Role.ADVOCATE, "peer"))
    cookie = board_cookie(client).value
    assert client.get("/review/sign-out").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = client.post("/review/sign-out", data={"csrf_token": csrf(client, "/review/")})
    assert response.headers["Location"] == SIGN_IN
    assert not signed_in(client)
    replay = app.test_client()
    replay.set_cookie("board", cookie)
    assert not signed_in(replay)
    assert live_sessions(app) == 0


def test_a_password_change_ends_every_other_session(board: Board, app: Flask) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    phone, laptop = app.test_client(), app.test_client()
    board.sign_in(phone, member)
    board.sign_in(laptop, member)
    new = "a different long passphrase"
    response = laptop.post(
        "/review/account/password",
        data={
            "csrf_token": csrf(laptop, "/review/account"),
            "current": PASSWORD,
            "password": new,
            "confirm": new,
        },
    )
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert signed_in(laptop)
    assert not signed_in(phone)
    assert (
        board.sign_in(app.test_client(), dataclasses.replace(member, password=new)).status_code
        == 303
    )


def test_a_wrong_current_password_changes_nothing(board: Board, client) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    board.sign_in(client, member)
    page = client.post(
        "/review/account/password",
        data={
            "csrf_token": csrf(client, "/review/account"),
            "current": "not my password at all",
            "password": "a different long passphrase",
            "confirm": "a different long passphrase",
        },
    ).get_data(as_text=True)
    assert "Your current password is not right" in page


def test_disabling_an_account_ends_its_sessions_at_once(board: Board, app: Flask) -> None:
    admin = board.member(Role.ADMIN, "chair")
    peer = board.member(Role.ADVOCATE, "peer")
    admin_client, peer_client = app.test_client(), app.test_client()
    board.sign_in(admin_client, admin)
    board.sign_in(peer_client, peer)
    assert signed_in(peer_client)
    admin_client.post(
        "/review/admin/accounts/2/disable",
        data={"csrf_token": csrf(admin_client, "/review/admin/accounts")},
    )
    assert not signed_in(peer_client)
    assert board.sign_in(app.test_client(), peer).status_code == HTTPStatus.OK  # refused
    admin_client.post(
        "/review/admin/accounts/2/enable",
        data={"csrf_token": csrf(admin_client, "/review/admin/accounts")},
    )
    assert board.sign_in(app.test_client(), peer).status_code == HTTPStatus.SEE_OTHER


def test_an_admin_can_end_any_session(board: Board, app: Flask) -> None:
    admin = board.member(Role.ADMIN, "chair")
    peer = board.member(Role.ADVOCATE, "peer")
    admin_client, peer_client = app.test_client(), app.test_client()
    board.sign_in(admin_client, admin)
    board.sign_in(peer_client, peer)
    page = admin_client.get("/review/admin/sessions").get_data(as_text=True)
    assert "peer" in page
    handle = re.search(r"<td>peer</td>.*?/review/admin/sessions/([0-9a-f]{12})/end", page, re.S)
    admin_client.post(
        f"/review/admin/sessions/{handle.group(1)}/end",
        data={"csrf_token": csrf(admin_client, "/review/admin/accounts")},
    )
    assert not signed_in(peer_client)
    assert signed_in(admin_client)


def test_an_admin_cannot_disable_themselves(board: Board, client) -> None:
    board.sign_in(client, board.member(Role.ADMIN, "chair"))
    page = client.post(
        "/review/admin/accounts/1/disable",
        data={"csrf_token": csrf(client, "/review/admin/accounts")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "You cannot disable your own account." in page
    assert signed_in(client)
