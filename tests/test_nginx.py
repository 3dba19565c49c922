"""The shipped nginx site (deploy/nginx-lead-portal.conf) in front of a real portal server.

A real nginx runs the shipped server blocks, changed only where a test must: its ports, a
self-signed certificate made here, files in a temporary folder, the portal's address, and
no IPv6 listeners (not every machine has IPv6). Skips when nginx is not installed
(`apt-get install nginx`; .ci/run installs it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import io
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask, url_for
from PIL import Image
from werkzeug.serving import make_server

from portal.config import Config
from tests.browser.conftest import QuietHandler
from tests.conftest import hidden_value

SITE = Path(__file__).resolve().parent.parent / "deploy" / "nginx-lead-portal.conf"
NAME = "portal.example.org"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
PHOTO_BYTES = 5 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "fullchain.pem", folder / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


def site_for_test(folder: Path, http_port: int, https_port: int, portal: str) -> str:
    """The shipped site, changed only in what a test must change."""
    cert, key = self_signed(folder)
    text = SITE.read_text()
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.MULTILINE)
    text = re.sub(r"listen 80\b", f"listen 127.0.0.1:{http_port}", text)
    text = re.sub(r"listen 443\b", f"listen 127.0.0.1:{https_port}", text)
    for old, new in (
        (f"/etc/letsencrypt/live/{NAME}/fullchain.pem", str(cert)),
        (f"/etc/letsencrypt/live/{NAME}/privkey.pem", str(key)),
        ("/var/log/nginx/lead-portal-error.log", str(folder / "error.log")),
        ("/var/www/letsencrypt", str(folder)),
        ("http://127.0.0.1:8000", portal),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


def main_config(folder: Path, site: str) -> Path:
    (folder / "site.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                             "uwsgi", "scgi")
    )  # fmt: skip
    config = folder / "nginx.conf"
    config.write_text(
        f"""daemon off;
master_process off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} crit;
events {{ worker_connections 64; }}
http {{
{temp}
    include {folder / "site.conf"};
}}
"""
    )
    return config


class Nginx:
    def __init__(self, https_port: int, http_port: int) -> None:
        self.https_port, self.http_port = https_port, http_port

    def connection(self, server_name: str = NAME) -> http.client.HTTPSConnection:
        """HTTPS to nginx on 127.0.0.1, naming `server_name` in TLS as a browser would."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

        class Named(http.client.HTTPSConnection):
            def connect(self) -> None:
                raw = socket.create_connection((self.host, self.port), self.timeout)
                self.sock = context.wrap_socket(raw, server_hostname=server_name)

        return Named("127.0.0.1", self.https_port, timeout=60)

    def send(self, method: str, path: str, body: bytes = b"", **headers: str) -> Answer:
        connection = self.connection()
        try:
            connection.request(method, path, body=body or None, headers={"Host": NAME, **headers})
            return Answer.of(connection.getresponse())
        finally:
            connection.close()


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    page: str

    @classmethod
    def of(cls, response: http.client.HTTPResponse) -> Answer:
        return cls(response.status, response.getheaders(), response.read().decode())

    def header(self, name: str) -> str:
        return next(value for key, value in self.headers if key.lower() == name.lower())


