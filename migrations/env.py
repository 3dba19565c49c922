"""Alembic environment: the portal's own engine settings and table metadata."""

from __future__ import annotations

from alembic import context

from portal import models  # noqa: F401  (registers every table on Base.metadata)
from portal.config import Config
from portal.db import Base, make_engine
from portal.migrate import include_object

config = context.config


def _database_url() -> str:
    return config.attributes.get("database_url") or Config.from_env().database_url


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
