"""The databases and rate-limit storage the reliability benchmarks run against, each private
to the run and removed afterwards.

- `portal_env`: the environment for `gunicorn wsgi:app` and `flask --app wsgi`, with fresh
  random secrets and raised per-client limits (all clients here share one address).
- `bench_database`: a database of its own (`portal_bench`) on the local PostgreSQL server,
  dropped and made again for each use; never the test suite's `test`.
- `private_postgres`: a whole throwaway PostgreSQL cluster on a free port in a temporary
  folder, which the outage benchmark is free to stop and start.
- `private_redis`: a throwaway redis-server on a free port that keeps nothing on disk.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import servers
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
# What a server needs to run the portal; `snapshot` copies it.
CODE = ("portal", "review", "templates", "static", "migrations", "wsgi.py")
BENCH_PG_URL = os.environ.get(
    "PORTAL_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"
)
# All load clients come from 127.0.0.1, so one client key: raise the per-client limits (an
# operator setting, see docs/deploy.md), never switch limiting off.
LOAD_LIMITS = {
    "PORTAL_FILE_LIMIT": "1000000 per hour",
    "PORTAL_CHECK_LIMIT": "1000000 per hour",
}
WAIT_SECONDS = 30


class Unavailable(RuntimeError):
    """A server this section needs is not installed or not running here."""


def portal_env(
    instance: Path, database_url: str, argon2_profile: str, storage: str = "memory://"
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(
        LOAD_LIMITS,
        PORTAL_ENV="development",
        PORTAL_INSTANCE_PATH=str(instance),
        PORTAL_SECRET_KEY=secrets.token_urlsafe(48),
        PORTAL_CLAIM_PEPPER=secrets.token_urlsafe(48),
        PORTAL_DATABASE_URL=database_url,
        PORTAL_RATELIMIT_STORAGE=storage,
        # As deploy/gunicorn.conf.py does: one rate-limit secret that every worker shares.
        PORTAL_RATELIMIT_SECRET=secrets.token_hex(32),
        PORTAL_ARGON2_PROFILE=argon2_profile,
        # gunicorn runs without a control socket (servers.py); no home folder is touched.
        HOME=str(instance.parent),
    )
    return env


def snapshot(workdir: Path) -> Path:
    """A copy of the code as it is when the run starts, made once per `workdir`.

    gunicorn starts a new worker after each kill, and each imports the app afresh; from a
    copy, edits made to the working tree while a run goes on never mix into it. (The copy
    comes first on sys.path, ahead of the editable install.)
    """
    code = workdir / "code"
    if not code.exists():
        staging = workdir / "code.partial"
        for name in CODE:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(
                    source, staging / name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                staging.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, staging / name)
        staging.rename(code)
    return code


def migrate(env: dict[str, str], code: Path) -> None:
    """Bring the fresh database to the current schema and open it for complaints."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db-upgrade"],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask --app wsgi db-upgrade failed:\n{done.stderr[-2000:]}")
    # A site takes complaints once the board's key exists (normally made when the first
    # admin enrolls); a throwaway one makes it now and forgets the printed recovery key.
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-board-key"],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 and "No such command" not in done.stderr:
        raise RuntimeError(f"flask --app wsgi init-board-key failed:\n{done.stderr[-2000:]}")


def _maintenance(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@contextlib.contextmanager
def bench_database(url: str = BENCH_PG_URL) -> Iterator[str]:
    """A fresh, empty database at `url` on a running server; dropped again afterwards."""
    name = make_url(url).database
    if name in (None, "", "test", "postgres", "template0", "template1"):
        raise ValueError(f"refusing to drop the database {name!r}")
    admin = create_engine(_maintenance(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        raise Unavailable(f"no PostgreSQL to use at {_maintenance(url)}: {error}") from None
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wait(ready, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {WAIT_SECONDS} s")


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise Unavailable("redis-server is not installed")
    port = servers.free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        _wait(answers, "redis-server")
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait(timeout=10)


class PrivatePostgres:
    """A throwaway cluster: `initdb` into a temporary folder, `pg_ctl` to start and stop it.

    PostgreSQL refuses to run as root, so as root its tools run as the `postgres` user.
    """

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise Unavailable("no PostgreSQL server binaries under /usr/lib/postgresql/")
        self.bin = Path(found[-1]).parent
        self.port = servers.free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.data = self.folder / "data"
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/portal"

    def _run(self, *command: str, timeout: float = 120) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        done = subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=timeout, cwd="/"
        )
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr[-1500:]}")

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync",
        )  # fmt: skip
        self.start()
        admin = create_engine(_maintenance(self.url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "portal"'))
        admin.dispose()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "server.log"), "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is the hard way: no checkpoint, open connections cut, as in a crash."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("fast")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.remove()


@contextlib.contextmanager
def serve_portal(
    database: str, workdir: Path, argon2_profile: str, workers: int
) -> Iterator[tuple[servers.Server, str, dict[str, str]]]:
    """The portal under gunicorn on a fresh, migrated database: "sqlite" (a file in
    `workdir`, memory rate-limit storage) or "postgresql" (`bench_database` plus a private
    Redis, as in production). Yields the server, the database URL and the environment."""
    instance = workdir / f"{database}-{secrets.token_hex(4)}" / "instance"
    instance.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        if database == "sqlite":
            url, storage = f"sqlite:///{instance / 'portal.sqlite3'}", "memory://"
        else:
            url = stack.enter_context(bench_database())
            storage = stack.enter_context(private_redis())
        env = portal_env(instance, url, argon2_profile, storage)
        code = snapshot(workdir)
        migrate(env, code)
        log = instance.parent / "gunicorn.log"
        server = stack.enter_context(servers.gunicorn_server("wsgi:app", code, env, log, workers))
        yield server, url, env


def label(database: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL + Redis"}[database]
