"""What the portal sends and keeps about the people who use it: as little as possible."""

from __future__ import annotations

import datetime as dt
import io
import logging
from http import HTTPStatus

import pytest
from flask import Flask
from sqlalchemy import inspect, text

from portal import db
from portal.logs import AnonymousRequestHandler, RedactAddresses
from portal.security.claimcodes import new_code
from portal.security.ratelimits import client_key_for
from tests.conftest import Participant

ADDRESS = "203.0.113.57"
AGENT = "Mozilla/5.0 (Linux; Android 9; Moto G6) TestPhone/1.0"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", HTTPStatus.OK),
        ("GET", "/file", HTTPStatus.OK),
        ("GET", "/check", HTTPStatus.OK),
        ("GET", "/case", HTTPStatus.SEE_OTHER),
        ("GET", "/figures", HTTPStatus.OK),
        ("GET", "/healthz", HTTPStatus.OK),
        ("GET", "/no-such-page", HTTPStatus.NOT_FOUND),
        ("GET", "/review/", HTTPStatus.SEE_OTHER),
        ("GET", "/review/sign-in", HTTPStatus.OK),
        ("POST", "/file", HTTPStatus.BAD_REQUEST),
        ("POST", "/check", HTTPStatus.BAD_REQUEST),
        ("PUT", "/file", HTTPStatus.METHOD_NOT_ALLOWED),
    ],
)
def test_security_headers_on_every_response(client, method: str, path: str, status: int) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    policy = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_error_pages_are_calm_pages_with_the_quick_exit(client) -> None:
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "We could not find that page" in page
    assert 'action="/exit"' in page


def test_an_unexpected_fault_gives_a_calm_500_page(app: Flask, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "It is not your fault" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_quick_exit_site_is_the_only_outside_form_target(client, site) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://weather.example;" in policy + ";"
    assert "http" not in policy.replace("https://weather.example", "")


def test_pages_link_nothing_from_another_site(client) -> None:
    for path in ("/", "/file", "/check", "/figures"):
        page = client.get(path).get_data(as_text=True)
        assert 'src="http' not in page
        assert 'href="http' not in page


def test_no_address_or_user_agent_is_stored(participant: Participant, app: Flask) -> None:
    environ = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": AGENT}
    form = participant.open_form()
    participant.client.post(
        "/file", data={**form, "narrative": "Something happened."}, environ_base=environ
    )
    page = participant.client.get("/check").get_data(as_text=True)
    del page
    with app.app_context():
        session = db.session()
        dump = []
        for table in inspect(session.get_bind()).get_table_names():
            for row in session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                dump.append(repr(tuple(row)))
    everything = "\n".join(dump)
    assert "'received'" in everything  # the dump really holds the complaint
    assert ADDRESS not in everything
    assert "TestPhone" not in everything


def test_logs_hold_no_address(participant: Participant, app: Flask, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    code = participant.file_and_get_code()
    for _ in range(12):  # past the limit, so Flask-Limiter logs its own line
        participant.check(new_code(code[:4]).display, REMOTE_ADDR=ADDRESS)
    assert any("ratelimit" in record.getMessage() for record in caplog.records)
    for record in caplog.records:
        assert ADDRESS not in record.getMessage()
        assert code[5:] not in record.getMessage()


def test_the_development_server_logs_no_address_but_the_portal_still_sees_it(caplog) -> None:
    handler = AnonymousRequestHandler.__new__(AnonymousRequestHandler)
    handler.client_address = (ADDRESS, 5555)
    caplog.set_level(logging.INFO, logger="werkzeug")
    handler.log("info", '"%s" %s %s', "POST /check HTTP/1.1", "429", "-")
    line = caplog.records[-1].getMessage()
    assert "POST /check" in line
    assert ADDRESS not in line
    # What fills the request's REMOTE_ADDR: the rate limits need each client's own address
    # (tests/test_client_buckets.py shows it under the real server).
    assert handler.address_string() == ADDRESS


def test_stray_addresses_are_scrubbed_from_log_lines() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.redact")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.addFilter(RedactAddresses())
    logger.warning("%s - - GET /file from %s", ADDRESS, "2001:db8::17")
    logger.warning("took 12.5 ms for 3 items")
    out = stream.getvalue()
    assert ADDRESS not in out
    assert "2001:db8::17" not in out
    assert "took 12.5 ms for 3 items" in out


def test_the_rate_limit_key_is_never_the_address_and_changes_daily() -> None:
    day = dt.date(2026, 11, 2)
    key = client_key_for(ADDRESS, "secret", day)
    assert ADDRESS not in key
    assert key == client_key_for(ADDRESS, "secret", day)
    assert key != client_key_for(ADDRESS, "secret", day + dt.timedelta(days=1))
    assert key != client_key_for("203.0.113.58", "secret", day)
    assert client_key_for(None, "secret", day)  # never an empty string
    assert client_key_for("", "secret", day)


def test_healthz_answers_without_data(client) -> None:
    response = client.get("/healthz")
    assert response.json == {"status": "ok"}


def test_healthz_says_when_the_database_is_down(app: Flask, client) -> None:
    app.extensions["portal.db"].engine.dispose()
    app.extensions["portal.db"].sessions.configure(bind=_broken_engine())
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE


def _broken_engine():
    from sqlalchemy import create_engine

    return create_engine("sqlite:////nonexistent-dir/nope.sqlite3")


def test_participant_pages_set_no_validators_on_static(client) -> None:
    # The stylesheet may be cached (it holds nothing personal); pages may not.
    css = client.get("/static/portal.css")
    assert css.status_code == HTTPStatus.OK
    assert css.headers.get("Cache-Control") != "no-store"
    css.close()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("203.0.113.57 - - [26/Nov/2026 14:03:22] GET /", "- - - [26/Nov/2026 14:03:22] GET /"),
        ("from ::1 at 14:03", "from - at 14:03"),
        ("from fe80::1ff:fe23:4567:890a", "from -"),
        ("from 2001:0db8:0000:0000:0000:ff00:0042:8329 ok", "from - ok"),
        (
            '"GET /review/enroll/thUXr9U4pdI78A6-Wj_z HTTP/1.1" 303',
            '"GET /review/enroll/- HTTP/1.1" 303',
        ),
    ],
)
def test_redaction_keeps_times_and_drops_addresses(line: str, expected: str) -> None:
    from portal.logs import redact

    assert redact(line) == expected
