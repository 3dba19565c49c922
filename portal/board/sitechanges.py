"""An admin's change to the site settings: validated, stored and audited (which keys changed,
never their values). Reading the settings is `portal.sitesettings`."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy.orm import Session

from portal.db import write_transaction
from portal.models import SiteSettings
from portal.security import audit
from portal.site import Site, site_from_mapping, site_to_mapping
from portal.sitesettings import ROW_ID, effective, forget_cached


def save(db_session: Session, base: Site, changes: dict, account_id: int, now: dt.datetime) -> Site:
    """Validate and store new settings; record which keys changed (not their values)."""
    before = effective(db_session, base)
    after = site_from_mapping({**site_to_mapping(before), **changes})
    old, new = site_to_mapping(before), site_to_mapping(after)
    changed = sorted(key for key in new if new[key] != old[key])
    with write_transaction(db_session):
        row = db_session.get(SiteSettings, ROW_ID)
        if row is None:
            row = SiteSettings(id=ROW_ID, data="{}", version=0)
            db_session.add(row)
        row.data = json.dumps(new)
        row.version += 1
        audit.record(
            db_session,
            "settings.change",
            account_id=account_id,
            now=now,
            object_type="settings",
            object_id=row.version,
            changed=changed,
        )
    forget_cached()
    return after
