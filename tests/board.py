"""Helpers that act as a board member would: through the real pages, with real TOTP codes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import clock, db
from portal.board import accounts
from portal.board.accounts import Role
from portal.models import Account
from portal.security import keys
from tests.conftest import FakeClock, board_keyring, hidden_value

PASSWORD = "violet mountain kettle 42"


def csrf(client: FlaskClient, path: str) -> str:
    return hidden_value(client.get(path).get_data(as_text=True), "csrf_token")


def totp_now(secret: str, moment: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(moment.replace(tzinfo=dt.UTC))


@dataclass
class Member:
    username: str
    password: str
    role: Role
    secret: str | None = None
    recovery_codes: list[str] = field(default_factory=list)
    board_recovery: str | None = None


@dataclass
class Board:
    app: Flask
    clock: FakeClock

    def invite(self, role: Role) -> str:
        with self.app.app_context():
            return accounts.create_invite(db.session(), role, None, clock.now())

    def enroll(
        self, client: FlaskClient, role: Role, username: str, password: str = PASSWORD
    ) -> Member:
        token = self.invite(role)
        assert client.get(f"/review/enroll/{token}").status_code == 303
        response = client.post(
            "/review/enroll",
            data={
                "csrf_token": csrf(client, "/review/enroll"),
                "username": username,
                "password": password,
                "confirm": password,
            },
        )
        member = Member(username, password, role)
        page = response.get_data(as_text=True)
        recovery = re.search(r'<p class="recovery-key"><code>([0-9A-Z-]+)</code></p>', page)
        if recovery:
            # The site's first admin: the board key was made now and its recovery key shown.
            member.board_recovery = recovery.group(1)
            next_page = "/review/second-factor"
        else:
            assert response.status_code == 303, page
            next_page = response.headers["Location"]
        if next_page.endswith("/review/second-factor"):
            page = client.get("/review/second-factor").get_data(as_text=True)
            member.secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
            done = client.post(
                "/review/second-factor",
                data={
                    "csrf_token": hidden_value(page, "csrf_token"),
                    "code": totp_now(member.secret, self.clock.moment),
                },
            )
            codes = re.findall(
                r"<li><code>([A-Z0-9-]{14})</code></li>", done.get_data(as_text=True)
            )
            assert len(codes) == 10
            member.recovery_codes = codes
        return member

    def member(self, role: Role, username: str) -> Member:
        """An enrolled account, signed out again, enrolled in a browser of its own."""
        client = self.app.test_client()
        member = self.enroll(client, role, username)
        client.post("/review/sign-out", data={"csrf_token": csrf(client, "/review/account")})
        self.grant_board_key(username)
        self.clock.advance(seconds=31)  # a fresh TOTP step for the next sign-in
        return member

    def grant_board_key(self, username: str) -> None:
        """An admin's approval, then what a member holding the key does (keys.grant_waiting)."""
        with self.app.app_context():
            session = db.session()
            account = session.scalar(select(Account).where(Account.username == username))
            account.key_approved = True  # as an admin's approval would
            keys.grant(session, account, board_keyring(self.app))
            session.commit()

    def sign_in(
        self,
        client: FlaskClient,
        member: Member,
        code: str | None = None,
        address: str = "127.0.0.1",
    ):
        response = client.post(
            "/review/sign-in",
            data={
                "csrf_token": csrf(client, "/review/sign-in"),
                "username": member.username,
                "password": member.password,
            },
            environ_base={"REMOTE_ADDR": address},
        )
        if member.secret is None or response.status_code != 303:
            return response
        if not response.headers["Location"].endswith("/review/sign-in/code"):
            return response
        return client.post(
            "/review/sign-in/code",
            data={
                "csrf_token": csrf(client, "/review/sign-in/code"),
                "code": code or totp_now(member.secret, self.clock.moment),
            },
        )
