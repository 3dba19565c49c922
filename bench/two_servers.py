"""Two app servers behind one nginx, under load: 32 clients x 50 filings each, with a photo.

The setup of docs/deploy.md's "Two app servers behind one nginx" (and tests/test_two_servers.py):
Debian's nginx with the shipped site and the shipped round-robin upstream, in front of two
gunicorn servers (2 sync workers each), each with an instance folder of its own, on one fresh
PostgreSQL database and one throwaway Redis. Each client is a browser of its own: GET /file,
then POST /file with the words and a small JPEG, 50 times. Then a board member's session
(made directly, as bench/review_pages.py does) opens every stored photo through nginx, so
about half of them through the server that did not store them.

Checks: every filing stored once (rows counted in the database), every code distinct, every
photo opens as a picture, 0 errors, both servers took about half the requests. A filing that
gets a calm "try again" page (nginx waited longer than its 35 s `proxy_read_timeout`, which
a machine shared with other jobs can reach with 32 clients queued on 4 workers) is sent again
as a person reloading the page would, and counted apart: it must still be stored once. Figures:
filings per second, p50/p95 of a filing (GET + POST), and GET /file per second through nginx
against the bare Flask app (bench/bare_app.py) served the same way, two servers behind nginx.
These machines are shared: the absolute figures swing from run to run; read the ratio.

    .venv/bin/python bench/two_servers.py            # 32 x 50
    .venv/bin/python bench/two_servers.py --quick    # 8 x 5, to try it out

Needs a PostgreSQL server (PORTAL_BENCH_DATABASE_URL, default the local `portal_bench`,
dropped and made afresh), redis-server and nginx; says what is missing and stops otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import io
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import portalclient  # noqa: E402 (after the path above)
import servers  # noqa: E402
import services  # noqa: E402
from concurrency import run_threads  # noqa: E402
from PIL import Image  # noqa: E402
from report import say  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from portal import create_app, db  # noqa: E402
from portal.board import boardsessions  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.models import Account, Attachment, Complaint  # noqa: E402
from portal.security import crypto, keys  # noqa: E402
from tests.test_nginx import NAME, NGINX  # noqa: E402
from tests.twoservers import Front, multipart, nginx_in_front  # noqa: E402

WORKERS = 2  # per server
SITE_TOML = 'program_name = "Bench LEAD"\n'
LOAD_SECONDS = 10.0  # GET /file, portal and bare, each, in alternating slices
SLICES = 4


# What nginx shows (the portal's /unavailable page) when a server did not answer in time, and
# the portal's own page when the database did not: calm, "try again". A person reloads, which
# sends the same form again; the portal files it once (its form token).
CALM_PAGES = ("We are having trouble right now", portalclient.CALM_OUTAGE_PAGE)
RESENDS = 5


@dataclass
class Tally:
    calm: Counter = field(default_factory=Counter)  # calm pages, by status, each resent
    codes: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # one filing, GET + POST
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def small_jpeg(number: int) -> bytes:
    """A phone-like photo, small so the load is the web stack's, not the decoder's."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (number % 256, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


