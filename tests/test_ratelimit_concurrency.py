"""Forty requests at once cannot slip under a limit: each try is counted in one atomic step
as it arrives, before the argon2 work, not tested first and counted after.

The portal runs in the real threaded development server (werkzeug), with memory counters, or
Redis when PORTAL_TEST_REDIS_URL is set; forty real threads wait at a barrier and then send
together. Every answer that is not a 429 cost an argon2 verification.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path

import limits
from flask import Flask
from werkzeug.serving import make_server

from portal.board.accounts import Role
from portal.config import Config
from portal.logs import AnonymousRequestHandler
from portal.security import claimcodes
from tests.board import Board
from tests.conftest import FakeClock
from tests.loopback import CSRF, LISTEN, Browser, portal_server

PORT = 5143
GUNICORN_PORT = 5145
AT_ONCE = 40


@contextlib.contextmanager
def dev_server(app: Flask) -> Iterator[int]:
    server = make_server(LISTEN, PORT, app, threaded=True, request_handler=AnonymousRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield PORT
    finally:
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()


def all_at_once(sends: list[Callable[[], int]]) -> list[int]:
    """Run every send in its own thread, released together; their statuses."""
    barrier = threading.Barrier(len(sends))
    answers: list[int] = []

    def run(send: Callable[[], int]) -> None:
        barrier.wait()
        answers.append(send())

    threads = [threading.Thread(target=run, args=(send,)) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def ready_to_post(browser: Browser, path: str, form: dict[str, str]) -> Callable[[], int]:
    """Open the page first (cookie and CSRF token), so only the posts run together."""
    _status, page = browser.request("GET", path)
    form = {"csrf_token": CSRF.search(page).group(1), **form}
    return lambda: browser.request("POST", path, form)[0]


def test_forty_wrong_codes_at_once_get_at_most_the_limit_of_checks(
    app: Flask, config: Config
) -> None:
    allowed = limits.parse(config.check_limit_per_client).amount
    hasher = app.extensions["portal.hasher"]
    with dev_server(app) as port:
        sends = [
            ready_to_post(Browser(port), "/check", {"code": claimcodes.new_code().display})
            for _ in range(AT_ONCE)
        ]
        before = hasher.verify_calls
        answers = all_at_once(sends)
    assert len(answers) == AT_ONCE
    assert answers.count(HTTPStatus.OK) <= allowed
    assert answers.count(HTTPStatus.OK) + answers.count(HTTPStatus.TOO_MANY_REQUESTS) == AT_ONCE
    assert hasher.verify_calls - before <= allowed


def test_forty_wrong_passwords_at_once_get_at_most_the_limit_of_tries(
    app: Flask, config: Config, clock: FakeClock
) -> None:
    allowed = limits.parse(config.signin_limit).amount
    member = Board(app, clock).member(Role.REVIEWER, "rev")
    with dev_server(app) as port:
        sends = [
            ready_to_post(
                Browser(port),
                "/review/sign-in",
                {"username": member.username, "password": f"wrong guess number {n}"},
            )
            for n in range(AT_ONCE)
        ]
        answers = all_at_once(sends)
    assert len(answers) == AT_ONCE
    assert answers.count(HTTPStatus.OK) <= allowed  # each one a password checked and refused
    assert answers.count(HTTPStatus.OK) + answers.count(HTTPStatus.TOO_MANY_REQUESTS) == AT_ONCE


def test_forty_wrong_codes_at_once_under_gunicorn_get_at_most_the_limit(tmp_path: Path) -> None:
    """The same under gunicorn with deploy/gunicorn.conf.py (two workers sharing Redis when
    PORTAL_TEST_REDIS_URL is set); here only the answers can be counted."""
    allowed = 10
    settings = {"PORTAL_CHECK_LIMIT": f"{allowed} per 15 minutes"}
    with portal_server("gunicorn", tmp_path, GUNICORN_PORT, settings):
        sends = [
            ready_to_post(Browser(GUNICORN_PORT), "/check", {"code": claimcodes.new_code().display})
            for _ in range(AT_ONCE)
        ]
        answers = all_at_once(sends)
    assert len(answers) == AT_ONCE
    assert answers.count(HTTPStatus.OK) <= allowed
    assert answers.count(HTTPStatus.OK) + answers.count(HTTPStatus.TOO_MANY_REQUESTS) == AT_ONCE
