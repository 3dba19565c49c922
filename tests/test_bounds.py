"""Over-long whole numbers in URLs, hidden fields and filters get a calm 404 or 400, never a
500: a number too big for the database must not reach a query."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from portal.board.accounts import Role
from tests.board import Board, csrf
from tests.builders import file_directly, signed_in
from tests.conftest import Participant

HUGE = "9" * 30


def int_routes(app: Flask) -> list[tuple[str, str]]:
    """Every route with a whole number in its URL, that number made huge."""
    found = []
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", HUGE).replace(f"<{name}>", "AAAA")
        method = "POST" if "POST" in (rule.methods or ()) else "GET"
        found.append((method, path))
    return found


def test_every_route_with_a_number_in_its_url_is_found(app: Flask) -> None:
    # The sweep below must see the routes it means to attack.
    paths = {path for _method, path in int_routes(app)}
    assert f"/review/admin/accounts/{HUGE}/disable" in paths
    assert f"/review/cases/AAAA/files/{HUGE}" in paths


def test_an_over_long_number_in_a_url_is_a_calm_404(app: Flask, clock, board: Board) -> None:
    locator = file_directly(app, clock)[:4]
    admin = signed_in(app, board, Role.ADMIN, "chair")
    token = csrf(admin, "/review/")
    for method, path in int_routes(app):
        path = path.replace("AAAA", locator)
        response = admin.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == HTTPStatus.NOT_FOUND, (method, path)


def test_an_over_long_question_number_is_refused_calmly(app: Flask, client, clock) -> None:
    code = file_directly(app, clock)
    Participant(client).check(code)
    for path in ("/case/referral", "/case/link"):
        response = client.post(
            path, data={"csrf_token": csrf(client, "/case"), "question": HUGE, "answer": "yes"}
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST, path


@pytest.mark.parametrize("account", [HUGE, f"-{HUGE}", "0"])
def test_an_over_long_account_number_in_the_audit_filter_is_ignored(
    app: Flask,
    board: Board,
    account: str,
) -> None:
    admin = signed_in(app, board, Role.ADMIN, "chair")
    for path in ("/review/admin/audit", "/review/admin/audit.csv"):
        response = admin.get(path, query_string={"account": account})
        assert response.status_code == HTTPStatus.OK, path