class Client:
    """One browser through nginx: HTTPS, a cookie jar."""

    def __init__(self, front: Front) -> None:
        self.front = front
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPSConnection | None = None  # kept alive, as a browser

    def send(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, bytes]:
        headers = {"Host": NAME, "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if self.connection is None:
            self.connection = self.front.connection()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except BaseException:
            self.connection.close()
            self.connection = None
            raise
        if response.will_close:
            self.connection.close()
            self.connection = None
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value:
                self.cookies[name.strip()] = value
        return response.status, data


def file_many(front: Front, clients: int, each: int) -> tuple[Tally, float]:
    tally = Tally()

    def client(number: int) -> None:
        browser = Client(front)
        for filing in range(each):
            words = f"Client {number} filing {filing}: the officer took my phone at the stop."
            started = time.perf_counter()
            try:
                status, page = browser.send("GET", "/file")
                if status != 200:
                    raise ValueError(f"GET /file HTTP {status}")
                html = page.decode()
                fields = {
                    "csrf_token": portalclient.hidden_value(html, "csrf_token"),
                    "form_token": portalclient.hidden_value(html, "form_token"),
                    "narrative": words,
                }
                content_type, body = multipart(fields, small_jpeg(number * each + filing))
                for _try in range(RESENDS):
                    status, page = browser.send("POST", "/file", body, content_type)
                    if status == 200 or not any(c in page.decode() for c in CALM_PAGES):
                        break
                    with tally.lock:
                        tally.calm[status] += 1
                code = portalclient.code_on_page(page.decode())
                if status != 200 or code is None:
                    raise ValueError(f"POST /file HTTP {status}, no code")
            except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as error:
                with tally.lock:
                    tally.errors[str(error) or type(error).__name__] += 1
                continue
            with tally.lock:
                tally.seconds.append(time.perf_counter() - started)
                tally.codes.append(code)

    started = time.perf_counter()
    run_threads(clients, client)
    return tally, time.perf_counter() - started


def reviewer_cookie(env: dict[str, str], recovery: str) -> tuple[str, list[tuple[str, int]]]:
    """A board session holding the board key, made directly; and every stored photo."""
    app = create_app(Config.from_env(env))
    try:
        with app.app_context():
            session = db.session()
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            version, private = keys.recover(session, recovery).popitem()
            reviewer = Account(
                username="bench",
                role="reviewer",
                password_hash="not-used",  # noqa: S106  signed in by a session made directly
                totp_confirmed=True,
                created_at=now,
            )
            session.add(reviewer)
            session.flush()
            cookie = boardsessions.start(
                session, reviewer.id, boardsessions.FULL, now, {version: private}
            )
            session.commit()
            photos = session.execute(
                select(Complaint.locator, Attachment.id).join(
                    Attachment, Attachment.complaint_id == Complaint.id
                )
            ).all()
            return cookie, [(locator, file_id) for locator, file_id in photos]
    finally:
        app.extensions["portal.db"].engine.dispose()


def open_photos(front: Front, cookie: str, photos: list[tuple[str, int]], clients: int) -> Counter:
    """Open every photo as the board would; count what came back."""
    outcome: Counter = Counter()
    lock = threading.Lock()
    queue = list(photos)

    def client(_number: int) -> None:
        browser = Client(front)
        browser.cookies["board"] = cookie
        while True:
            with lock:
                if not queue:
                    return
                locator, file_id = queue.pop()
            try:
                status, data = browser.send("GET", f"/review/cases/{locator}/files/{file_id}")
                result = "opens" if status == 200 and Image.open(io.BytesIO(data)) else status
            except (OSError, http.client.HTTPException, ssl.SSLError) as error:
                result = type(error).__name__
            except Image.UnidentifiedImageError:
                result = "not a picture"
            with lock:
                outcome[f"HTTP {result}" if isinstance(result, int) else result] += 1

    run_threads(clients, client)
    return outcome


def get_rate(front: Front, seconds: float, clients: int) -> tuple[int, int, float]:
    """GET /file back to back from `clients` threads through nginx: ok, failed, seconds."""
    deadline = time.monotonic() + seconds
    counts = [[0, 0] for _ in range(clients)]

    def client(number: int) -> None:
        browser = Client(front)
        while time.monotonic() < deadline:
            try:
                status, _ = browser.send("GET", "/file")
            except (OSError, http.client.HTTPException, ssl.SSLError):
                status = 0
            counts[number][0 if status == 200 else 1] += 1

    started = time.monotonic()
    run_threads(clients, client)
    return sum(c[0] for c in counts), sum(c[1] for c in counts), time.monotonic() - started


@contextlib.contextmanager
def two_behind_nginx(
    app_spec: str, cwd: Path, envs: list[dict[str, str]], folder: Path
) -> Iterator[Front]:
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        ports = [
            stack.enter_context(
                servers.gunicorn(app_spec, cwd, env, folder / f"server-{n}.log", WORKERS)
            )
            for n, env in enumerate(envs)
        ]
        yield stack.enter_context(
            nginx_in_front(folder / "nginx", [f"127.0.0.1:{port}" for port in ports])
        )


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1] if len(values) > 1 else 0.0


