"""Admins edit the site settings in the review area; participants see the result at once."""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.models import AuditEvent, SiteSettings
from portal.site import SiteConfigError, load_site
from tests.board import Board
from tests.builders import save


@pytest.fixture
def admin_client(app: Flask, board: Board):
    client = app.test_client()
    board.sign_in(client, board.member(Role.ADMIN, "chair"))
    return client


def test_the_form_starts_from_the_site_file(admin_client, site) -> None:
    page = admin_client.get("/review/admin/settings").get_data(as_text=True)
    assert site.program_name in page
    assert site.agencies[0] in page


def test_saved_settings_reach_the_participant_pages(admin_client, client) -> None:
    assert save(admin_client).status_code == HTTPStatus.SEE_OTHER
    home = client.get("/")
    page = home.get_data(as_text=True)
    assert "Riverside LEAD" in page
    assert "<title>Garden club notes</title>" in page
    assert "form-action 'self' https://news.example" in home.headers["Content-Security-Policy"]
    form = client.get("/file").get_data(as_text=True)
    assert "River County Sheriff" in form
    assert client.post("/exit").headers["Location"] == "https://news.example/"


def test_help_places_are_read_one_per_line(admin_client, participant) -> None:
    save(admin_client)
    page = participant.file(safe_now="no").get_data(as_text=True)
    assert "Crisis line" in page
    assert "555-0199" in page
    assert "Food bank" in page


def test_a_change_is_an_audit_event_naming_what_changed(admin_client, app: Flask) -> None:
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
) -> None:
    response = save(admin_client, **{field: value})
    assert response.status_code == HTTPStatus.OK
    assert "Riverside LEAD" not in client.get("/").get_data(as_text=True)


def test_settings_are_for_admins_only(app: Flask, board: Board) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(Role.REVIEWER, "rev"))
    assert client.get("/review/admin/settings").status_code == HTTPStatus.FORBIDDEN


# --- the quick-exit address: one bad value must not take the site down -------------------

HOSTILE_QUICK_EXITS = [
    pytest.param("https://news.example/\n", id="trailing-newline"),
    pytest.param("https://news.example:70000/", id="port-above-65535"),
    pytest.param("https://news.example:/", id="empty-port"),
    pytest.param("https://*.example/", id="wildcard"),
    pytest.param("https://news.example,evil.example/", id="comma"),
    pytest.param("https://news.example/ 'unsafe-inline'", id="policy-words"),
    pytest.param("https://news.example;script-src:*/", id="semicolon"),
    pytest.param("https://user:pass@news.example/", id="user-info"),
    pytest.param("https://[::1]/", id="ip-literal"),
    pytest.param("https://news.example\r\nSet-Cookie:x=1/", id="header-injection"),
    pytest.param("javascript:alert(1)", id="not-https"),
]


def assert_headers_are_valid(response, origin: str) -> None:
    """Every header is one line of printable ASCII (what a server can send), and the policy
    lets forms go to our own site and the quick-exit site only."""
    for name, value in response.headers.items():
        assert value.isascii(), f"{name} is not ASCII: {value!r}"
        assert value.isprintable(), f"{name} has a control character: {value!r}"
    policy = response.headers["Content-Security-Policy"].split("; ")
    assert "form-action 'self' " + origin in policy


@pytest.mark.parametrize("address", HOSTILE_QUICK_EXITS)
def test_a_hostile_quick_exit_address_is_refused_by_the_settings_form(
    admin_client, client, site, address: str
) -> None:
    response = save(admin_client, quick_exit_url=address)
    assert response.status_code == HTTPStatus.OK
    page = response.get_data(as_text=True)
    assert "Please use a plain address that starts with https://" in page
    assert "Riverside LEAD" in page  # what the admin typed is still there
    for page_response in (client.get("/"), admin_client.get("/review/admin/settings")):
        assert page_response.status_code == HTTPStatus.OK
        assert_headers_are_valid(page_response, site.quick_exit_origin)
    assert client.post("/exit").headers["Location"] == site.quick_exit_url


@pytest.mark.parametrize("address", HOSTILE_QUICK_EXITS)
def test_a_hostile_quick_exit_address_in_site_toml_is_refused(tmp_path: Path, address: str) -> None:
    (tmp_path / "site.toml").write_text(f"quick_exit_url = {json.dumps(address)}\n")
    with pytest.raises(SiteConfigError, match="quick_exit_url: .*https://"):
        load_site(tmp_path)


def test_an_internationalised_quick_exit_address_is_idna_encoded(admin_client, client) -> None:
    assert save(
        admin_client, quick_exit_url="https://bücher.example/wetter?ort=köln"
    ).status_code == (HTTPStatus.SEE_OTHER)
    home = client.get("/")
    assert home.status_code == HTTPStatus.OK
    assert_headers_are_valid(home, "https://xn--bcher-kva.example")
    location = client.post("/exit").headers["Location"]
    assert location == "https://xn--bcher-kva.example/wetter?ort=k%C3%B6ln"


def test_a_bad_quick_exit_address_saved_earlier_does_not_take_the_site_down(
    app: Flask, client, site
) -> None:
    """A value an older version let through is ignored (the file's settings are used), so the
    admin can still reach the settings page and fix it."""
    with app.app_context():
        session = db.session()
        session.add(
            SiteSettings(
                id=1, data=json.dumps({"quick_exit_url": "https://bücher.example/\n"}), version=1
            )
        )
        session.commit()
    home = client.get("/")
    assert home.status_code == HTTPStatus.OK
    assert_headers_are_valid(home, site.quick_exit_origin)
