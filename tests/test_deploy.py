"""Deployment settings: several gunicorn workers need shared rate-limit storage in
production, operator limits are read and checked, and the sample nginx site and systemd unit
keep the privacy promises (no client addresses logged, no control socket in a home folder).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest

from portal import create_app
from portal.config import Config, ConfigError
from portal.security import ratelimits
from portal.site import Site
from tests.conftest import FakeClock, Participant, give_board_key

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
STRONG = "s" * 40


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_SECRET_KEY": STRONG,
        "PORTAL_CLAIM_PEPPER": STRONG + "p",
        "PORTAL_BASE_URL": "https://portal.example.org",
        **extra,
    }


@pytest.mark.parametrize("variable", ["PORTAL_WORKERS", "WEB_CONCURRENCY"])
def test_production_refuses_several_workers_that_would_each_count_alone(
    tmp_path: Path, variable: str
) -> None:
    with pytest.raises(ConfigError, match="redis://"):
        Config.from_env(production(tmp_path, **{variable: "4"}))


def test_production_with_redis_may_run_several_workers(tmp_path: Path) -> None:
    environ = production(
        tmp_path, PORTAL_WORKERS="4", PORTAL_RATELIMIT_STORAGE="redis://127.0.0.1:6379/0"
    )
    assert Config.from_env(environ).workers == 4


def test_the_gunicorn_master_makes_one_rate_limit_secret_for_its_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: dict = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)  # noqa: S102
    # The hook sets both: set here first, so that monkeypatch puts them back afterwards.
    monkeypatch.setenv("PORTAL_RATELIMIT_SECRET", "")
    monkeypatch.setenv("PORTAL_WORKERS", "1")
    for name, value in production(
        tmp_path, PORTAL_RATELIMIT_STORAGE="redis://127.0.0.1:6379/0"
    ).items():
        monkeypatch.setenv(name, value)
    master = type("Server", (), {"cfg": type("Cfg", (), {"workers": 3})()})()
    settings["on_starting"](master)
    made = os.environ["PORTAL_RATELIMIT_SECRET"]
    assert len(made) == 64
    assert Config.from_env().ratelimit_secret == made  # what every forked worker reads
    settings["on_starting"](master)
    assert os.environ["PORTAL_RATELIMIT_SECRET"] == made  # one per start, kept


def test_the_rate_limit_key_is_not_the_secret_keys_when_gunicorn_makes_one(
    tmp_path: Path, database_url: str, site: Site, clock: FakeClock
) -> None:
    def key_seen(**extra: str) -> str:
        environ = {**production(tmp_path), **extra}
        config = Config.from_env(environ, database_url=database_url)
        app = create_app(config, site=site, now=clock)
        with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
            key = ratelimits.client_key()
        app.extensions["portal.db"].engine.dispose()
        return key

    # Unset (gunicorn started without deploy/gunicorn.conf.py): every worker derives the same.
    assert key_seen() == key_seen()
    made = {key_seen(PORTAL_RATELIMIT_SECRET=secrets.token_hex(32)) for _ in range(2)}
    assert len(made) == 2  # a fresh secret each start: yesterday's config matches nothing
    assert key_seen() not in made
    assert "203.0.113.9" not in "".join(made)


def test_a_short_rate_limit_secret_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_RATELIMIT_SECRET"):
        Config.from_env(production(tmp_path, PORTAL_RATELIMIT_SECRET="x"))


def test_one_worker_may_count_in_memory(tmp_path: Path) -> None:
    assert Config.from_env(production(tmp_path, PORTAL_WORKERS="1")).workers == 1


def test_development_may_run_several_workers_in_memory(tmp_path: Path) -> None:
    environ = {"PORTAL_INSTANCE_PATH": str(tmp_path), "WEB_CONCURRENCY": "3"}
    assert Config.from_env(environ).workers == 3


@pytest.mark.parametrize("limit", ["lots", "10 per fortnight", ""])
def test_a_mistyped_operator_limit_stops_the_start(tmp_path: Path, limit: str) -> None:
    with pytest.raises(ConfigError, match="PORTAL_FILE_LIMIT"):
        Config.from_env(production(tmp_path, PORTAL_FILE_LIMIT=limit))


def test_an_operator_can_raise_the_filing_limit(
    tmp_path: Path, database_url: str, site: Site, clock: FakeClock
) -> None:
    environ = {
        "PORTAL_ENV": "test",
        "PORTAL_ARGON2_PROFILE": "test",
        "PORTAL_FILE_LIMIT": "12 per hour",
    }
    config = Config.from_env(
        environ,
        instance_path=tmp_path / "instance",
        secret_key="k" * 40,
        claim_pepper="p" * 40,
        database_url=database_url,
    )
    app = create_app(config, site=site, now=clock)
    give_board_key(app, clock.moment)
    try:
        answer = Participant(app.test_client()).file()
        assert answer.status_code == HTTPStatus.OK
        assert answer.headers["X-RateLimit-Limit"] == "12"
    finally:
        app.extensions["portal.db"].engine.dispose()


def test_gunicorn_with_the_sample_config_refuses_per_worker_counting(tmp_path: Path) -> None:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    environ.update(production(tmp_path / "instance"), HOME=str(tmp_path))
    done = subprocess.run(  # noqa: S603 (this interpreter's gunicorn, fixed arguments)
        [
            sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py"),
            "--workers", "2", "--bind", "127.0.0.1:0", "wsgi:app",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "would each count tries alone" in done.stderr
    assert not (tmp_path / ".gunicorn").exists()  # no control socket in the home folder


def test_the_sample_gunicorn_config_turns_the_control_socket_off() -> None:
    settings: dict[str, object] = {}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), settings)  # noqa: S102
    assert settings["control_socket_disable"] is True
    assert settings["accesslog"] is None


def _nginx_directives(name: str) -> list[str]:
    text = (DEPLOY / "nginx-lead-portal.conf").read_text()
    return [
        line.split("#", 1)[0].strip()
        for line in text.splitlines()
        if line.split("#", 1)[0].strip().startswith(name)
    ]


def test_the_sample_nginx_site_logs_no_client_addresses() -> None:
    text = "\n".join(
        line.split("#", 1)[0]
        for line in (DEPLOY / "nginx-lead-portal.conf").read_text().splitlines()
    )
    access_logs = _nginx_directives("access_log")
    assert access_logs
    assert all(line == "access_log off;" for line in access_logs)
    for variable in ("$remote_addr", "$http_user_agent", "$http_referer"):
        assert not re.search(rf"log_format[^;]*{re.escape(variable)}", text)
    # The address goes only to the portal, for its keyed rate-limit hash.
    assert _nginx_directives("proxy_set_header X-Forwarded-For") == [
        "proxy_set_header X-Forwarded-For $remote_addr;"
    ]


def test_the_systemd_unit_starts_gunicorn_with_the_sample_config() -> None:
    unit = (DEPLOY / "lead-portal.service").read_text()
    assert "--config deploy/gunicorn.conf.py wsgi:app" in unit
    assert "EnvironmentFile=" in unit
