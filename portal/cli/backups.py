"""Backups of the SQLite database that are consistent while the portal keeps taking
complaints, and restoring one into an empty instance.

The copy is made with SQLite's online backup API in a single step: it reads one snapshot of
the database (WAL lets writers carry on meanwhile), so a complaint is in the copy whole or not
at all. Every copy is checked before anyone relies on it.

What is not in the database is not in the backup either: the claim pepper and the secret key.
A restored database opens claim codes only under the same PORTAL_CLAIM_PEPPER, so those two
are kept safe separately (and never next to the backup file).

PostgreSQL takes its own consistent snapshots with pg_dump; `postgres_commands` says how.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import URL, make_url

# Alembic's bookkeeping: present in a freshly migrated, still empty, database.
BOOKKEEPING = frozenset({"alembic_version"})


class BackupError(RuntimeError):
    """The backup or restore cannot go ahead; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path | None:
    """The database file behind a SQLite URL, or None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return Path(url.database)


@contextlib.contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path)
    try:
        yield connection
    finally:
        connection.close()


def counts(path: Path) -> dict[str, int]:
    """Rows in each table of the database at `path`."""
    with _open(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        # Table names come from the database's own catalogue, quoted.
        return {
            table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def problems(path: Path) -> list[str]:
    """What SQLite's integrity and foreign-key checks find wrong; empty when all is well."""
    with _open(path) as connection:
        found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if found == ["ok"]:
            found = []
        found += [
            f"row {rowid} of {table} points at a missing {parent}"
            for table, rowid, parent, _key in connection.execute("PRAGMA foreign_key_check")
        ]
    return found


def _new_private_file(path: Path) -> None:
    """Create `path` empty and readable by its owner only: a backup holds every complaint."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose a new file name.") from None
    os.close(descriptor)


def _copy(source: Path, target: Path, journal_mode: str) -> None:
    with _open(source) as reader, _open(target) as writer:
        # One step (pages=-1): the whole database from one snapshot.
        reader.backup(writer, pages=-1)
        writer.execute(f"PRAGMA journal_mode={journal_mode}")


def backup(database: Path, target: Path) -> dict[str, int]:
    """Copy the live database at `database` into the new file `target`; return its counts."""
    if not database.exists():
        raise BackupError(f"There is no database at {database}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    _new_private_file(target)
    try:
        # A backup is one self-contained file, so no write-ahead log beside it.
        _copy(database, target, "DELETE")
        found = problems(target)
        if found:
            raise BackupError("The copy failed its checks: " + "; ".join(found[:5]))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return counts(target)


def is_empty(database: Path) -> bool:
    """True when no complaint, account or anything else has been stored at `database` yet."""
    if not database.exists():
        return True
    return all(rows == 0 for table, rows in counts(database).items() if table not in BOOKKEEPING)


def restore(backup_file: Path, database: Path) -> dict[str, int]:
    """Put `backup_file` in place as the database of an empty instance; return its counts.

    Refuses to overwrite a database that holds anything, and checks the backup before and
    the restored database after.
    """
    if not backup_file.is_file():
        raise BackupError(f"There is no backup file at {backup_file}.")
    found = problems(backup_file)
    if found:
        raise BackupError(f"{backup_file} is damaged: " + "; ".join(found[:5]))
    if not is_empty(database):
        raise BackupError(
            f"{database} already holds data. Restore into an empty instance (a new "
            "PORTAL_INSTANCE_PATH or PORTAL_DATABASE_URL), never over a live one."
        )
    expected = counts(backup_file)
    for leftover in (database, *(Path(f"{database}{end}") for end in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _new_private_file(database)
    _copy(backup_file, database, "WAL")
    found = problems(database)
    restored = counts(database)
    if found or restored != expected:
        raise BackupError("The restored database does not match the backup: " + "; ".join(found))
    return restored


def postgres_commands(database_url: str, path: Path) -> tuple[str, str]:
    """The pg_dump and pg_restore lines for this database, without its password (give that
    in ~/.pgpass or PGPASSWORD, never on a command line others can read in `ps`)."""
    url = make_url(database_url)
    address = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string()
    dump = f"pg_dump --format=custom --no-owner --file '{path}' '{address}'"
    load = f"pg_restore --exit-on-error --no-owner --dbname '<empty database URL>' '{path}'"
    return dump, load
