"""A browser for tests against real servers on loopback: plain http.client, a chosen source
address (127.0.0.1, 127.0.0.2, ... are all loopback) or a forwarded one, and a cookie jar."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from portal.security import claimcodes
from tests.conftest import REDIS_URL

# Servers under test listen here; clients come from 127.0.0.1 and 127.0.0.2.
LISTEN = "127.0.0.3"
ROOT = Path(__file__).resolve().parent.parent
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


def _command(kind: str, port: int) -> list[str]:
    if kind == "flask":
        return [
            sys.executable, "-m", "flask", "--app", "wsgi", "serve",
            "--host", LISTEN, "--port", str(port),
        ]  # fmt: skip
    workers = "2" if REDIS_URL else "1"  # several workers need the shared counters
    return [
        sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
        "--workers", workers, "--bind", f"{LISTEN}:{port}", "wsgi:app",
    ]  # fmt: skip


def portal_environ(folder: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """The environment a portal server (or a `flask --app wsgi` command) gets from
    `portal_server`: this one's without PORTAL_*, the test settings, then `settings`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    environ.update(
        PORTAL_ENV="development",
        PORTAL_INSTANCE_PATH=str(folder / "instance"),
        PORTAL_ARGON2_PROFILE="test",
        PORTAL_BASE_URL="http://portal.test",
        HOME=str(folder),
    )
    if REDIS_URL:
        environ["PORTAL_RATELIMIT_STORAGE"] = REDIS_URL
    environ.update(settings)
    return environ


@contextlib.contextmanager
def portal_server(
    kind: str, folder: Path, port: int, settings: Mapping[str, str], upgrade: bool = True
) -> Iterator[Path]:
    """Serve a fresh portal (instance in `folder`) with the development server ("flask") or
    gunicorn with deploy/gunicorn.conf.py; yield the file its whole output goes to. Redis
    counters (and two gunicorn workers) when PORTAL_TEST_REDIS_URL is set. `upgrade=False`
    skips `db-upgrade`, for a second server on a database another has brought up to date."""
    environ = portal_environ(folder, settings)
    if upgrade:
        # This interpreter's flask and gunicorn, with fixed arguments.
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "flask", "--app", "wsgi", "db-upgrade"],
            cwd=ROOT, env=environ, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    log_path = folder / f"{kind}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            _command(kind, port), cwd=ROOT, env=environ, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                Browser(port).request("GET", "/")
                break
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
