"""attachments in the database: nothing kept on an app server's own disk

Revision ID: 0019_attach
Revises: 0018
Create Date: 2026-12-01

Files people attach move from `<instance>/uploads/` into `attachment_blob`, so several app
servers serve one site and the database backup holds every file.

Each file was one AES-256-GCM ciphertext under the complaint's data key, which the server does
not hold (only the board's members and the claim code open it). So the upgrade cannot decrypt
a file to check it, nor seal it again piece by piece as new files are: it moves each
ciphertext as it is (cut into 1 MiB rows, `attachment.chunked` False; the portal reads such a
file whole) and checks, without the key, that
- the file is exactly as long as a ciphertext of the recorded size (12-byte nonce, the
  re-encoded file's `size` bytes, 16-byte tag): a file cut short or padded is refused;
- the rows read back give the same SHA-256 as the file on disk.
A file of the wrong length stops the upgrade, with nothing changed (restore the folder from
its backup first). A file a record names that is not on disk at all (0018 erased a withdrawn
case's files before its transaction committed, so a failed commit could leave such records)
is lost already: the record stays, without bytes, the board's download of it answers "not
found", and the upgrade says how many there were. The disk copies are erased by `portal.migrate.upgrade` only after the upgrade
has committed (`erase_moved_uploads`), so a failed upgrade never loses a file.

The folder is `<instance>/uploads`: the instance path given by portal.migrate (db-upgrade
passes the portal's own), else PORTAL_INSTANCE_PATH, else the folder of a SQLite database.

Downgrade writes every moved file back to disk as it was. Files sent after the upgrade are
sealed piece by piece, which version 0018 cannot read and the server cannot seal again without
the board's key: if there are any, the downgrade stops and says so (restore the backup taken
before the upgrade instead).
"""

import hashlib
import logging
import os
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0019_attach"
down_revision = "0018"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
CHUNK = 1024 * 1024
NONCE, TAG = 12, 16
attachment = sa.table(
    "attachment",
    sa.column("id", sa.Integer),
    sa.column("stored_name", sa.String),
    sa.column("size", sa.Integer),
    sa.column("chunked", sa.Boolean),
)
blob = sa.table(
    "attachment_blob",
    sa.column("attachment_id", sa.Integer),
    sa.column("piece", sa.Integer),
    sa.column("data", sa.LargeBinary),
)


def uploads_folder() -> Path | None:
    """Where 0018 kept the files (see the module's docstring)."""
    given = op.get_context().config.attributes.get("instance_path")
    given = given or os.environ.get("PORTAL_INSTANCE_PATH")
    if given:
        return Path(given) / "uploads"
    url = op.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).resolve().parent / "uploads"
    return None


def upgrade() -> None:
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(
            sa.Column("chunked", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("attachment") as batch:
        batch.alter_column("chunked", server_default=None)
    op.create_table(
        "attachment_blob",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("piece", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_attachment_blob_attachment_id_attachment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", "piece", name=op.f("pk_attachment_blob")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Ciphertext does not compress: store it out of line without trying.
        op.execute("ALTER TABLE attachment_blob ALTER COLUMN data SET STORAGE EXTERNAL")
    _move_files_in(bind)


def _move_files_in(bind: sa.engine.Connection) -> None:
    rows = bind.execute(sa.select(attachment.c.id, attachment.c.stored_name, attachment.c.size))
    rows = rows.all()
    if not rows:
        return
    folder = uploads_folder()
    if folder is None:
        raise RuntimeError(
            f"{len(rows)} attached files are in the instance folder's uploads/, but which folder "
            "is not known: set PORTAL_INSTANCE_PATH and run the upgrade again."
        )
    missing, damaged = [], []
    for file_id, name, size in rows:
        path = folder / name
        if not path.is_file():
            missing.append(name)
            continue
        sealed = path.read_bytes()
        if len(sealed) != NONCE + size + TAG:
            damaged.append(name)
            continue
        for index in range(max(1, -(-len(sealed) // CHUNK))):
            piece = sealed[index * CHUNK : (index + 1) * CHUNK]
            bind.execute(blob.insert().values(attachment_id=file_id, piece=index, data=piece))
        if _digest(bind, file_id) != hashlib.sha256(sealed).digest():
            damaged.append(name)
    if damaged:
        raise RuntimeError(
            f"Not upgraded: of {len(rows)} attached files in {folder}, {len(damaged)} are not "
            f"the length their record says ({', '.join(damaged[:5])}). Restore the folder from "
            "the backup taken with the database, then run the upgrade again. Nothing was changed."
        )
    if missing:
        log.warning(
            "%d of %d attached files were not in %s (%s): their records stay, without bytes",
            len(missing),
            len(rows),
            folder,
            ", ".join(missing[:5]),
        )


def _digest(bind: sa.engine.Connection, file_id: int) -> bytes:
    digest = hashlib.sha256()
    pieces = bind.execute(
        sa.select(blob.c.data).where(blob.c.attachment_id == file_id).order_by(blob.c.piece)
    )
    for (piece,) in pieces:
        digest.update(piece)
    return digest.digest()


def downgrade() -> None:
    bind = op.get_bind()
    newer = bind.execute(
        sa.select(sa.func.count()).select_from(attachment).where(attachment.c.chunked)
    ).scalar_one()
    if newer:
        raise RuntimeError(
            f"Not downgraded: {newer} attached files were sent after the upgrade and are sealed "
            "piece by piece, which the earlier version cannot read; the server holds no key to "
            "seal them again. Restore the backup taken before the upgrade instead."
        )
    _write_files_out(bind)
    op.drop_table("attachment_blob")
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("chunked")


def _write_files_out(bind: sa.engine.Connection) -> None:
    rows = bind.execute(sa.select(attachment.c.id, attachment.c.stored_name)).all()
    if not rows:
        return
    folder = uploads_folder()
    if folder is None:
        raise RuntimeError(
            "The attached files go back to the instance folder's uploads/, but which folder is "
            "not known: set PORTAL_INSTANCE_PATH and run the downgrade again."
        )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The files' own times would date a filing to the second; the start of today will do.
    day = int(time.time()) // 86400 * 86400
    for file_id, name in rows:
        pieces = bind.execute(
            sa.select(blob.c.data).where(blob.c.attachment_id == file_id).order_by(blob.c.piece)
        )
        sealed = b"".join(piece for (piece,) in pieces)
        if not sealed:  # a file that was already missing when it was moved in
            continue
        path = folder / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        os.utime(path, (day, day))
