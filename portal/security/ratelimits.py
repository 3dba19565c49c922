"""Rate limits, keyed without ever keeping a client address.

The key is an HMAC of the address under a key derived from the rate-limit secret and today's
date: it tells one client from another for today only, and without that secret it cannot be
turned back into an address, in storage or in Flask-Limiter's own log lines. Under
deploy/gunicorn.conf.py the secret is made at each start and lives only in the server's
memory (`Config.ratelimit_secret`). An IPv6 client is keyed by its /64: one phone or home is
handed a whole /64, so its single addresses would be endless buckets.

A try is counted when the request arrives, before any argon2 or decoding work, in one atomic
step of the storage: forty requests sent at once cannot all slip under a limit of ten (as
they could while tries were tested first and counted after the work). Tries that turn out
not to count (a good claim code, a typo caught by the check character, a form sent back for
a missing box) are given back afterwards; see `counted_only_when`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import limits
from flask import g, request
from flask_limiter import Limiter
from limits.storage import MemoryStorage, RedisStorage

from portal import clock
from portal.config import current_config

# Created unattached; `init_app` in the factory gives it its storage.
limiter = Limiter(key_func=lambda: client_key(), strategy="moving-window")

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _daily_key(secret: str, day: dt.date) -> bytes:
    return hmac.new(
        secret.encode(), b"ratelimit:" + day.isoformat().encode(), hashlib.sha256
    ).digest()


def client_network(address: str | None) -> str:
    """What one client is, for counting: an IPv4 address as it is, an IPv6 address by its
    /64 network (an IPv4 address written as IPv6 is the IPv4 address)."""
    try:
        parsed = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        # An unknown address still gets a real, non-empty key: Flask-Limiter skips empty keys.
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(parsed) >> 64 << 64, 64)))
    return str(parsed)


def client_key_for(address: str | None, secret: str, day: dt.date) -> str:
    material = client_network(address).encode()
    return hmac.new(_daily_key(secret, day), material, hashlib.sha256).hexdigest()[:32]


def client_key() -> str:
    secret = current_config().ratelimit_secret
    return client_key_for(request.remote_addr, secret, clock.now().date())


def named_key(kind: str, identity: int | str) -> str:
    """A key for something other than an address (an advocate's account, a case), keyed the
    same way, so the storage holds no account or case number."""
    secret = current_config().ratelimit_secret
    material = f"{kind}:{identity}".encode()
    digest = hmac.new(_daily_key(secret, clock.now().date()), material, hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:32]}"


# --- counted before, given back after ---------------------------------------------------------


def counted_only_when(counts: Callable[[], bool]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wrap a view that sits under `@limiter.limit(...)` (without `deduct_when`): the limit
    counts the try atomically as the request arrives, and when the view has answered and
    `counts()` is false the try is given back. A view that fails keeps the try counted."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            answer = view(*args, **kwargs)
            if not counts():
                give_back()
            return answer

        return inner

    return decorate


def give_back() -> None:
    """Take back the tries this request counted (once, however often it is called)."""
    if g.get("ratelimit_given_back"):
        return
    g.ratelimit_given_back = True
    storage = limiter.limiter.storage
    for limit in limiter.current_limits:
        if not limit.breached:
            try:
                _take_back(storage, limit.key)
            except Exception as error:  # at worst the try stays counted
                log.warning("a rate-limit try could not be given back: %s", type(error).__name__)


def _take_back(storage: object, key: str) -> None:
    """Remove the newest entry of a moving window. The entries are bare times, so which one
    goes only moves one expiry by the length of a request. `limits` has no call for this, so
    it is done for the two storages the portal uses; with any other the try stays counted."""
    if isinstance(storage, MemoryStorage):
        with storage.locks[key]:
            entries = storage.events.get(key)
            if entries:
                del entries[0]
    elif isinstance(storage, RedisStorage):
        storage.get_connection().lpop(storage.prefixed_key(key))


def first_in_window(limit: str, kind: str, identity: int | str) -> bool:
    """True for the first event of its kind in `limit`'s window ("1 per 30 minutes"), shared
    by every worker; used to fold many events into one notice. True if the storage fails."""
    try:
        return limiter.limiter.hit(limits.parse(limit), "once", named_key(kind, identity))
    except Exception as error:  # better a notice too many than none
        log.warning("rate-limit storage unavailable: %s", type(error).__name__)
        return True


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
    config = current_config()
    return getattr(config, f"{name}_fallback" if storage_is_down() else name)


def from_config(name: str) -> Callable[[], str]:
    """A limit provider for `@limiter.limit`, read at each request (see `configured`)."""
    return lambda: configured(name)
