"""Configuration: one frozen dataclass, read from `PORTAL_*` environment variables once.

Outside development the portal refuses to start without real secrets. In development it
makes random ones on first run and keeps them in the instance folder, so `make run` works
on a fresh machine without anyone choosing a key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import limits
from flask import current_app

ENVIRONMENTS = ("development", "production", "test")

# Argon2id cost profiles. "default" is argon2-cffi's RFC 9106 low-memory profile; "test" is
# deliberately cheap and is refused in production.
ARGON2_PROFILES: dict[str, tuple[int, int, int]] = {
    # name: (time_cost, memory_cost in KiB, parallelism)
    "default": (3, 65536, 4),
    "test": (1, 8, 1),
}

DEV_SECRETS_FILE = "dev-secrets.json"
# Where create_app keeps the configuration; read only through `current_config`.
EXTENSION_KEY = "portal.config"


class ConfigError(RuntimeError):
    """The environment does not describe a portal that is safe to start."""


@dataclass(frozen=True)
class Config:
    env: str
    instance_path: Path
    secret_key: str
    claim_pepper: bytes
    database_url: str
    ratelimit_storage: str = "memory://"
    argon2_profile: str = "default"
    # Reverse proxies in front of the portal (nginx: 1), so the rate limits can tell one
    # client from another. Only portal/security/ratelimits.py uses the address, and never keeps it.
    proxy_hops: int = 0
    case_idle_minutes: int = 15
    # Whole request bodies above this are refused with a 413 page.
    max_body_bytes: int = 26 * 1024 * 1024  # three 8 MB files and the text
    # Where people reach the portal (PORTAL_BASE_URL). Every link that leaves a page (invites,
    # the open data's dictionary, the printed slip) is built from it, never from the Host
    # header; in production requests for any other host are refused (portal/siteurl.py).
    base_url: str = "http://127.0.0.1:5000"
    # Wrong claim codes per client; a good code and a typo never count. There is no limit on
    # everyone together: with 75-bit secrets it protects nothing and would be an off switch.
    check_limit_per_client: str = "10 per 15 minutes"
    # Filings stored, and posts that carry files, per client: enough for a drop-in centre
    # where many people file on one connection. A signed-in advocate's filings count against
    # the advocate's account instead.
    file_limit_per_client: str = "30 per hour"
    file_limit_per_advocate: str = "30 per hour"
    # Replies a person may send on one case, and at most one board notice per case for them.
    reply_limit_per_case: str = "20 per hour"
    reply_notices_per_case: str = "1 per 30 minutes"
    # SMTP login for board notices, if the mail server wants one (kept out of the database).
    smtp_username: str = ""
    smtp_password: str = ""
    # Board sign-in: failures allowed per client and per account before a pause.
    signin_limit: str = "5 per 15 minutes"
    # While the shared rate-limit storage (Redis) is unreachable each worker counts alone, so
    # claim-code checks and sign-in fall back to these stricter limits, per process.
    check_limit_per_client_fallback: str = "3 per 15 minutes"
    signin_limit_fallback: str = "2 per 15 minutes"
    # Server processes sharing this configuration (gunicorn workers); see `from_env`.
    workers: int = 1
    # Keys the rate-limit counters (portal.security.ratelimits). deploy/gunicorn.conf.py makes a
    # random
    # one at each start, kept only in memory, so the counters in Redis cannot be matched to an
    # address by anyone holding the config files. Unset, it is derived from secret_key, which
    # every worker shares however it was started.
    ratelimit_secret: str = field(default="", repr=False)
    # Keys the audit log's chain (portal.security.audit). Never stored in the database, so whoever
    # holds
    # only the database cannot rewrite the chain. PORTAL_AUDIT_KEY, else derived from
    # secret_key: set PORTAL_AUDIT_KEY before ever changing the secret key, or the log written
    # so far stops verifying.
    audit_key: bytes = field(default=b"", repr=False)
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def argon2_parameters(self) -> tuple[int, int, int]:
        return ARGON2_PROFILES[self.argon2_profile]

    def derive(self, purpose: str) -> bytes:
        """A key for one purpose made from the secret key. Every key the portal makes from
        PORTAL_SECRET_KEY comes from here, so changing the secret key changes exactly these
        (docs/deploy.md says what that ends)."""
        return derive(self.secret_key, purpose)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Config:
        """Build the configuration from `environ` (default: `os.environ`).

        `overrides` replace any value afterwards; tests use them instead of patching.
        """
        environ = os.environ if environ is None else environ
        env = environ.get("PORTAL_ENV", "development")
        if env not in ENVIRONMENTS:
            raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}")
        instance_path = instance_path_from(environ, overrides.pop("instance_path", None))

        secret_key = environ.get("PORTAL_SECRET_KEY", "")
        pepper = environ.get("PORTAL_CLAIM_PEPPER", "")
        if env == "production":
            missing = [
                name
                for name, value in (
                    ("PORTAL_SECRET_KEY", secret_key),
                    ("PORTAL_CLAIM_PEPPER", pepper),
                )
                if len(value) < 32
            ]
            if missing:
                raise ConfigError(
                    "In production these must be set to random values of at least 32 "
                    f"characters: {', '.join(missing)}. Make one with: "
                    'python -c "import secrets; print(secrets.token_urlsafe(48))"'
                )
        elif not (secret_key and pepper) and "secret_key" not in overrides:
            dev = _development_secrets(instance_path)
            secret_key = secret_key or dev["secret_key"]
            pepper = pepper or dev["claim_pepper"]

        profile = environ.get("PORTAL_ARGON2_PROFILE", "default")
        if profile not in ARGON2_PROFILES:
            raise ConfigError(f"PORTAL_ARGON2_PROFILE must be one of {', '.join(ARGON2_PROFILES)}")
        if env == "production" and profile != "default":
            raise ConfigError("Cheap argon2 settings are for tests only.")
        if env == "production" and not environ.get("PORTAL_BASE_URL", "").startswith("https://"):
            # Production answers only for this address (portal/siteurl.py): without it every
            # request would be refused as "not the address of this site".
            raise ConfigError(
                "In production PORTAL_BASE_URL must be set to the site's https:// address, "
                "for example https://portal.example.org"
            )

        values: dict[str, object] = {
            "env": env,
            "instance_path": instance_path,
            "secret_key": secret_key,
            "claim_pepper": pepper.encode(),
            "database_url": environ.get("PORTAL_DATABASE_URL")
            or default_database_url(instance_path),
            "ratelimit_storage": environ.get("PORTAL_RATELIMIT_STORAGE", "memory://"),
            "argon2_profile": profile,
            "proxy_hops": int(environ.get("PORTAL_PROXY_HOPS", "0")),
            "ratelimit_secret": _ratelimit_secret(environ, env, secret_key),
            "audit_key": audit_key(environ, env, secret_key),
            "smtp_username": environ.get("PORTAL_SMTP_USERNAME", ""),
            "smtp_password": environ.get("PORTAL_SMTP_PASSWORD", ""),
            "base_url": environ.get(
                "PORTAL_BASE_URL",
                f"http://{environ.get('HOST', '127.0.0.1')}:{environ.get('PORT', '5000')}",
            ).rstrip("/"),
        }
        values.update(_operator_limits(environ))
        values.update(overrides)
        if "secret_key" in overrides and "audit_key" not in overrides:
            values["audit_key"] = audit_key(environ, env, str(values["secret_key"]))
        if isinstance(values["claim_pepper"], str):
            values["claim_pepper"] = values["claim_pepper"].encode()
        config = cls(**values)  # type: ignore[arg-type]
        _refuse_per_worker_counting(config)
        return config


def instance_path_from(environ: Mapping[str, str], given: object = None) -> Path:
    """The instance folder (database, site.toml, development secrets), which must be named.

    Never the working directory by default: a command run from the wrong folder would
    otherwise leave a database and secrets wherever it happened to start."""
    value = str(given or environ.get("PORTAL_INSTANCE_PATH", "")).strip()
    if not value:
        raise ConfigError(
            "PORTAL_INSTANCE_PATH is not set. Set it to the folder for the database, "
            "site.toml and development secrets, for example PORTAL_INSTANCE_PATH=./instance "
            "(make run sets that for you)."
        )
    return Path(value).resolve()


def default_database_url(instance_path: Path) -> str:
    """Without PORTAL_DATABASE_URL: SQLite in the instance folder."""
    return f"sqlite:///{instance_path / 'portal.sqlite3'}"


# Operator settings for the rate limits, e.g. PORTAL_FILE_LIMIT="10 per hour". Raising them is
# for load tests on 127.0.0.1, where every client shares one address; see docs/deploy.md.
LIMIT_VARIABLES = {
    "PORTAL_FILE_LIMIT": "file_limit_per_client",
    "PORTAL_CHECK_LIMIT": "check_limit_per_client",
    "PORTAL_ADVOCATE_FILE_LIMIT": "file_limit_per_advocate",
    "PORTAL_REPLY_LIMIT": "reply_limit_per_case",
    "PORTAL_SIGNIN_LIMIT": "signin_limit",
}


def _operator_limits(environ: Mapping[str, str]) -> dict[str, object]:
    """Limits set in the environment, each parsed now so a typo stops the start rather than
    a request; and the worker count (PORTAL_WORKERS, else WEB_CONCURRENCY, which gunicorn
    itself reads)."""
    found: dict[str, object] = {}
    for variable, name in LIMIT_VARIABLES.items():
        value = environ.get(variable)
        if value is None:
            continue
        try:
            limits.parse_many(value)
        except ValueError:
            raise ConfigError(f'{variable} must look like "10 per hour", not {value!r}') from None
        found[name] = value
    workers = environ.get("PORTAL_WORKERS") or environ.get("WEB_CONCURRENCY") or "1"
    try:
        found["workers"] = int(workers)
    except ValueError:
        raise ConfigError("PORTAL_WORKERS and WEB_CONCURRENCY must be whole numbers") from None
    return found


def _refuse_per_worker_counting(config: Config) -> None:
    """With memory storage every worker keeps its own counts, so N workers would let a guesser
    try N times as many claim codes. Production with several workers needs shared storage."""
    if (
        config.is_production
        and config.workers > 1
        and config.ratelimit_storage.startswith("memory")
    ):
        raise ConfigError(
            f"{config.workers} workers with PORTAL_RATELIMIT_STORAGE={config.ratelimit_storage} "
            "would each count tries alone. Set PORTAL_RATELIMIT_STORAGE to a redis:// address "
            "all workers share, or run one worker."
        )


def _ratelimit_secret(environ: Mapping[str, str], env: str, secret_key: str) -> str:
    given = environ.get("PORTAL_RATELIMIT_SECRET", "")
    if env == "production" and given and len(given) < 32:
        raise ConfigError("PORTAL_RATELIMIT_SECRET must be at least 32 random characters.")
    if given:
        return given
    return derive(secret_key, "rate-limit counters").hex()


def audit_key(environ: Mapping[str, str], env: str, secret_key: str) -> bytes:
    """The audit chain's key: PORTAL_AUDIT_KEY, else derived from the secret key."""
    given = environ.get("PORTAL_AUDIT_KEY", "")
    if env == "production" and given and len(given) < 32:
        raise ConfigError("PORTAL_AUDIT_KEY must be at least 32 random characters.")
    if given:
        return given.encode()
    return derive(secret_key, "audit chain")


def derive(secret_key: str, purpose: str) -> bytes:
    """HMAC-SHA256 of the purpose under the secret key (Config.derive; used directly only while
    the Config is being built)."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).digest()


def ensure_instance_folder(instance_path: Path) -> None:
    """Make the instance folder readable by its owner only: it holds the database."""
    if not instance_path.exists():
        instance_path.mkdir(parents=True, mode=0o700)
        instance_path.chmod(0o700)


def _development_secrets(instance_path: Path) -> dict[str, str]:
    """Read, or on first run create, random development secrets in the instance folder."""
    path = instance_path / DEV_SECRETS_FILE
    if path.exists():
        return json.loads(path.read_text())
    ensure_instance_folder(instance_path)
    made = {
        "secret_key": secrets.token_urlsafe(48),
        "claim_pepper": secrets.token_urlsafe(48),
    }
    # Create the file readable by the owner only; never overwrite one another process made.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return json.loads(path.read_text())
    with os.fdopen(fd, "w") as handle:
        json.dump(made, handle)
    return made


def current_config() -> Config:
    """The running app's configuration: the one way code outside the factory reads it."""
    return current_app.extensions[EXTENSION_KEY]