@pytest.fixture
def nginx(app: Flask, tmp_path: Path) -> Iterator[Nginx]:
    if NGINX is None:
        pytest.skip("needs nginx (apt-get install nginx) to test deploy/nginx-lead-portal.conf")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    http_port, https_port = free_port(), free_port()
    site = site_for_test(tmp_path, http_port, https_port, f"http://127.0.0.1:{server.port}")
    config = main_config(tmp_path, site)
    output = tmp_path / "nginx.out"
    with output.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (nginx with a config made here)
            [NGINX, "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
            stdout=out,
            stderr=out,
        )
    try:
        for _ in range(100):
            if process.poll() is not None:
                pytest.fail(f"nginx would not start: {output.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield Nginx(https_port, http_port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_shipped_site_passes_nginx_own_check(tmp_path: Path) -> None:
    if NGINX is None:
        pytest.skip("needs nginx (apt-get install nginx) to test deploy/nginx-lead-portal.conf")
    config = main_config(
        tmp_path, site_for_test(tmp_path, free_port(), free_port(), "http://127.0.0.1:9")
    )
    done = subprocess.run(  # noqa: S603 (nginx -t on a config made here)
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


def test_nginx_takes_bodies_as_big_as_the_portal_does() -> None:
    match = re.search(r"^\s*client_max_body_size (\d+)m;", SITE.read_text(), re.MULTILINE)
    assert match
    assert int(match.group(1)) * 1024 * 1024 == Config.max_body_bytes


def phone_photo() -> bytes:
    """A JPEG of about 5 MB, as a phone takes them (noise does not compress)."""
    side = 1600
    image = Image.frombytes("RGB", (side, side), bytes(range(256)) * (side * side * 3 // 256))
    noisy = Image.effect_noise((side, side), 120).convert("RGB")
    picture = Image.blend(image, noisy, 0.5)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=100, subsampling=0)
    data = out.getvalue()
    if len(data) < PHOTO_BYTES:  # padded after the image's end, as some cameras do
        data += b"\0" * (PHOTO_BYTES - len(data))
    return data


def multipart(fields: dict[str, str], photo: bytes) -> tuple[str, bytes]:
    boundary = "----portal-test-boundary"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="IMG_2041.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def test_a_5_mb_phone_photo_goes_through_nginx_to_the_portal(nginx: Nginx) -> None:
    form = nginx.send("GET", "/file")
    assert form.status == HTTPStatus.OK
    cookie = "; ".join(value.split(";", 1)[0] for key, value in form.headers if key == "Set-Cookie")
    words = "The officer took my phone at the bus stop and would not give it back."
    fields = {
        "csrf_token": hidden_value(form.page, "csrf_token"),
        "form_token": hidden_value(form.page, "form_token"),
        "narrative": words,
    }
    photo = phone_photo()
    assert len(photo) >= PHOTO_BYTES
    content_type, body = multipart(fields, photo)
    answer = nginx.send("POST", "/file", body, Cookie=cookie, **{"Content-Type": content_type})
    assert answer.status == HTTPStatus.OK, answer.page[:500]
    assert "nginx" not in answer.page
    # Filed with its photo (a receipt with a claim code), or refused calmly with the words kept.
    assert 'class="code"' in answer.page or words in answer.page


def test_too_big_for_the_portal_gets_its_calm_page_with_its_headers(nginx: Nginx) -> None:
    connection = nginx.connection()
    try:
        connection.putrequest("POST", "/file", skip_host=True)
        connection.putheader("Host", NAME)
        connection.putheader("Accept-Language", "es")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(Config.max_body_bytes + 1))
        connection.endheaders()  # nginx answers from the length alone, before any body
        answer = Answer.of(connection.getresponse())
    finally:
        connection.close()
    assert answer.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "nginx" not in answer.page
    assert "Eso era demasiado para enviar de una vez" in answer.page  # in the person's language
    assert "default-src" in answer.header("Content-Security-Policy")
    assert answer.header("Strict-Transport-Security") == "max-age=63072000"
    assert answer.header("Cache-Control") == "no-store"


@pytest.mark.parametrize("host", ["203.0.113.7", "other.example.net"])
def test_an_unknown_host_name_gets_no_answer(nginx: Nginx, host: str) -> None:
    plain = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    try:
        plain.request("GET", "/", headers={"Host": host})
        with pytest.raises(http.client.RemoteDisconnected):
            plain.getresponse()
    finally:
        plain.close()
    named_wrongly = nginx.connection(server_name=host)
    try:
        with pytest.raises(ssl.SSLError):
            named_wrongly.request("GET", "/", headers={"Host": host})
    finally:
        named_wrongly.close()
    # The portal's own name still gets the portal, and plain HTTP is sent to HTTPS.
    assert nginx.send("GET", "/").status == HTTPStatus.OK
    plain = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    try:
        plain.request("GET", "/check", headers={"Host": NAME})
        moved = Answer.of(plain.getresponse())
    finally:
        plain.close()
    assert moved.status == HTTPStatus.MOVED_PERMANENTLY
    assert moved.header("Location") == f"https://{NAME}/check"


def test_the_page_nginx_shows_for_a_too_big_request_is_the_portals_own(app: Flask) -> None:
    """What the shipped site's `error_page 413` asks the portal for, without nginx."""
    with app.test_request_context():
        path = url_for("public.too_large")
    answer = app.test_client().get(path, headers={"Accept-Language": "es"})
    assert answer.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "Eso era demasiado para enviar de una vez" in answer.get_data(as_text=True)
    assert f"proxy_pass http://127.0.0.1:8000{path};" in SITE.read_text()
