"""Where the sealed bytes of attachments live: rows of `attachment_blob` in the database.

Nothing is kept on an app server's own disk, so any number of app servers serve one site, and
the database backup holds every file.

A file is cut into pieces of CHUNK bytes, and each piece is encrypted on its own (AES-256-GCM,
the complaint's data key) with its place bound into the associated data:
`attachment:<name>:<index>`, and `attachment:<name>:<index>:last` for the last piece. A
piece moved to another place, another file's piece, a piece dropped from the middle or the
end, or a file cut short after any piece all fail to decrypt, so a download either gives
the whole file as it was sent or stops with an error. Pieces are written and read one at a
time, so a worker holds about one piece of a file at once on top of the file itself when it
stores it, and one piece when it serves it.

Files moved in from the instance folder (migration 0019) keep the one ciphertext they were
written as (`attachment:<name>`, the whole file): the server does not hold the board's key, so
they cannot be sealed again piece by piece. Their rows are that ciphertext cut in pieces as it
is (`Attachment.chunked` is False), and they are read whole.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from portal.models import Attachment, AttachmentBlob
from portal.security import crypto

CHUNK = 1024 * 1024
LABEL = "attachment"


class FileDamaged(ValueError):
    """A piece is missing, or was changed, moved or swapped: the download is stopped."""


def new_name() -> str:
    """A random name, bound into every piece's label."""
    return secrets.token_hex(16)


def pieces(size: int) -> int:
    return max(1, -(-size // CHUNK))


def _label(name: str, index: int, last: bool) -> str:
    return f"{LABEL}:{name}:{index}" + (":last" if last else "")


def store(db: Session, attachment_id: int, name: str, data_key: bytes, data: bytes) -> None:
    """Seal `data` piece by piece into the rows of `attachment_id` (already flushed), in the
    caller's transaction. Each piece is sent to the database as soon as it is sealed."""
    view = memoryview(data)
    count = pieces(len(data))
    for index in range(count):
        piece = view[index * CHUNK : (index + 1) * CHUNK]
        sealed = crypto.encrypt(data_key, piece, _label(name, index, index == count - 1))
        # Core, not the ORM: an ORM object would keep every piece in the session until it closes.
        db.execute(
            insert(AttachmentBlob), {"attachment_id": attachment_id, "piece": index, "data": sealed}
        )
        del sealed


def stream(sessions: sessionmaker, attachment: Attachment, data_key: bytes) -> Iterator[bytes]:
    """The file's bytes, one piece at a time, each read in its own short query. Raises
    FileDamaged (mid-stream) if a piece is missing or fails to decrypt."""
    with sessions() as db:
        if not attachment.chunked:
            yield _whole(db, attachment, data_key)
            return
        count = pieces(attachment.size)
        for index in range(count):
            sealed = db.scalar(
                select(AttachmentBlob.data).where(
                    AttachmentBlob.attachment_id == attachment.id, AttachmentBlob.piece == index
                )
            )
            if sealed is None:
                raise FileDamaged(attachment.id)
            try:
                yield crypto.decrypt(
                    data_key, sealed, _label(attachment.stored_name, index, index == count - 1)
                )
            except crypto.DecryptionFailed as error:
                raise FileDamaged(attachment.id) from error
            finally:
                del sealed
            db.rollback()  # no snapshot or lock held between pieces


def has_bytes(db: Session, attachment_id: int) -> bool:
    """False for a record whose file was already lost when files moved into the database."""
    first = select(AttachmentBlob.piece).where(
        AttachmentBlob.attachment_id == attachment_id, AttachmentBlob.piece == 0
    )
    return db.scalar(first) is not None


def load(sessions: sessionmaker, attachment: Attachment, data_key: bytes) -> bytes:
    """The whole file (for tests and small tools; downloads use `stream`)."""
    return b"".join(stream(sessions, attachment, data_key))


def _whole(db: Session, attachment: Attachment, data_key: bytes) -> bytes:
    sealed = b"".join(
        db.scalars(
            select(AttachmentBlob.data)
            .where(AttachmentBlob.attachment_id == attachment.id)
            .order_by(AttachmentBlob.piece)
        )
    )
    try:
        return crypto.decrypt(data_key, sealed, f"{LABEL}:{attachment.stored_name}")
    except crypto.DecryptionFailed as error:
        raise FileDamaged(attachment.id) from error


def erase(db: Session, attachment_ids: list[int]) -> None:
    """Delete these attachments' bytes, in the caller's transaction. (SQLite overwrites the
    freed pages, secure_delete; on PostgreSQL they stay in dead rows until VACUUM: see
    docs/deploy.md.)"""
    if attachment_ids:
        db.execute(delete(AttachmentBlob).where(AttachmentBlob.attachment_id.in_(attachment_ids)))
