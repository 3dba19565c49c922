"""Every route under /review, with every role: who gets in and who does not.

The table below is the review area's access policy written out by hand. The test walks the
real URL map, so a new route that is not in the table fails here until someone decides who
may use it.
"""

from __future__ import annotations

import dataclasses
import io
from http import HTTPStatus

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from portal import create_app, db
from portal.board.accounts import Role
from portal.models import Attachment
from tests.board import Board, csrf
from tests.conftest import give_board_key

ANONYMOUS = "anonymous"
PUBLIC = "public"  # anyone, signed in or not
HALF = "half"  # only between password and code

ADMIN, REVIEWER, ADVOCATE = Role.ADMIN, Role.REVIEWER, Role.ADVOCATE
EVERY_ROLE = frozenset(Role)


@dataclasses.dataclass(frozen=True)
class Hidden:
    """Roles allowed; every other signed-in role gets 404, as if there were no such case."""

    roles: frozenset[Role]

    def __contains__(self, role: object) -> bool:
        return role in self.roles


CASE = Hidden(frozenset({ADMIN, REVIEWER}))
CASE_CHAIR = Hidden(frozenset({ADMIN}))

POLICY: dict[str, object] = {
    "review.sign_in": PUBLIC,
    "review.enroll_link": PUBLIC,
    "review.enroll": PUBLIC,
    "review.sign_in_code": HALF,
    "review.sign_out": EVERY_ROLE,
    "review.second_factor": EVERY_ROLE,
    "review.home": EVERY_ROLE,
    "review.account": EVERY_ROLE,
    "review.change_password": EVERY_ROLE,
    "review.renew_recovery_codes": EVERY_ROLE,
    "review.notices": EVERY_ROLE,
    "review.assist": {ADVOCATE},
    "review.accounts_page": {ADMIN},
    "review.create_invite": {ADMIN},
    "review.disable_account": {ADMIN},
    "review.enable_account": {ADMIN},
    "review.account_flags": {ADMIN},
    "review.approve_key": {ADMIN},
    "review.sessions_page": {ADMIN},
    "review.end_session": {ADMIN},
    "review.audit_page": {ADMIN},
    "review.audit_csv": {ADMIN},
    "review.settings_page": {ADMIN},
    "review.case_page": CASE,
    "review.assign": CASE,
    "review.change_status": CASE,
    "review.add_note": CASE,
    "review.send_message": CASE,
    "review.decide": CASE,
    "review.propose_referral": CASE,
    "review.handoff_page": CASE,
    "review.prepare_handoff": CASE,
    "review.handoff_pdf": CASE,
    "review.recuse": CASE,
    "review.keep_away": CASE_CHAIR,
    "review.release": CASE_CHAIR,
    "review.propose_link": CASE,
    "review.approve_link": CASE,
    "review.decline_link": CASE,
    "review.download": CASE,
    "review.packet": {ADMIN, REVIEWER},
    "review.packet_page": {ADMIN, REVIEWER},
    "review.packet_csv": {ADMIN, REVIEWER},
    "review.alerts": {ADMIN, REVIEWER},
    "review.set_publication": CASE,
    "review.set_program_response": CASE_CHAIR,
    # Asking again and mediation (review/reconsider.py).
    "review.redecide": CASE,
    "review.record_mediation": CASE,
}

SAMPLE_ARGUMENTS = {
    "period": "last-12-months",
    "token": "not-a-real-invite",
    "account_id": 999,
    "handle": "000000000000",
    "referral_id": 999,
    "link_id": 999,
    "file_id": 1,
}


def review_routes(
    app: Flask, locator: str = "ZZZZ", file_id: int = 1
) -> list[tuple[str, str, str]]:
    routes = []
    arguments = {**SAMPLE_ARGUMENTS, "locator": locator, "file_id": file_id}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("review."):
                continue
            path = url_for(rule.endpoint, **{n: arguments[n] for n in rule.arguments})
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, path))
    # Sign-out last, so it does not end the session the other requests use.
    return sorted(routes, key=lambda route: route[0] == "review.sign_out")


def test_every_review_route_is_in_the_policy_table(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _, _ in review_routes(app)}
    missing = endpoints - set(POLICY)
    assert not missing, f"decide who may use these and add them to POLICY: {sorted(missing)}"
    assert set(POLICY) <= endpoints, "POLICY names routes that no longer exist"


def request(client: FlaskClient, method: str, path: str):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": csrf(client, "/review/sign-in")})


@pytest.fixture
def clients(app: Flask, board: Board) -> dict[str, FlaskClient]:
    signed_in = {ANONYMOUS: app.test_client()}
    for role in Role:
        member = board.member(role, f"{role.value}-person")
        client = app.test_client()
        response = board.sign_in(client, member)
        assert response.headers["Location"] == "/review/"
        signed_in[role.value] = client
    return signed_in


def test_each_role_gets_exactly_what_the_policy_allows(app: Flask, clients, participant) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(picture, format="PNG")
    picture.seek(0)
    locator = participant.file_and_get_code(files=(picture, "photo.png"))[:4]
    with app.app_context():
        file_id = db.session().scalars(select(Attachment.id)).one()  # ids are random
    problems = []
    for endpoint, method, path in review_routes(app, locator, file_id):
        rule = POLICY[endpoint]
        for who, client in clients.items():
            response = request(client, method, path)
            status, location = response.status_code, response.headers.get("Location", "")
            sent_to_sign_in = status == HTTPStatus.SEE_OTHER and location == "/review/sign-in"
            if rule == PUBLIC:
                ok = status not in (HTTPStatus.FORBIDDEN,) and not sent_to_sign_in
            elif who == ANONYMOUS:
                ok = sent_to_sign_in if method == "GET" else status == HTTPStatus.FORBIDDEN
            elif rule == HALF:
                # A signed-in account has no half-finished sign-in: it is sent home.
                ok = status == HTTPStatus.SEE_OTHER and location == "/review/"
            elif Role(who) in rule:
                ok = status not in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND) and (
                    not sent_to_sign_in or endpoint == "review.sign_out"
                )
            elif isinstance(rule, Hidden):
                ok = status == HTTPStatus.NOT_FOUND
            else:
                ok = status == HTTPStatus.FORBIDDEN
            if not ok:
                problems.append(f"{who:9} {method:4} {path}: {status} {location}")
    assert not problems, "\n".join(problems)


def test_a_route_without_a_rule_is_closed_to_everyone(config, site, clock) -> None:
    app = create_app(config, site=site, now=clock)

    def forgotten() -> str:
        return "should never be seen"

    # Added under the blueprint's name without @access, as a careless change might.
    app.add_url_rule("/review/forgotten", "review.forgotten", forgotten)
    give_board_key(app, clock.moment)
    board = Board(app, clock)
    admin = app.test_client()
    board.sign_in(admin, board.member(Role.ADMIN, "chair"))
    assert admin.get("/review/").status_code == HTTPStatus.OK
    for client in (admin, app.test_client()):
        response = client.get("/review/forgotten")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert "should never be seen" not in response.get_data(as_text=True)
    app.extensions["portal.db"].engine.dispose()
