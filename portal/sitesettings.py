"""Site settings as admins edit them: the instance's site.toml, overridden by what is saved
in the database. Read once per request."""

from __future__ import annotations

import json
import time

from flask import current_app, g
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal import db
from portal.models import SiteSettings
from portal.site import Site, SiteConfigError, site_from_mapping, site_to_mapping

ROW_ID = 1
# Where create_app keeps the site read from site.toml; read only through `base_site`.
EXTENSION_KEY = "portal.site"


def base_site() -> Site:
    return current_app.extensions[EXTENSION_KEY]


def effective(db_session: Session, base: Site) -> Site:
    row = db_session.get(SiteSettings, ROW_ID)
    if row is None:
        return base
    return site_from_mapping({**site_to_mapping(base), **json.loads(row.data)})


# Each process re-reads the settings at most this often; a save in this process is seen at
# once, a save in another worker within this time.
REFRESH_SECONDS = 5.0
CACHE_KEY = "portal.site_cache"


def current() -> Site:
    """The site for this request. If the database cannot be read, the file's settings are
    used, so participant pages still show (with their quick exit) during an outage."""
    if "site" in g:
        return g.site
    cache = current_app.extensions.setdefault(CACHE_KEY, {})
    if cache and time.monotonic() - cache["loaded"] < REFRESH_SECONDS:
        g.site = cache["site"]
        return g.site
    try:
        g.site = effective(db.session(), base_site())
    except SQLAlchemyError:
        db.session().rollback()
        g.site = base_site()
        return g.site
    except SiteConfigError:
        # Saved by an older version that let a bad value through: the file's settings keep
        # the site up (an admin can save good ones again), rather than every page failing.
        current_app.logger.warning("saved site settings are not valid; using site.toml")
        g.site = base_site()
    cache.update(site=g.site, loaded=time.monotonic())
    return g.site


def forget_cached() -> None:
    current_app.extensions.pop(CACHE_KEY, None)
    g.pop("site", None)
