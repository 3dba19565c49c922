"""Operator commands for the board's key: `flask --app wsgi <command>`.

- init-board-key: make the board key before any admin exists (for a site set up by script);
  prints the recovery key once.
- grant-board-key USERNAME: give the board key to a member, with the recovery key, when no
  member who holds it can sign in (every admin lost their password).
- rotate-board-key: a new board key; every complaint's data key is sealed to it, every active
  member gets it, the old one and its recovery key stop working. Needs the recovery key.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal import clock, db
from portal.db import write_transaction
from portal.models import Account, BoardKey, Complaint, MemberKey
from portal.security import audit, crypto, keys, sealing


def init_app(app) -> None:
    for command in (init_board_key, grant_board_key, rotate_board_key):
        app.cli.add_command(command)


def _print_recovery(recovery: bytes) -> None:
    click.echo("The board's recovery key. Print it or write it down, keep it offline:")
    click.echo(f"  {crypto.printable(recovery)}")
    click.echo("It is shown once. Without it or a board member's password, no complaint can")
    click.echo("ever be read again.")


@click.command("init-board-key")
@with_appcontext
def init_board_key() -> None:
    """Make the board key now (normally the first admin's enrollment does)."""
    database = db.session()
    if keys.current(database) is not None:
        click.echo("There is a board key already; use rotate-board-key to replace it.", err=True)
        sys.exit(1)
    with write_transaction(database):
        version, _private, recovery = keys.create_board_key(database, clock.now())
        audit.record(
            database, "board_key.create", account_id=None, now=clock.now(), version=version
        )
    _print_recovery(recovery)


def _keyring_from_prompt() -> keys.Keyring:
    text = click.prompt("Recovery key", hide_input=True)
    try:
        return keys.recover(db.session(), text)
    except (keys.KeyUnavailable, keys.KeysNotReady):
        click.echo("That recovery key does not open the board key.", err=True)
        sys.exit(1)


@click.command("grant-board-key")
@click.argument("username")
@with_appcontext
def grant_board_key(username: str) -> None:
    """Give the board key to USERNAME, using the recovery key."""
    database = db.session()
    account = database.scalar(select(Account).where(Account.username == username.lower()))
    if account is None or account.personal_public is None or account.disabled:
        click.echo("No admin or reviewer with that username.", err=True)
        sys.exit(1)
    keyring = _keyring_from_prompt()
    with write_transaction(database):
        account.key_approved = True  # whoever holds the recovery key approves them here
        keys.grant(database, account, keyring)
        audit.record(
            database,
            "board_key.grant",
            account_id=None,
            now=clock.now(),
            object_type="account",
            object_id=account.id,
        )
    click.echo(f"{username} holds the board key from their next sign-in.")


@click.command("rotate-board-key")
@with_appcontext
def rotate_board_key() -> None:
    """Replace the board key, re-sealing every complaint's data key to the new one."""
    database = db.session()
    old = _keyring_from_prompt()
    now = clock.now()
    with write_transaction(database):
        version, private, recovery = keys.create_board_key(database, now)
        new_public = keys.current_public(database)[1]
        # Old recovery keys must not open old board keys (nor, with them, old backups).
        database.execute(
            BoardKey.__table__.update()  # type: ignore[attr-defined]
            .where(BoardKey.version != version)
            .values(recovery_sealed=b"")
        )
        count = 0
        for complaint in database.scalars(select(Complaint).where(Complaint.dk_board.is_not(None))):
            data_key = sealing.key_for_board(complaint, old)
            sealing.reseal_for_board(complaint, data_key, version, new_public)
            # Pattern tags were keyed by the old board key; they are made again, under the
            # new one, as board members use the review area.
            complaint.officer_tag = None
            count += 1
        # Members' copies of the old key go; every active member gets the new one.
        database.execute(MemberKey.__table__.delete().where(MemberKey.version != version))  # type: ignore[attr-defined]
        members = database.scalars(
            select(Account).where(
                Account.personal_public.is_not(None),
                Account.disabled.is_(False),
                Account.key_approved.is_(True),  # nobody an admin has not approved
            )
        )
        for account in members:
            keys.grant(database, account, {version: private})
        audit.record(
            database,
            "board_key.rotate",
            account_id=None,
            now=now,
            version=version,
            complaints=count,
        )
    click.echo(f"Board key version {version}: {count} complaints re-sealed.")
    _print_recovery(recovery)
