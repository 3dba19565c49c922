"""When the rate-limit storage (Redis) cannot be reached, the portal neither errors nor stops
counting: claim-code checks and board sign-in go on, counted in each process, under stricter
limits.

Two ways the storage goes away: an address where nothing listens from the start, and a real
`redis-server` that is killed between two checks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from http import HTTPStatus

import limits
import pytest
import redis
from flask import Flask

from portal import create_app
from portal.board.accounts import Role
from portal.config import Config
from portal.security import claimcodes
from portal.security.ratelimits import limiter
from portal.site import Site
from tests.board import Board
from tests.conftest import FakeClock, Participant, give_board_key

NOBODY_LISTENS = "redis://127.0.0.1:1/0"


def amount(limit: str) -> int:
    return limits.parse(limit).amount


@contextlib.contextmanager
def portal_with_storage(
    config: Config, site: Site, clock: FakeClock, storage: str
) -> Iterator[Flask]:
    app = create_app(dataclasses.replace(config, ratelimit_storage=storage), site=site, now=clock)
    give_board_key(app, clock.moment)
    try:
        yield app
    finally:
        app.extensions["portal.db"].engine.dispose()
        # Flask-Limiter keeps "the storage is down" on its one limiter object rather than per
        # app; a real process has one app, but the next test's app must start trusting its
        # own storage again.
        limiter._storage_dead = False


@pytest.fixture
def redis_server() -> Iterator[tuple[subprocess.Popen, int]]:
    """A throwaway redis-server on a free port of 127.0.0.1 that keeps nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The installed redis-server with fixed arguments: nothing here comes from outside.
    process = subprocess.Popen(  # noqa: S603
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
        for _ in range(100):
            with contextlib.suppress(redis.ConnectionError):
                client.ping()
                break
            time.sleep(0.05)
        client.close()
        yield process, port
    finally:
        process.kill()
        process.wait(timeout=10)


def test_claim_code_checks_are_limited_more_strictly_when_redis_is_unreachable(
    config: Config, site: Site, clock: FakeClock
) -> None:
    with portal_with_storage(config, site, clock, NOBODY_LISTENS) as app:
        person = Participant(app.test_client())
        code = person.file_and_get_code()
        wrong = claimcodes.new_code(claimcodes.parse(code).locator).display
        allowed = amount(config.check_limit_per_client_fallback)
        assert allowed < amount(config.check_limit_per_client)
        for _ in range(allowed):
            assert person.check(wrong).status_code == HTTPStatus.OK
        blocked = person.check(code)
        assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Please try again in" in blocked.get_data(as_text=True)
        # Another connection still gets in with the right code.
        assert person.check(code, REMOTE_ADDR="192.0.2.8").status_code == HTTPStatus.SEE_OTHER


def test_board_sign_in_is_limited_more_strictly_when_redis_is_unreachable(
    config: Config, site: Site, clock: FakeClock
) -> None:
    with portal_with_storage(config, site, clock, NOBODY_LISTENS) as app:
        board = Board(app, clock)
        member = board.member(Role.ADVOCATE, "peer")
        wrong = dataclasses.replace(member, password="not the password at all")
        client = app.test_client()
        allowed = amount(config.signin_limit_fallback)
        assert allowed < amount(config.signin_limit)
        for _ in range(allowed):
            assert board.sign_in(client, wrong).status_code == HTTPStatus.OK
        assert board.sign_in(client, member).status_code == HTTPStatus.TOO_MANY_REQUESTS
        # Someone else, elsewhere, still signs in.
        other = board.member(Role.ADVOCATE, "other")
        answer = board.sign_in(app.test_client(), other, address="192.0.2.9")
        assert answer.status_code == HTTPStatus.SEE_OTHER


def test_when_redis_dies_between_checks_the_stricter_limit_takes_over(
    config: Config, site: Site, clock: FakeClock, redis_server
) -> None:
    process, port = redis_server
    with portal_with_storage(config, site, clock, f"redis://127.0.0.1:{port}/0") as app:
        person = Participant(app.test_client())
        code = person.file_and_get_code()
        wrong = claimcodes.new_code(claimcodes.parse(code).locator).display
        normal = amount(config.check_limit_per_client)
        first = person.check(wrong)
        assert first.status_code == HTTPStatus.OK
        assert first.headers["X-RateLimit-Limit"] == str(normal)
        assert first.headers["X-RateLimit-Remaining"] == str(normal - 1)

        process.kill()
        process.wait(timeout=10)

        strict = amount(config.check_limit_per_client_fallback)
        for _ in range(strict):
            answer = person.check(wrong)
            assert answer.status_code == HTTPStatus.OK
            assert answer.headers["X-RateLimit-Limit"] == str(strict)
        assert person.check(code).status_code == HTTPStatus.TOO_MANY_REQUESTS
