"""Rate limits, keyed without ever keeping a client address.

The key is an HMAC of the address under a key derived from the rate-limit secret and today's
date: it tells one client from another for today only, and without that secret it cannot be
turned back into an address, in storage or in Flask-Limiter's own log lines. Under
deploy/gunicorn.conf.py the secret is made at each start and lives only in the server's
memory (`Config.ratelimit_secret`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable

from flask import current_app, request
from flask_limiter import Limiter

from portal import clock

# Created unattached; `init_app` in the factory gives it its storage.
limiter = Limiter(key_func=lambda: client_key(), strategy="moving-window")

GLOBAL_KEY = "everyone"


def _daily_key(secret: str, day: dt.date) -> bytes:
    return hmac.new(
        secret.encode(), b"ratelimit:" + day.isoformat().encode(), hashlib.sha256
    ).digest()


def client_key_for(address: str | None, secret: str, day: dt.date) -> str:
    # An unknown address still gets a real, non-empty key: Flask-Limiter skips empty keys.
    material = (address or "unknown").encode()
    return hmac.new(_daily_key(secret, day), material, hashlib.sha256).hexdigest()[:32]


def client_key() -> str:
    secret = current_app.extensions["portal.config"].ratelimit_secret
    return client_key_for(request.remote_addr, secret, clock.now().date())


def global_key() -> str:
    return GLOBAL_KEY


# --- when the shared storage (Redis) is unreachable -------------------------------------------
#
# Flask-Limiter's in-memory fallback (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) then counts in this
# process alone and tries the storage again after growing pauses (up to about half a minute).
# With N workers that would let a guesser try N times as often, so the limits that guard
# secrets (claim-code checks, board sign-in) switch to stricter values from the config until
# the storage answers again. Neither failing open nor a 500.

# A hung Redis must not hang every request behind it: give up quickly and count locally.
STORAGE_TIMEOUT_SECONDS = 0.5


def storage_options(storage_uri: str) -> dict[str, float]:
    if storage_uri.startswith("redis"):
        return {
            "socket_timeout": STORAGE_TIMEOUT_SECONDS,
            "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS,
        }
    return {}


def storage_is_down() -> bool:
    """True while Flask-Limiter counts in this process's memory instead of the shared storage."""
    return limiter.limiter.storage is not limiter.storage


def configured(name: str) -> str:
    """The config's limit `name`, or its stricter `name_fallback` while the shared storage is
    down."""
    config = current_app.extensions["portal.config"]
    return getattr(config, f"{name}_fallback" if storage_is_down() else name)


def from_config(name: str) -> Callable[[], str]:
    """A limit provider for `@limiter.limit`, read at each request (see `configured`)."""
    return lambda: configured(name)
