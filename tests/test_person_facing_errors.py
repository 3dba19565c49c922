"""Only errors meant for people are shown to them (issue 15): a board case action that fails
for a reason the member can act on says so in their language; a fault in the code is the calm
500 page, never the exception's own text on a board page."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal.board.accounts import Role
from portal.casework import cases
from tests.board import Board, csrf
from tests.builders import file_directly, signed_in
from tests.conftest import FakeClock


@pytest.fixture
def reviewer(app: Flask, board: Board) -> FlaskClient:
    return signed_in(app, board, Role.REVIEWER, "rev")


def post_action(
    client: FlaskClient, app: Flask, locator: str, endpoint: str, language: str = "en", **data: str
) -> TestResponse:
    with app.test_request_context():
        page, action = (
            url_for("review.case_page", locator=locator),
            url_for(endpoint, locator=locator),
        )
    return client.post(
        action,
        data={"csrf_token": csrf(client, page), **data},
        headers={"Accept-Language": language},
    )


def test_a_fault_inside_a_case_action_is_the_calm_500_page_without_its_text(
    app: Flask, clock: FakeClock, reviewer: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: any ValueError was caught and its text flashed on the case page."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    locator = file_directly(app, clock)[:4]

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("internal detail")

    monkeypatch.setattr(cases, "add_note", broken)
    response = post_action(reviewer, app, locator, "review.add_note", body="A note.")
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "It is not your fault" in page
    assert "internal detail" not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Messages must not contain a claim code."),
        ("es", "Los mensajes no pueden llevar un código de queja."),
    ],
)
def test_a_refused_case_action_says_why_in_the_members_language(
    app: Flask, clock: FakeClock, reviewer: FlaskClient, language: str, expected: str
) -> None:
    code = file_directly(app, clock)
    response = post_action(
        reviewer, app, code[:4], "review.send_message", language, body=f"Your code is {code}"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert expected in page
    assert f"Your code is {code}" in page  # what the member wrote is kept


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "That cannot be done now."), ("es", "Eso no se puede hacer ahora.")],
)
def test_a_move_the_case_cannot_make_is_explained_not_shown_as_code(
    app: Flask, clock: FakeClock, reviewer: FlaskClient, language: str, expected: str
) -> None:
    """Deciding a case that was only just received: before, the page said "received -> resolved"."""
    locator = file_directly(app, clock)[:4]
    response = post_action(
        reviewer,
        app,
        locator,
        "review.decide",
        language,
        disposition="substantiated",
        letter="We believe you.",
        confirm="y",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert expected in page
    assert "-&gt; resolved" not in page
    assert "-> resolved" not in page
