"""Admins edit the site settings in the review area; participants see the result at once."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from flask import Flask
from sqlalchemy import select

from portal import db
from portal.accounts import Role
from portal.models import AuditEvent
from tests.board import Board, csrf

FORM = {
    "program_name": "Riverside LEAD",
    "neutral_title": "Garden club notes",
    "quick_exit_url": "https://news.example/",
    "public_address": "https://notes.example.org/",
    "agencies": "Riverside Police\nRiver County Sheriff",
    "help_resources": "Crisis line | Call any time | 555-0199 | 24 hours\nFood bank",
    "suppression_threshold": "10",
    "pattern_threshold": "3",
    "retention_closed_days": "365",
    "retention_unopened_days": "180",
    "kiosk_idle_seconds": "120",
    "smtp_host": "",
    "smtp_port": "25",
    "smtp_from": "portal@localhost",
    "board_language": "en",
}


@pytest.fixture
def admin_client(app: Flask, board: Board):  # noqa: ANN201
    client = app.test_client()
    board.sign_in(client, board.member(Role.ADMIN, "chair"))
    return client


def save(client, **changes: str):  # noqa: ANN001, ANN201
    data = {**FORM, **changes, "csrf_token": csrf(client, "/review/admin/settings")}
    return client.post("/review/admin/settings", data=data)


def test_the_form_starts_from_the_site_file(admin_client, site) -> None:  # noqa: ANN001
    page = admin_client.get("/review/admin/settings").get_data(as_text=True)
    assert site.program_name in page
    assert site.agencies[0] in page


def test_saved_settings_reach_the_participant_pages(admin_client, client) -> None:  # noqa: ANN001
    assert save(admin_client).status_code == HTTPStatus.SEE_OTHER
    home = client.get("/")
    page = home.get_data(as_text=True)
    assert "Riverside LEAD" in page
    assert "<title>Garden club notes</title>" in page
    assert "form-action 'self' https://news.example" in home.headers["Content-Security-Policy"]
    form = client.get("/file").get_data(as_text=True)
    assert "River County Sheriff" in form
    assert client.post("/exit").headers["Location"] == "https://news.example/"


def test_help_places_are_read_one_per_line(admin_client, participant) -> None:  # noqa: ANN001
    save(admin_client)
    page = participant.file(safe_now="no").get_data(as_text=True)
    assert "Crisis line" in page
    assert "555-0199" in page
    assert "Food bank" in page


def test_a_change_is_an_audit_event_naming_what_changed(admin_client, app: Flask) -> None:  # noqa: ANN001
    save(admin_client)
    with app.app_context():
        event = db.session().scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.action == "settings.change"
    assert "program_name" in event.detail
    assert "quick_exit_url" in event.detail


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quick_exit_url", "http://plain.example/"),
        ("quick_exit_url", "https://evil.example/ 'unsafe-inline'"),
        ("suppression_threshold", "0"),
        ("retention_closed_days", "many"),
        ("program_name", ""),
    ],
)
def test_bad_values_are_refused_and_nothing_changes(
    admin_client, client, field: str, value: str
) -> None:  # noqa: ANN001
    response = save(admin_client, **{field: value})
    assert response.status_code == HTTPStatus.OK
    assert "Riverside LEAD" not in client.get("/").get_data(as_text=True)


def test_settings_are_for_admins_only(app: Flask, board: Board) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(Role.REVIEWER, "rev"))
    assert client.get("/review/admin/settings").status_code == HTTPStatus.FORBIDDEN
