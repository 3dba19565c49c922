"""Alembic's migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from portal.db import Base
from portal.migrate import include_object


def test_migrations_match_the_models(database_url: str) -> None:
    # database_url is migrated by Alembic (tests/conftest.py), never by create_all.
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_the_queue_index_exists_in_urgent_first_order(database_url: str) -> None:
    engine = create_engine(database_url)
    indexes = {index["name"] for index in inspect(engine).get_indexes("complaint")}
    engine.dispose()
    assert "ix_complaint_queue" in indexes
