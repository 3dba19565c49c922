"""`flask --app wsgi backup PATH` and `flask --app wsgi restore PATH` (see backups.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from portal import db, migrate
from portal.cli import backups
from portal.config import current_config


def init_app(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)


def _database_url() -> str:
    return current_config().database_url


def _show_counts(found: dict[str, int]) -> None:
    for table, rows in found.items():
        click.echo(f"  {table:<20} {rows:>8,}")


def _postgres_instead(path: Path) -> None:
    dump, load = backups.postgres_commands(_database_url(), path)
    click.echo(
        "This database is PostgreSQL: pg_dump takes a consistent snapshot while the portal "
        "runs. Back up with:",
        err=True,
    )
    click.echo(f"  {dump}", err=True)
    click.echo("and restore into an empty database with:", err=True)
    click.echo(f"  {load}", err=True)
    click.echo("then run: flask --app wsgi db-upgrade", err=True)
    sys.exit(1)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Copy the database to PATH (a new file) while the portal keeps running, and check it.

    The claim pepper and the secret key are not in the copy: keep them safe separately.
    """
    database = backups.sqlite_path(_database_url())
    if database is None:
        _postgres_instead(path)
        return
    try:
        found = backups.backup(database, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {path}; integrity and foreign-key checks passed. Rows:")
    _show_counts(found)


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@with_appcontext
def restore(path: Path) -> None:
    """Put the backup at PATH in place as this instance's database, which must be empty.

    Then brings it up to the current schema. Claim codes open only if PORTAL_CLAIM_PEPPER is
    the one the backed-up portal used.
    """
    url = _database_url()
    database = backups.sqlite_path(url)
    if database is None:
        _postgres_instead(path)
        return
    # Nothing of this process may hold the file open while it is replaced.
    db.database().engine.dispose()
    try:
        found = backups.restore(path, database)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    config = current_config()
    migrate.upgrade(url, audit_key=config.audit_key, instance_path=config.instance_path)
    click.echo(f"Restored {path} into {database}; integrity and foreign-key checks passed. Rows:")
    _show_counts(found)
