"""An app server that dies mid-request, behind the shipped nginx site and upstream.

The site's `error_page 502 504` shows the portal's own calm page, fetched from the server that
is up, instead of nginx's bare one; nginx never sends the cut-off POST on to the other server
(`proxy_next_upstream` passes no POST once sent); sending the form again files it once. Runs on
SQLite and on PostgreSQL; skips when nginx is not installed.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask, url_for
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal import db
from portal.models import Complaint
from tests.browser.conftest import QuietHandler
from tests.conftest import code_on_page, hidden_value
from tests.test_nginx import NGINX
from tests.twoservers import Visitor, nginx_in_front

WORDS = "The officer at the bus stop took my phone and kept it."


class DiesMidRequest:
    """An app server that reads one request whole and dies without a word: the connection
    closes, and from then on nothing listens on its port."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.received = b""
        self.thread = threading.Thread(target=self._die_on_first_request, daemon=True)
        self.thread.start()

    def _die_on_first_request(self) -> None:
        connection, _ = self.listener.accept()
        self.listener.close()
        with connection:
            connection.settimeout(10)
            while b"\r\n\r\n" not in self.received:
                self.received += connection.recv(65536)
            head, _, body = self.received.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            while len(body) < length:
                body += connection.recv(65536)


@contextlib.contextmanager
def served_in_thread(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_filing_cut_off_by_a_dying_server_gets_the_calm_page_and_files_once_when_resent(
    app: Flask, tmp_path: Path
) -> None:
    if NGINX is None:
        pytest.skip("needs nginx (apt-get install nginx) to test deploy/nginx-two-servers.conf")
    dying = DiesMidRequest()
    with served_in_thread(app) as alive, nginx_in_front(tmp_path, [alive, dying.address]) as front:
        # The form comes from the live server (first in the list); round-robin sends the POST
        # to the dying one.
        person = Visitor(front)
        form = person.request("GET", "/file")
        assert form.server == alive
        fields = {
            "csrf_token": hidden_value(form.page, "csrf_token"),
            "form_token": hidden_value(form.page, "form_token"),
            "narrative": WORDS,
        }
        cut_off = person.request("POST", "/file", fields)
        dying.thread.join(timeout=10)
        assert dying.received.startswith(b"POST /file ")
        # Not nginx's bare page: the portal's calm one, from the server that is up.
        assert cut_off.status == HTTPStatus.BAD_GATEWAY
        assert "We are having trouble right now" in cut_off.page
        assert "nginx" not in cut_off.page
        assert cut_off.header("Cache-Control") == "no-store"
        # nginx did not send the POST on to the live server: nothing was filed.
        with app.app_context():
            assert db.session().scalar(select(func.count()).select_from(Complaint)) == 0
        # Reloading sends the same form again; the dead server refuses the connection, so
        # nginx hands it to the live one, which files it once.
        again = person.request("POST", "/file", fields)
        assert again.status == HTTPStatus.OK, again.page[:300]
        assert again.server == alive
        assert code_on_page(again.page)
        with app.app_context():
            assert db.session().scalar(select(func.count()).select_from(Complaint)) == 1


def test_the_page_nginx_shows_for_a_server_that_did_not_answer_is_the_portals_own(
    app: Flask,
) -> None:
    """What the shipped site's `error_page 502 504` asks a live server for, without nginx."""
    with app.test_request_context():
        path = url_for("public.unavailable")
    answer = app.test_client().get(path, headers={"Accept-Language": "es"})
    assert answer.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "Ahora mismo tenemos problemas" in answer.get_data(as_text=True)  # their language
    assert answer.headers["Cache-Control"] == "no-store"
    assert "default-src" in answer.headers["Content-Security-Policy"]
    site = (
        Path(__file__).resolve().parent.parent / "deploy" / "nginx-lead-portal.conf"
    ).read_text()
    assert "error_page 502 504 /.portal/unavailable;" in site
    assert f"proxy_pass http://127.0.0.1:8000{path};" in site
