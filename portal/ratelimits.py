"""Rate limits, keyed without ever keeping a client address.

The key is an HMAC of the address under a key derived from the app secret and today's date:
it tells one client from another for today only, and it can never be turned back into an
address, in storage or in Flask-Limiter's own log lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

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
    return client_key_for(request.remote_addr, current_app.config["SECRET_KEY"], clock.now().date())


def global_key() -> str:
    return GLOBAL_KEY
