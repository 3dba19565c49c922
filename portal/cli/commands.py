"""Command-line tools: `flask --app wsgi <command>`."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app, url_for
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from portal import clock, db, migrate, sitesettings
from portal.board import accounts
from portal.board.accounts import Role
from portal.casework import retention
from portal.cli import backupcli, demodata, figurescli, keycli
from portal.config import current_config, ensure_instance_folder
from portal.figures import figurerefresh
from portal.logs import AnonymousRequestHandler
from portal.security import audit, auditlog, claimcodes, keys


def init_app(app: Flask) -> None:
    for command in (db_upgrade, serve, create_admin, audit_verify, demo_data, purge):
        app.cli.add_command(command)
    backupcli.init_app(app)
    figurescli.init_app(app)
    keycli.init_app(app)


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every database migration that has not run yet."""
    config = current_config()
    ensure_instance_folder(config.instance_path)
    migrate.upgrade(
        config.database_url,
        claim_pepper=config.claim_pepper,
        audit_key=config.audit_key,
        instance_path=config.instance_path,
    )
    click.echo("Database is up to date.")


def first_admin_link() -> str:
    """Make a one-time link that creates an admin account, and return it."""
    config = current_config()
    with current_app.test_request_context(base_url=config.base_url):
        token = accounts.create_invite(db.session(), Role.ADMIN, None, clock.now())
        return url_for("review.enroll_link", token=token, _external=True)


@click.command("create-admin")
@with_appcontext
def create_admin() -> None:
    """Print a one-time link (valid 72 hours) that creates an admin account."""
    click.echo("Open this link to create an admin account. It works once, for 72 hours:")
    click.echo(f"  {first_admin_link()}")


def _anchor(
    _context: click.Context, _param: click.Parameter, value: str | None
) -> audit.Anchor | None:
    if value is None:
        return None
    try:
        return audit.Anchor.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("audit-verify")
@with_appcontext
@click.option(
    "--head",
    "anchor",
    callback=_anchor,
    metavar="SEQ-CODE",
    help="A head written down earlier (an admin's home page, a review packet): the log must "
    "still reach it.",
)
def audit_verify(anchor: audit.Anchor | None) -> None:
    """Check the audit log's keyed chain and report the first broken link."""
    report = audit.verify(db.session(), anchor)
    if report.intact:
        head = auditlog.head(db.session())
        click.echo(f"Audit log intact: {report.events} events.")
        if anchor is not None:
            click.echo(f"It still holds event {anchor.text}.")
        if head is not None:
            click.echo(f"Head now: {head.text} (write it down to check against later).")
        return
    click.echo(
        f"Audit log BROKEN at event {report.first_broken_seq}: {report.reason} "
        f"({report.events} events read).",
        err=True,
    )
    sys.exit(1)


def first_run_notes() -> list[str]:
    """What `make run` says before serving, while the site still needs its first admin."""
    notes = []
    if not accounts.has_active_admin(db.session()):
        notes += [
            "No admin account yet. Open this one-time link (72 hours) to create one:",
            f"  {first_admin_link()}",
        ]
    if keys.current(db.session()) is None:
        notes.append(
            "Filing opens once the first admin has enrolled: until then the start page and "
            "the form say the site is not open yet."
        )
    return notes


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the portal with the development server, logging no client addresses."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for line in first_run_notes():
        click.echo(line)
    db.session().close()
    figurerefresh.keep_warm(app)
    click.echo(f"Serving the portal on http://{host}:{port}/ (Ctrl+C stops it)")
    run_simple(
        host,
        port,
        app,
        request_handler=AnonymousRequestHandler,
        threaded=True,
        use_reloader=False,
    )


@click.command("demo-data")
@click.option(
    "--complaints", "count", default=200, show_default=True, type=click.IntRange(1, 500_000)
)
@with_appcontext
def demo_data(count: int) -> None:
    """Fill a development instance with clearly fake cases. Refused in production."""
    config = current_config()
    if config.is_production:
        click.echo("demo-data is refused on a production instance.", err=True)
        sys.exit(1)
    if keys.current(db.session()) is None:
        click.echo(
            "There is no board key yet: enroll the first admin (or run init-board-key) first.",
            err=True,
        )
        sys.exit(1)
    codes = demodata.fill(db.session(), claimcodes.current_hasher(), count, clock.now().date())
    click.echo(f"Added {count} demo cases.")
    for code in codes:
        click.echo(f"  working claim code: {code}")


@click.command("purge")
@with_appcontext
def purge() -> None:
    """Delete what the retention settings say must go (run daily, e.g. from a systemd timer)."""
    result = retention.purge(db.session(), sitesettings.current(), clock.now())
    if result.files:
        retention.vacuum_files(db.session())
    click.echo(
        f"Purged {result.cases} cases ({result.messages} messages, {result.files} files), "
        f"{result.board_sessions} board sessions, {result.case_sessions} case sessions, "
        f"{result.invites} invitations, {result.receipts} filing receipts."
    )