def run(clients: int, each: int, workdir: Path) -> bool:
    with services.bench_database() as url, services.private_redis() as redis_url:
        base = services.portal_env(workdir / "a" / "instance", url, "test", storage=redis_url)
        base.update(PORTAL_PROXY_HOPS="1", PORTAL_BASE_URL=f"https://{NAME}")
        envs = [dict(base), dict(base, PORTAL_INSTANCE_PATH=str(workdir / "b" / "instance"))]
        for env in envs:
            Path(env["PORTAL_INSTANCE_PATH"]).mkdir(parents=True)
            (Path(env["PORTAL_INSTANCE_PATH"]) / "site.toml").write_text(SITE_TOML)
        # One db-upgrade, from server a; the board key made once, its recovery key kept here.
        services.migrate(envs[0], ROOT)
        app = create_app(Config.from_env(envs[0]))
        with app.app_context():
            _version, _private, recovery = keys.create_board_key(db.session(), dt.datetime.now())
            db.session().commit()
        app.extensions["portal.db"].engine.dispose()

        say(f"Two servers x {WORKERS} sync workers behind nginx, PostgreSQL + Redis")
        with two_behind_nginx("wsgi:app", ROOT, envs, workdir / "portal") as front:
            tally, seconds = file_many(front, clients, each)
            cookie, photos = reviewer_cookie(envs[0], crypto.printable(recovery))
            opened = open_photos(front, cookie, photos, clients)
            portal_rate = [get_rate(front, LOAD_SECONDS / SLICES, clients)]
            share = Counter(front.served())
            with two_behind_nginx("bare_app:create_app()", BENCH, envs, workdir / "bare") as bare:
                bare_rate = [get_rate(bare, LOAD_SECONDS / SLICES, clients)]
                for _ in range(SLICES - 1):
                    portal_rate.append(get_rate(front, LOAD_SECONDS / SLICES, clients))
                    bare_rate.append(get_rate(bare, LOAD_SECONDS / SLICES, clients))

        app = create_app(Config.from_env(envs[0]))
        with app.app_context():
            session = db.session()
            stored = session.scalar(select(func.count()).select_from(Complaint))
            files = session.scalar(select(func.count()).select_from(Attachment))
        app.extensions["portal.db"].engine.dispose()

    wanted = clients * each
    filed = len(tally.codes)
    errors = sum(tally.errors.values())
    say(f"   {wanted:,} filings sent by {clients} clients x {each}, each with a JPEG photo")
    say(
        f"   filed {filed:,}; stored {stored:,} complaints and {files:,} photos; "
        f"{len(set(tally.codes)):,} distinct codes; {errors} errors"
        + (f" {dict(tally.errors)}" if errors else "")
    )
    calm = sum(tally.calm.values())
    say(
        f"   {calm} calm 'try again' pages (by status {dict(tally.calm)}), each sent again "
        "as a person reloading would; those are in the figures below"
    )
    say(f"   {filed / seconds:.1f} filings/s over {seconds:.1f} s")
    if tally.seconds:
        p50, p95 = percentile(tally.seconds, 0.5), percentile(tally.seconds, 0.95)
        say(f"   one filing (GET + POST): p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    say(f"   photos opened by a board member through nginx: {dict(opened)} of {len(photos):,}")
    say(f"   requests per server (nginx's upstream log): {dict(share)}")
    ok_p, failed_p, secs_p = (sum(r[i] for r in portal_rate) for i in range(3))
    ok_b, failed_b, secs_b = (sum(r[i] for r in bare_rate) for i in range(3))
    rate_p, rate_b = ok_p / secs_p, ok_b / secs_b
    say(
        f"   GET /file through nginx, {clients} clients: portal {rate_p:.1f}/s ({failed_p} failed),"
    )
    say(f"   bare Flask app the same way {rate_b:.1f}/s ({failed_b} failed)")
    say(f"   ratio portal/bare: {rate_p / rate_b:.2f}")
    say(f"   filings/s against bare GET /file/s: {filed / seconds / rate_b:.3f}")
    say("   (a shared 2-CPU machine: absolute figures swing between runs; read the ratios)")
    good = (
        filed == wanted
        and stored == wanted
        and files == wanted
        and len(set(tally.codes)) == wanted
        and errors == 0
        and opened == Counter(opens=wanted)
        and len(share) == 2
    )
    say(f"   every filing stored once, every photo opens, 0 errors: {'yes' if good else 'NO'}")
    if calm and good:
        say("   (the calm pages: servers queued past nginx's 35 s; none lost or filed twice)")
    return good


def missing() -> str | None:
    if NGINX is None:
        return "nginx is not installed (apt-get install nginx)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 clients x 5 filings")
    args = parser.parse_args(argv)
    clients, each = (8, 5) if args.quick else (32, 50)
    reason = missing()
    if reason:
        say(f"Skipped: {reason}.")
        return 0
    with tempfile.TemporaryDirectory(prefix="two-servers-") as folder:
        try:
            good = run(clients, each, Path(folder))
        except services.Unavailable as why:
            say(f"Skipped: {why}.")
            return 0
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
