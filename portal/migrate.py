"""Alembic, driven from Python so `make run`, the CLI and the tests share one path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(
    database_url: str, claim_pepper: bytes | None = None, audit_key: bytes | None = None
) -> AlembicConfig:
    """`claim_pepper` and `audit_key`: for migrations that re-encrypt or re-key values under
    keys from configuration; without them they read the configuration from the environment,
    as the app would (migrations/env.py)."""
    config = AlembicConfig(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    if claim_pepper is not None:
        config.attributes["claim_pepper"] = claim_pepper
    if audit_key:
        config.attributes["audit_key"] = audit_key
    return config


def upgrade(
    database_url: str,
    revision: str = "head",
    claim_pepper: bytes | None = None,
    audit_key: bytes | None = None,
) -> None:
    command.upgrade(alembic_config(database_url, claim_pepper, audit_key), revision)


def downgrade(
    database_url: str,
    revision: str,
    claim_pepper: bytes | None = None,
    audit_key: bytes | None = None,
) -> None:
    command.downgrade(alembic_config(database_url, claim_pepper, audit_key), revision)


# Indexes with DESC columns: Alembic's autogenerate cannot compare them, so they are written
# by hand in their migration and left out of comparisons.
HAND_WRITTEN_INDEXES = frozenset({"ix_complaint_queue", "ix_complaint_held_queue"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)
