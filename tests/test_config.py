"""Starting up: secrets, environments and the site file."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest

from portal import create_app
from portal.config import Config, ConfigError
from portal.site import SiteConfigError, load_site

STRONG = "s" * 40


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY, PORTAL_CLAIM_PEPPER"):
        Config.from_env({"PORTAL_ENV": "production", "PORTAL_INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_short_secrets(tmp_path: Path) -> None:
    environ = {
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_SECRET_KEY": "change-me",
        "PORTAL_CLAIM_PEPPER": STRONG,
    }
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        Config.from_env(environ)


def test_production_refuses_cheap_argon2(tmp_path: Path) -> None:
    environ = {
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_SECRET_KEY": STRONG,
        "PORTAL_CLAIM_PEPPER": STRONG,
        "PORTAL_ARGON2_PROFILE": "test",
        "PORTAL_BASE_URL": "https://portal.example.org",
    }
    with pytest.raises(ConfigError, match="tests only"):
        Config.from_env(environ)


@pytest.mark.parametrize("address", [None, "", "http://portal.example.org"])
def test_production_refuses_to_start_without_its_https_address(
    tmp_path: Path, address: str | None
) -> None:
    environ = {
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_SECRET_KEY": STRONG,
        "PORTAL_CLAIM_PEPPER": STRONG + "p",
    }
    if address is not None:
        environ["PORTAL_BASE_URL"] = address
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        Config.from_env(environ)


def test_production_with_secrets_starts_and_makes_no_secrets_file(tmp_path: Path) -> None:
    environ = {
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_SECRET_KEY": STRONG,
        "PORTAL_CLAIM_PEPPER": STRONG + "p",
        "PORTAL_BASE_URL": "https://portal.example.org",
    }
    config = Config.from_env(environ)
    assert config.secret_key == STRONG
    assert config.claim_pepper == (STRONG + "p").encode()
    assert list(tmp_path.iterdir()) == []
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_development_makes_random_secrets_once_and_keeps_them(tmp_path: Path) -> None:
    first = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)})
    second = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert first.claim_pepper == second.claim_pepper
    assert first.secret_key != first.claim_pepper.decode()
    secrets_file = tmp_path / "dev-secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    other = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path / "other")})
    assert other.secret_key != first.secret_key


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    config = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert config.ratelimit_storage == "memory://"


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError):
        Config.from_env({"PORTAL_ENV": "staging"})


def test_the_site_file_overrides_defaults(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text(
        'program_name = "Seattle LEAD"\n'
        'agencies = ["Seattle Police Department"]\n'
        "[[help_resources]]\n"
        'name = "Crisis line"\n'
        'phone = "206-461-3222"\n'
    )
    site = load_site(tmp_path)
    assert site.program_name == "Seattle LEAD"
    assert site.agencies == ("Seattle Police Department",)
    assert site.help_resources[0].phone == "206-461-3222"


@pytest.mark.parametrize(
    "content",
    ['program = "typo in the key"\n', 'quick_exit_url = "http://plain.example"\n', "not toml ["],
)
def test_a_bad_site_file_says_what_is_wrong(tmp_path: Path, content: str) -> None:
    (tmp_path / "site.toml").write_text(content)
    with pytest.raises(SiteConfigError):
        load_site(tmp_path)


def test_no_site_file_gives_usable_defaults(tmp_path: Path) -> None:
    site = load_site(tmp_path)
    assert site.agencies
    assert site.help_resources
    assert site.quick_exit_url.startswith("https://")


def test_the_instance_folder_is_private_to_its_owner(tmp_path: Path) -> None:
    instance = tmp_path / "fresh-instance"
    Config.from_env({"PORTAL_INSTANCE_PATH": str(instance)})
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


def test_keys_from_the_secret_key_are_the_ones_made_before_derive_existed(tmp_path: Path) -> None:
    """An upgrade must not change the audit key made from the secret key (the log written so
    far would stop verifying), nor the keys of other purposes be the same as it."""
    environ = {"PORTAL_ENV": "test", "PORTAL_SECRET_KEY": STRONG, "PORTAL_CLAIM_PEPPER": STRONG}
    config = Config.from_env(environ, instance_path=tmp_path)
    before = hmac.new(STRONG.encode(), b"audit chain", hashlib.sha256).digest()
    assert config.audit_key == before == config.derive("audit chain")
    limits = hmac.new(STRONG.encode(), b"rate-limit counters", hashlib.sha256).hexdigest()
    assert config.ratelimit_secret == limits
    assert len({config.derive(p) for p in ("audit chain", "recovery-codes", "x")}) == 3
