"""Board sign-in: invitations, enrollment, passwords, the second factor, throttling."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from http import HTTPStatus

import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_app, db
from portal.board import accounts, totp
from portal.board.accounts import Role
from portal.config import Config
from portal.models import Account, AuditEvent, Invite, RecoveryCode
from tests.board import PASSWORD, Board, csrf, totp_now

GENERIC = "That did not work. Please check what you typed and try again."


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_enrollment_end_to_end_with_a_real_totp_code(board: Board, client, app: Flask) -> None:
    member = board.enroll(client, Role.ADMIN, "chair")
    assert member.secret
    assert len(member.recovery_codes) == 10
    home = client.get("/review/")
    assert home.status_code == HTTPStatus.OK
    assert re.search(r"<h1[^>]*>Cases</h1>", home.get_data(as_text=True))
    with app.app_context():
        account = db.session().scalars(select(Account)).one()
        assert account.totp_confirmed
        assert member.password not in account.password_hash
        assert account.password_hash.startswith("$argon2id$")
    assert actions(app)[:4] == ["invite.create", "account.enroll", "totp.enroll", "signin"]


def test_the_qr_code_is_drawn_on_our_own_page(board: Board, client) -> None:
    token = board.invite(Role.REVIEWER)
    client.get(f"/review/enroll/{token}")
    client.post(
        "/review/enroll",
        data={
            "csrf_token": csrf(client, "/review/enroll"),
            "username": "rev",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    page = client.get("/review/second-factor").get_data(as_text=True)
    assert "<svg" in page
    assert "<path" in page
    assert 'src="http' not in page


def test_a_reviewer_cannot_skip_the_second_factor(board: Board, client) -> None:
    token = board.invite(Role.REVIEWER)
    client.get(f"/review/enroll/{token}")
    client.post(
        "/review/enroll",
        data={
            "csrf_token": csrf(client, "/review/enroll"),
            "username": "rev",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    for path in ("/review/", "/review/account", "/review/admin/accounts"):
        response = client.get(path)
        assert response.status_code == HTTPStatus.SEE_OTHER
        assert response.headers["Location"] == "/review/second-factor"


def test_an_advocate_signs_in_with_a_password_alone(board: Board, client) -> None:
    advocate = board.member(Role.ADVOCATE, "peer")
    assert advocate.secret is None
    response = board.sign_in(client, advocate)
    assert response.headers["Location"] == "/review/"
    assert "never see complaints" in client.get("/review/").get_data(as_text=True)


def test_an_invitation_works_once(board: Board, client, app: Flask) -> None:
    token = board.invite(Role.ADVOCATE)
    client.get(f"/review/enroll/{token}")
    form = {"username": "peer", "password": PASSWORD, "confirm": PASSWORD}
    client.post("/review/enroll", data={"csrf_token": csrf(client, "/review/enroll"), **form})
    again = app.test_client().get(f"/review/enroll/{token}")
    assert again.status_code == HTTPStatus.NOT_FOUND
    assert "does not work" in again.get_data(as_text=True)


def test_an_invitation_expires_after_72_hours(board: Board, app: Flask, clock) -> None:
    token = board.invite(Role.REVIEWER)
    clock.advance(hours=71, minutes=59)
    assert app.test_client().get(f"/review/enroll/{token}").status_code == HTTPStatus.SEE_OTHER
    clock.advance(minutes=2)
    assert app.test_client().get(f"/review/enroll/{token}").status_code == HTTPStatus.NOT_FOUND


def test_the_invitation_carries_the_role(board: Board, app: Flask) -> None:
    board.member(Role.ADVOCATE, "peer")
    with app.app_context():
        account = db.session().scalars(select(Account)).one()
        invite = db.session().scalars(select(Invite)).one()
    assert account.role == "advocate"
    assert invite.account_id == account.id
    assert invite.used_at is not None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "at least 12 characters"),
        ("x" * 129, "at most 128 characters"),
        ("q1w2e3r4t5y6", "Many people use this password"),
        ("1QAZ2WSX3EDC", "Many people use this password"),
        ("password2024!!", "Many people use this password"),
        ("abababababab", "repeats the same few characters"),
        ("careful-kestrel", "cannot be the same as your username"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(
    board: Board, client, password: str, message: str
) -> None:
    token = board.invite(Role.ADVOCATE)
    client.get(f"/review/enroll/{token}")
    page = client.post(
        "/review/enroll",
        data={
            "csrf_token": csrf(client, "/review/enroll"),
            "username": "careful-kestrel",
            "password": password,
            "confirm": password,
        },
    ).get_data(as_text=True)
    assert message in page


def test_a_taken_username_is_explained(board: Board, client) -> None:
    board.member(Role.ADVOCATE, "peer")
    token = board.invite(Role.ADVOCATE)
    client.get(f"/review/enroll/{token}")
    page = client.post(
        "/review/enroll",
        data={
            "csrf_token": csrf(client, "/review/enroll"),
            "username": "PEER",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    ).get_data(as_text=True)
    assert "That username is taken" in page


def test_sign_in_with_password_and_totp(board: Board, client) -> None:
    member = board.member(Role.REVIEWER, "rev")
    response = board.sign_in(client, member)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"] == "/review/"
    assert client.get("/review/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("change", [{"password": "wrong password here"}, {"username": "nobody"}])
def test_every_password_failure_gets_one_generic_message(
    board: Board, client, app: Flask, change: dict
) -> None:
    member = board.member(Role.REVIEWER, "rev")
    page = board.sign_in(client, dataclasses.replace(member, **change)).get_data(as_text=True)
    assert GENERIC in page
    assert actions(app)[-1] == "signin.fail"


def test_a_disabled_account_gets_the_same_generic_message(board: Board, client, app: Flask) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    with app.app_context():
        db.session().execute(
            Account.__table__.update().values(disabled=True)  # type: ignore[attr-defined]
        )
        db.session().commit()
    assert GENERIC in board.sign_in(client, member).get_data(as_text=True)


def test_a_wrong_code_gets_the_generic_message(board: Board, client) -> None:
    member = board.member(Role.REVIEWER, "rev")
    page = board.sign_in(client, member, code="000000").get_data(as_text=True)
    assert GENERIC in page
    assert client.get("/review/").headers["Location"] == "/review/sign-in/code"


def test_a_totp_code_cannot_be_used_twice(board: Board, client, app: Flask, clock) -> None:
    member = board.member(Role.REVIEWER, "rev")
    code = totp_now(member.secret, clock.moment)
    assert board.sign_in(client, member, code=code).headers["Location"] == "/review/"
    other = app.test_client()
    assert GENERIC in board.sign_in(other, member, code=code).get_data(as_text=True)


def test_a_recovery_code_works_exactly_once(board: Board, app: Flask) -> None:
    member = board.member(Role.REVIEWER, "rev")
    code = member.recovery_codes[3].lower().replace("-", " ")
    first = board.sign_in(app.test_client(), member, code=code)
    assert first.headers["Location"] == "/review/"
    second = board.sign_in(app.test_client(), member, code=code)
    assert GENERIC in second.get_data(as_text=True)
    assert "recovery_code.use" in actions(app)


def test_sign_in_failures_are_throttled_per_account(board: Board, app: Flask) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    wrong = dataclasses.replace(member, password="not the password at all")
    for i in range(5):
        response = board.sign_in(app.test_client(), wrong, address=f"203.0.113.{i}")
        assert response.status_code == HTTPStatus.OK
    # From another connection too: the account is what is being guessed.
    client = app.test_client()
    blocked = client.post(
        "/review/sign-in",
        data={
            "csrf_token": csrf(client, "/review/sign-in"),
            "username": member.username,
            "password": member.password,
        },
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Please try again in" in blocked.get_data(as_text=True)
    # Another account is not held back.
    other = board.member(Role.ADVOCATE, "other")
    assert board.sign_in(app.test_client(), other).status_code == HTTPStatus.SEE_OTHER


def test_sign_in_failures_are_throttled_per_client(board: Board, client) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    for name in ("a1", "a2", "a3", "a4", "a5"):
        board.sign_in(client, dataclasses.replace(member, username=name))
    assert board.sign_in(client, member).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_successful_sign_ins_are_never_throttled(board: Board, client) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    for _ in range(8):
        assert board.sign_in(client, member).status_code == HTTPStatus.SEE_OTHER


def test_a_password_is_rehashed_when_the_cost_changes(
    board: Board, app: Flask, config, site, clock
) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    with app.app_context():
        before = db.session().scalars(select(Account.password_hash)).one()
    stronger = create_app(
        dataclasses.replace(config, argon2_profile="default"), site=site, now=clock
    )
    # Same database, production cost: signing in upgrades the stored hash.
    stronger_board = Board(stronger, clock)
    assert stronger_board.sign_in(stronger.test_client(), member).status_code == 303
    with stronger.app_context():
        after = db.session().scalars(select(Account.password_hash)).one()
    stronger.extensions["portal.db"].engine.dispose()
    assert before != after
    assert "m=65536,t=3,p=4" in after


def test_create_admin_prints_a_working_link(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["create-admin"])
    assert result.exit_code == 0
    link = result.output.strip().splitlines()[-1].strip()
    assert "/review/enroll/" in link
    path = link[link.index("/review/") :]
    assert app.test_client().get(path).status_code == HTTPStatus.SEE_OTHER
    with app.app_context():
        assert not accounts.has_active_admin(db.session())


def test_new_recovery_codes_replace_the_old_ones(board: Board, app: Flask) -> None:
    member = board.member(Role.REVIEWER, "rev")
    client = app.test_client()
    board.sign_in(client, member)
    page = client.post(
        "/review/account/recovery-codes", data={"csrf_token": csrf(client, "/review/account")}
    ).get_data(as_text=True)
    fresh = re.findall(r"<li><code>([A-Z0-9-]{14})</code></li>", page)
    assert len(fresh) == 10
    assert set(fresh).isdisjoint(member.recovery_codes)
    assert GENERIC in board.sign_in(
        app.test_client(), member, code=member.recovery_codes[0]
    ).get_data(as_text=True)
    ok = board.sign_in(app.test_client(), member, code=fresh[0])
    assert ok.headers["Location"] == "/review/"


def test_an_advocate_can_add_a_second_factor_and_then_needs_it(
    board: Board, app: Flask, clock
) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    client = app.test_client()
    board.sign_in(client, member)
    page = client.get("/review/second-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    client.post(
        "/review/second-factor",
        data={
            "csrf_token": csrf(client, "/review/account"),
            "code": totp_now(secret, clock.moment),
        },
    )
    clock.advance(seconds=31)
    response = board.sign_in(app.test_client(), member)
    assert response.headers["Location"] == "/review/sign-in/code"


@pytest.fixture
def rotated(app: Flask, config: Config, site, clock) -> Iterator[Board]:
    """The same site on the same database after PORTAL_SECRET_KEY was changed."""
    changed = dataclasses.replace(config, secret_key="a-new-secret-key-" + "z" * 32)
    assert changed.derive("recovery-codes") != config.derive("recovery-codes")
    after = create_app(changed, site=site, now=clock)
    yield Board(after, clock)
    after.extensions["portal.db"].engine.dispose()


def test_recovery_codes_still_work_after_the_secret_key_changes(
    board: Board, rotated: Board
) -> None:
    member = board.member(Role.REVIEWER, "rev")
    response = rotated.sign_in(rotated.app.test_client(), member, code=member.recovery_codes[0])
    assert response.headers["Location"] == "/review/"


def test_recovery_codes_made_under_the_secret_key_still_work_until_it_changes(
    board: Board, app: Flask, config: Config, rotated: Board
) -> None:
    """Codes made before they were keyed from the pepper were hashed under a key from the
    secret key: the database still holds those hashes, and they must still sign in."""
    member = board.member(Role.REVIEWER, "rev")
    earlier = config.derive("recovery-codes")
    with app.app_context():
        session = db.session()
        for stored, code in zip(
            session.scalars(select(RecoveryCode).order_by(RecoveryCode.id)),
            member.recovery_codes,
            strict=True,
        ):
            stored.code_hash = totp.recovery_hash(earlier, code)
        session.commit()
    first = board.sign_in(app.test_client(), member, code=member.recovery_codes[0])
    assert first.headers["Location"] == "/review/"
    # Such a code is tied to the secret key: after a change it no longer opens (docs/deploy.md).
    refused = rotated.sign_in(rotated.app.test_client(), member, code=member.recovery_codes[1])
    assert GENERIC in refused.get_data(as_text=True)
