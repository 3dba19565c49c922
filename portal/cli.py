"""Command-line tools: `flask --app wsgi <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from portal import migrate
from portal.config import ensure_instance_folder
from portal.logs import AnonymousRequestHandler


def init_app(app: Flask) -> None:
    app.cli.add_command(db_upgrade)
    app.cli.add_command(serve)


@click.command("db-upgrade")
def db_upgrade() -> None:
    """Apply every database migration that has not run yet."""
    config = current_app.extensions["portal.config"]
    ensure_instance_folder(config.instance_path)
    migrate.upgrade(config.database_url)
    click.echo("Database is up to date.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the portal with the development server, logging no client addresses."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Serving the portal on http://{host}:{port}/ (Ctrl+C stops it)")
    run_simple(
        host,
        port,
        app,
        request_handler=AnonymousRequestHandler,
        threaded=True,
        use_reloader=False,
    )
