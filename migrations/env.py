"""Alembic environment: the portal's own engine settings and table metadata."""

from __future__ import annotations

import os

from alembic import context

from portal import models  # noqa: F401  (registers every table on Base.metadata)
from portal.config import default_database_url, ensure_instance_folder, instance_path_from
from portal.db import Base, make_engine
from portal.migrate import include_object

config = context.config


def _database_url() -> str:
    """The URL passed in (portal.migrate), else PORTAL_DATABASE_URL, else SQLite in the named
    instance folder. Only the URL is read: no secrets are made, and an unnamed instance folder
    is refused rather than taken to be the working directory."""
    given = config.attributes.get("database_url") or os.environ.get("PORTAL_DATABASE_URL")
    if given:
        return given
    instance_path = instance_path_from(os.environ)
    ensure_instance_folder(instance_path)
    return default_database_url(instance_path)


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot alter most columns in place; batch mode copies the table instead.
            render_as_batch=True,
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
