"""Work done on every signed-in board request, because only a key holder can do it.

A member who enrolled since gets the board key from the next fully signed-in key holder, and
new complaints get their pattern tags. Runs after `gate.identify` and before `gate.authorize`.
"""

from __future__ import annotations

from flask import g

from portal import clock, db
from portal.board import boardsessions
from portal.casework import tags
from portal.db import write_transaction
from portal.security import keys


def on_signed_in_request() -> None:
    if not g.keyring or g.board_session is None or g.board_session.stage != boardsessions.FULL:
        return
    database = db.session()
    # Most requests find nothing to do; only then is a write transaction worth its fsync.
    if keys.members_waiting(database):
        with write_transaction(database):
            keys.grant_waiting(database, g.keyring, clock.now())
    tags.tag_new_complaints(database, g.keyring)
