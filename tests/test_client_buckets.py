"""Each client gets its own rate-limit bucket under the real servers, and no server log line
holds a client address.

The development server (`flask --app wsgi serve`, what `make run` starts) and gunicorn with
deploy/gunicorn.conf.py run as subprocesses on 127.0.0.3; requests come from 127.0.0.1 and
127.0.0.2 (all three are loopback), or through a pretend proxy hop with X-Forwarded-For. One client
spends its claim-code tries; the other must still be served.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest

from portal.security.ratelimits import client_network
from tests.loopback import Browser, portal_server

# This helper's ports (see the project's port plan); one server at a time.
PORTS = {"flask": 5141, "gunicorn": 5142}
TRIES = 3


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", "unknown"),
        (None, "unknown"),
        ("not an address", "not an address"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64(address: str | None, network: str) -> None:
    assert client_network(address) == network


@contextlib.contextmanager
def server(kind: str, tmp_path: Path, **extra: str) -> Iterator[tuple[int, Path]]:
    port = PORTS[kind]
    settings = {"PORTAL_CHECK_LIMIT": f"{TRIES} per 15 minutes", **extra}
    with portal_server(kind, tmp_path, port, settings) as log_path:
        yield port, log_path


def _spend_and_compare(one: Browser, other: Browser) -> None:
    for _ in range(TRIES):
        assert one.check_a_wrong_code() == HTTPStatus.OK
    assert one.check_a_wrong_code() == HTTPStatus.TOO_MANY_REQUESTS
    assert other.check_a_wrong_code() == HTTPStatus.OK


@pytest.mark.parametrize("kind", ["flask", "gunicorn"])
def test_two_addresses_get_two_buckets_and_the_log_names_neither(kind: str, tmp_path: Path) -> None:
    with server(kind, tmp_path) as (port, log_path):
        _spend_and_compare(Browser(port, "127.0.0.1"), Browser(port, "127.0.0.2"))
        Browser(port, "127.0.0.2").send_garbage()
    log = log_path.read_text()
    assert "127.0.0.1" not in log
    assert "127.0.0.2" not in log
    if kind == "flask":
        assert "POST /check" in log  # the access lines are written, without the address


@pytest.mark.parametrize("kind", ["flask", "gunicorn"])
def test_behind_a_proxy_an_ipv6_client_is_counted_by_its_64(kind: str, tmp_path: Path) -> None:
    with server(kind, tmp_path, PORTAL_PROXY_HOPS="1") as (port, log_path):
        # Every address in one /64 is one client; the next /64 is another.
        spender = Browser(port, forwarded_for="2001:db8:1:2::1")
        for number in range(TRIES):
            spender.forwarded_for = f"2001:db8:1:2::{number + 1:x}"
            assert spender.check_a_wrong_code() == HTTPStatus.OK
        spender.forwarded_for = "2001:db8:1:2:ffff:ffff:ffff:fffe"
        assert spender.check_a_wrong_code() == HTTPStatus.TOO_MANY_REQUESTS
        neighbour = Browser(port, forwarded_for="2001:db8:1:3::1")
        assert neighbour.check_a_wrong_code() == HTTPStatus.OK
    assert "2001:db8" not in log_path.read_text()
