"""Alembic, driven from Python so `make run`, the CLI and the tests share one path."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import inspect, text

from portal.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


log = logging.getLogger(__name__)


def alembic_config(
    database_url: str,
    claim_pepper: bytes | None = None,
    audit_key: bytes | None = None,
    instance_path: Path | None = None,
) -> AlembicConfig:
    """`claim_pepper` and `audit_key`: for migrations that re-encrypt or re-key values under
    keys from configuration; without them they read the configuration from the environment,
    as the app would (migrations/env.py). `instance_path`: where files were kept before they
    moved into the database (0019)."""
    config = AlembicConfig(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = database_url
    if claim_pepper is not None:
        config.attributes["claim_pepper"] = claim_pepper
    if audit_key:
        config.attributes["audit_key"] = audit_key
    if instance_path is not None:
        config.attributes["instance_path"] = str(instance_path)
    return config


def upgrade(
    database_url: str,
    revision: str = "head",
    claim_pepper: bytes | None = None,
    audit_key: bytes | None = None,
    instance_path: Path | None = None,
) -> None:
    command.upgrade(alembic_config(database_url, claim_pepper, audit_key, instance_path), revision)
    # Only now that the upgrade has committed: a failed one must never lose a file.
    erase_moved_uploads(database_url, instance_path)


def downgrade(
    database_url: str,
    revision: str,
    claim_pepper: bytes | None = None,
    audit_key: bytes | None = None,
    instance_path: Path | None = None,
) -> None:
    command.downgrade(
        alembic_config(database_url, claim_pepper, audit_key, instance_path), revision
    )


# Indexes with DESC columns: Alembic's autogenerate cannot compare them, so they are written
# by hand in their migration and left out of comparisons.
HAND_WRITTEN_INDEXES = frozenset({"ix_complaint_queue", "ix_complaint_held_queue"})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and name in HAND_WRITTEN_INDEXES)


UPLOADS = "uploads"


def uploads_folder(database_url: str, instance_path: Path | None) -> Path | None:
    """Where files were kept before 0019: as migrations/versions/0019_attach.py finds it."""
    given = instance_path or os.environ.get("PORTAL_INSTANCE_PATH")
    if given:
        return Path(given) / UPLOADS
    if database_url.startswith("sqlite:///") and len(database_url) > len("sqlite:///"):
        return Path(database_url[len("sqlite:///") :]).resolve().parent / UPLOADS
    return None


def erase_moved_uploads(database_url: str, instance_path: Path | None) -> int:
    """Erase the disk copy of every file the database now holds byte for byte, then the
    folder once it is empty. Anything else stays, with a warning: a file no record names (left
    by a filing that failed before 0019) may belong to another database, so only a person
    should delete it. Runs after each upgrade; with nothing to do it is cheap. Returns how
    many files were erased."""
    folder = uploads_folder(database_url, instance_path)
    if folder is None or not folder.is_dir():
        return 0
    engine = make_engine(database_url)
    erased = kept = 0
    try:
        with engine.connect() as connection:
            if not _has_table(connection, "attachment_blob"):
                return 0
            for path in sorted(folder.iterdir()):
                file_id = connection.scalar(
                    text("SELECT id FROM attachment WHERE stored_name = :name"), {"name": path.name}
                )
                if path.is_file() and file_id is not None and _held(connection, file_id, path):
                    _overwrite_and_remove(path)
                    erased += 1
                else:
                    kept += 1
    finally:
        engine.dispose()
    if kept:
        log.warning(
            "%d files in %s are not in this database and were left there: delete them once you "
            "are sure no other database needs them",
            kept,
            folder,
        )
    else:
        folder.rmdir()
    return erased


def _has_table(connection, name: str) -> bool:
    return inspect(connection).has_table(name)


def _held(connection, file_id: int, path: Path) -> bool:
    digest = hashlib.sha256()
    pieces = connection.execute(
        text("SELECT data FROM attachment_blob WHERE attachment_id = :id ORDER BY piece"),
        {"id": file_id},
    )
    for (piece,) in pieces:
        digest.update(piece)
    return digest.digest() == hashlib.sha256(path.read_bytes()).digest()


def _overwrite_and_remove(path: Path) -> None:
    """Overwrite, then remove. (On flash storage an overwrite may land elsewhere; the file is
    encrypted with a key the portal deletes with the case, which is what really protects it.)"""
    with open(path, "r+b") as handle:
        handle.write(b"\0" * path.stat().st_size)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
