"""The LEAD complaint and accountability portal.

`create_app` builds everything; importing a module has no side effects.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from flask import Flask, abort, request, session
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import clock, db, errors, headers, ids, languages, logs, sitesettings, siteurl
from portal.board import accounts, totp
from portal.board.passwords import PasswordHashing
from portal.casework import notify
from portal.choices import DEFAULT_LANGUAGE, LinkState, ReferralState
from portal.cli import commands as cli
from portal.config import EXTENSION_KEY as CONFIG_KEY
from portal.config import Config
from portal.extensions import babel, csrf
from portal.figures import public
from portal.participant import (
    casepage,
    checkpage,  # noqa: F401 (adds the "check my complaint" page to the participant blueprint)
    handoffpage,  # noqa: F401 (adds the answer to a hand-off to the case page)
    leaving,  # noqa: F401 (adds Leave, the quick exit, Finish and idle to it)
    newspage,  # noqa: F401 (adds "tell me when there is news" to the receipt and case page)
    receiptpage,  # noqa: F401 (adds the receipt's buttons to the participant blueprint)
    reconsiderpage,  # noqa: F401 (adds asking again and mediation to the case page)
    tappable,
)
from portal.security import attachments, claimcodes, sealing
from portal.security.ratelimits import limiter, storage_options
from portal.site import Site, load_site

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE_SESSION_KEY = languages.SESSION_KEY


def create_app(
    config: Config | None = None, site: Site | None = None, now: clock.Clock | None = None
) -> Flask:
    config = config or Config.from_env()
    app = Flask(
        __name__,
        instance_path=str(config.instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    site = site or load_site(config.instance_path)
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=config.is_production,
        SESSION_COOKIE_NAME="__Host-session" if config.is_production else "session",
        # We send no Referer (Referrer-Policy: no-referrer), so Flask-WTF must not demand one.
        WTF_CSRF_SSL_STRICT=False,
        RATELIMIT_STORAGE_URI=config.ratelimit_storage,
        RATELIMIT_STORAGE_OPTIONS=storage_options(config.ratelimit_storage),
        # If Redis stops answering, count in this process with stricter limits (ratelimits.py);
        # a storage error in the one step that has no fallback (a late deduction) is logged.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_HEADERS_ENABLED=True,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "portal" / "translations"),
        TESTING=config.env == "test",
    )
    app.extensions[CONFIG_KEY] = config
    app.extensions[sitesettings.EXTENSION_KEY] = site
    app.extensions[clock.EXTENSION_KEY] = now or clock.system_clock
    cost = config.argon2_parameters
    app.extensions[claimcodes.EXTENSION_KEY] = claimcodes.CodeHasher(config.claim_pepper, *cost)
    app.extensions[notify.EXTENSION_KEY] = notify.Notifier()
    app.extensions[accounts.SECRETS_KEY] = accounts.Secrets(
        hashing=PasswordHashing(*cost),
        # Recovery codes are checked with a keyed hash under a key only the server holds, made
        # from the pepper; codes made before that was so were hashed under one made from the
        # secret key, which is still tried for them.
        recovery_key=totp.recovery_key(config.claim_pepper),
        earlier_recovery_key=config.derive("recovery-codes"),
        # TOTP secrets are encrypted under a key from the pepper, which is not in the database.
        totp_key=totp.storage_key(config.claim_pepper),
        cost=cost,
    )
    if config.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)

    logs.install(app.logger)
    attachments.init_app(app)
    db.init_app(app, config.database_url, config.audit_key)
    # Before CSRFProtect, which parses the form: the raw body is only readable until then.
    app.before_request(_refuse_invalid_utf8)
    # Before CSRFProtect too: a request for another host is refused before anything else.
    siteurl.init_app(app, config)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)
    headers.init_app(app, lambda: sitesettings.current().quick_exit_origin)
    errors.init_app(app, lambda: limiter.current_limit)
    languages.init_app(app)
    tappable.init_app(app)
    app.context_processor(
        lambda: {"site": sitesettings.current(), "current_locale": lambda: str(get_locale())}
    )
    # Where a referral or a link stands, for the pages to compare with (one list each).
    app.jinja_env.globals.update(ReferralState=ReferralState, LinkState=LinkState)
    # The complaint's text fields the board's case page lists, from their one registry.
    app.jinja_env.globals["case_fields"] = sealing.on_board_page

    # Before any route is added: every <int:...> in a URL is bounded (portal/ids.py).
    app.url_map.converters["int"] = ids.BoundedIntConverter

    # One blueprint for participants: portal/participant/filing.py makes it and adds filing,
    # checkpage.py the claim-code check, leaving.py the ways out, casepage.py the case page,
    # receiptpage.py the receipt's buttons.
    app.register_blueprint(casepage.bp)
    app.register_blueprint(public.bp)
    # The one place portal/ reaches into review/: adding the board's area.
    import review

    review.register(app)
    cli.init_app(app)
    return app


def _select_locale() -> str:
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages.NAMES:
        return chosen
    return request.accept_languages.best_match(list(languages.NAMES)) or DEFAULT_LANGUAGE


def _refuse_invalid_utf8() -> None:
    """Werkzeug quietly replaces bytes that are not UTF-8; we would rather say so than store
    mangled words, so such a form gets the 400 page."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return
    body = request.get_data(cache=True)
    try:
        urllib.parse.unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        abort(400)
