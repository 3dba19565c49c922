"""A browser for tests against real servers on loopback: plain http.client, a chosen source
address (127.0.0.1, 127.0.0.2, ... are all loopback) or a forwarded one, and a cookie jar."""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import urllib.parse
from dataclasses import dataclass, field

from portal import claimcodes

# Servers under test listen here; clients come from 127.0.0.1 and 127.0.0.2.
LISTEN = "127.0.0.3"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]*)"')


@dataclass
class Browser:
    """One client: a source address (or a forwarded one), a cookie, plain http.client."""

    port: int
    source: str = "127.0.0.1"
    forwarded_for: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        connection = http.client.HTTPConnection(
            LISTEN, self.port, timeout=30, source_address=(self.source, 0)
        )
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.read().decode()
        finally:
            connection.close()

    def send_garbage(self) -> None:
        """A request line no server accepts: servers log these, often with the address."""
        with socket.create_connection(
            (LISTEN, self.port), timeout=30, source_address=(self.source, 0)
        ) as connection:
            connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            with contextlib.suppress(OSError):
                connection.recv(4096)

    def check_a_wrong_code(self) -> int:
        _status, page = self.request("GET", "/check")
        token = CSRF.search(page).group(1)
        status, _page = self.request(
            "POST", "/check", {"csrf_token": token, "code": claimcodes.new_code().display}
        )
        return status
