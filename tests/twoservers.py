"""Two portal servers behind one nginx, as docs/deploy.md's "Two app servers behind one nginx"
sets them up: the shipped site (deploy/nginx-lead-portal.conf) with the shipped upstream
(deploy/nginx-two-servers.conf) in front of two gunicorn servers, each with an instance folder
of its own, on one database and one Redis.

Used by tests/test_two_servers.py and bench/two_servers.py. The only test-only addition to the
shipped files (besides ports, a self-signed certificate and paths) is an nginx access log
that records which server answered (`$upstream_addr $status`): no client address, no path,
no time, nothing that could identify anyone.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import re
import secrets
import socket
import ssl
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.test_nginx import NAME, NGINX, free_port, main_config, site_for_test

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT / "deploy" / "nginx-two-servers.conf"
UPSTREAM_NAME = "lead_portal"
LOG_FORMAT = "log_format upstreams '$upstream_addr $status';\n"
_ADDRESS = re.compile(r"[0-9.]+:[0-9]+")
_SERVER_LINE = re.compile(r"^(\s*server )\S+:8000( .*)$", re.MULTILINE)


def shared_secrets() -> dict[str, str]:
    """What every server of one site must share (docs/deploy.md): the secret key, the pepper,
    the audit key and, with one Redis for all, the rate-limit secret."""
    return {
        "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
        "PORTAL_CLAIM_PEPPER": secrets.token_urlsafe(48),
        "PORTAL_AUDIT_KEY": secrets.token_urlsafe(48),
        "PORTAL_RATELIMIT_SECRET": secrets.token_urlsafe(48),
    }


def upstream_for_test(backends: list[str]) -> str:
    """The shipped upstream block with the test's servers in place of the example addresses."""
    text = UPSTREAM.read_text()
    assert len(_SERVER_LINE.findall(text)) == len(backends), "one line per server"
    addresses = iter(backends)
    return _SERVER_LINE.sub(lambda m: f"{m.group(1)}{next(addresses)}{m.group(2)}", text)


def two_server_site(folder: Path, backends: list[str], http_port: int, https_port: int) -> str:
    """The shipped site pointed at the shipped upstream, as docs/deploy.md says to change it,
    plus the test-only log of which server answered each request."""
    site = site_for_test(folder, http_port, https_port, "http://127.0.0.1:8000")
    assert site.count("proxy_pass http://127.0.0.1:8000") == 3
    site = site.replace("proxy_pass http://127.0.0.1:8000", f"proxy_pass http://{UPSTREAM_NAME}")
    main_server = site.rindex("server {")
    head, tail = site[:main_server], site[main_server:]
    tail = tail.replace("access_log off;", f"access_log {folder / 'upstreams.log'} upstreams;", 1)
    return LOG_FORMAT + upstream_for_test(backends) + head + tail


@dataclass
class Front:
    """nginx in front of the servers, and the record of which server answered each request."""

    https_port: int
    log: Path
    backends: list[str]
    seen: int = 0  # lines of the log already read

    def served(self) -> list[str]:
        """The server that answered each request so far, in order (as `host:port`): the last
        one nginx tried, when it tried several ("a, b") or showed an error page ("a : b")."""
        if not self.log.exists():
            return []
        return [_ADDRESS.findall(line)[-1] for line in self.log.read_text().splitlines() if line]

    def wait_for(self, count: int) -> list[str]:
        """The log once it holds `count` requests (nginx writes each line as it finishes)."""
        deadline = time.monotonic() + 10
        while len(answered := self.served()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return answered

    @functools.cached_property
    def tls(self) -> ssl.SSLContext:
        """One client context for every connection (a self-signed certificate, not checked)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context

    def connection(self, source: str = "127.0.0.1") -> http.client.HTTPSConnection:
        context = self.tls

        class Named(http.client.HTTPSConnection):
            def connect(self) -> None:
                raw = socket.create_connection(
                    (self.host, self.port), self.timeout, source_address=(source, 0)
                )
                self.sock = context.wrap_socket(raw, server_hostname=NAME)

        return Named("127.0.0.1", self.https_port, timeout=60)

    def health(self) -> int:
        connection = self.connection()
        try:
            connection.request("GET", "/healthz", headers={"Host": NAME})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


@dataclass(frozen=True)
class Reply:
    """An answer through nginx, and which server gave it."""

    status: int
    page: str
    body: bytes
    headers: list[tuple[str, str]]
    server: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class Visitor:
    """One browser (a cookie jar, a source address) whose every request goes to the other
    server than its last one: when the round-robin would send it to the same server again,
    a bare `GET /healthz` from nobody in particular goes first and takes that turn."""

    front: Front
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)
    servers: list[str] = field(default_factory=list)  # which server answered each request

    def request(
        self,
        method: str,
        path: str,
        fields: dict[str, str] | None = None,
        photo: bytes | None = None,
    ) -> Reply:
        answered = self.front.wait_for(self.front.seen)
        if self.servers and answered and answered[-1] != self.servers[-1]:
            # The last request overall went to the other server, so round-robin would send
            # this one back to ours: let a health check take that turn.
            assert self.front.health() == http.HTTPStatus.OK
            self.front.seen += 1
        headers = {"Host": NAME, "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if photo is not None:
            headers["Content-Type"], body = multipart(fields or {}, photo)
        elif fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = self.front.connection(self.source)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        self.front.seen += 1
        server = self.front.wait_for(self.front.seen)[self.front.seen - 1]
        self.servers.append(server)
        return Reply(
            response.status,
            data.decode(errors="replace"),
            data,
            response.getheaders(),
            server,
        )


def multipart(fields: dict[str, str], photo: bytes) -> tuple[str, bytes]:
    boundary = "----portal-two-servers"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="IMG_2041.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


@contextlib.contextmanager
def nginx_in_front(folder: Path, backends: list[str]) -> Iterator[Front]:
    """Debian's nginx with the shipped site and upstream, in front of `backends`."""
    assert NGINX is not None
    folder.mkdir(parents=True, exist_ok=True)
    http_port, https_port = free_port(), free_port()
    config = main_config(folder, two_server_site(folder, backends, http_port, https_port))
    # Room for a benchmark's clients: each holds a connection to nginx, and nginx one to a
    # server (two while it fetches an error page), beyond the 64 tests/test_nginx.py allows.
    text = config.read_text()
    assert "worker_connections 64;" in text
    config.write_text(text.replace("worker_connections 64;", "worker_connections 1024;"))
    output = folder / "nginx.out"
    with output.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (nginx with a config made here)
            [NGINX, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
            stdout=out,
            stderr=out,
        )
    try:
        for _ in range(200):
            assert process.poll() is None, f"nginx would not start: {output.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield Front(https_port, folder / "upstreams.log", backends)
    finally:
        process.terminate()
        process.wait(timeout=10)


def nginx_check(folder: Path, backends: list[str]) -> subprocess.CompletedProcess:
    """`nginx -t` on the shipped site with the shipped upstream."""
    assert NGINX is not None
    site = two_server_site(folder, backends, free_port(), free_port())
    config = main_config(folder, site)
    return subprocess.run(  # noqa: S603 (nginx -t on a config made here)
        [NGINX, "-t", "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )


__all__ = ["Front", "Reply", "Visitor", "nginx_check", "nginx_in_front"]
