"""Files kept in the database (portal/security/filestore.py): a photo of several pieces reaches
the board whole, sent as it is read; the queue and the case page never read a file's bytes;
and someone who can write to the database cannot reorder, cut, swap or change pieces without
the download stopping."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable, Iterator
from http import HTTPStatus

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal import db
from portal.board.accounts import Role
from portal.models import Attachment, AttachmentBlob, Complaint
from portal.security import crypto, filestore
from tests.board import Board
from tests.builders import file_directly, signed_in
from tests.conftest import Participant, code_on_page

KEY = crypto.new_key()


def noise_png() -> tuple[bytes, bytes]:
    """(a PNG of noise that stays over two pieces when drawn again, its pixels)."""
    picture = Image.frombytes("RGB", (1024, 1000), secrets.token_bytes(1024 * 1000 * 3))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue(), picture.tobytes()


def file_with(client, data: bytes) -> str:
    """File a complaint with one large file; returns the code. The body is encoded here in
    memory: the test client would spool it to a temporary file it never closes."""
    person = Participant(client)
    form = {**person.open_form(), "narrative": "The officer broke my phone."}
    form["files"] = FileStorage(io.BytesIO(data), "IMG_1.png", content_type="image/png")
    boundary, body = encode_multipart(form)
    response = client.post(
        "/file", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == HTTPStatus.OK
    return code_on_page(response.get_data(as_text=True))


def test_a_photo_of_several_pieces_reaches_the_board_whole_as_it_is_read(
    app: Flask, board: Board, client
) -> None:
    data, pixels = noise_png()
    code = file_with(client, data)
    with app.app_context():
        attachment = db.session().scalars(select(Attachment)).one()
        rows = db.session().scalar(
            select(AttachmentBlob.piece)
            .where(AttachmentBlob.attachment_id == attachment.id)
            .order_by(AttachmentBlob.piece.desc())
            .limit(1)
        )
    assert attachment.size > 2 * filestore.CHUNK
    assert rows == filestore.pieces(attachment.size) - 1

    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    response = reviewer.get(f"/review/cases/{code[:4]}/files/{attachment.id}")
    assert response.status_code == HTTPStatus.OK
    assert response.is_streamed
    assert int(response.headers["Content-Length"]) == attachment.size == len(response.data)
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.convert("RGB").tobytes() == pixels


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the test runs."""
    sent: list[str] = []
    engine = app.extensions["portal.db"].engine

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield sent
    event.remove(engine, "before_cursor_execute", record)


def test_the_queue_and_the_case_page_never_read_a_files_bytes(
    app: Flask, board: Board, client, statements: list[str]
) -> None:
    data, _pixels = noise_png()
    code = file_with(client, data)
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    statements.clear()
    assert reviewer.get("/review/").status_code == HTTPStatus.OK
    page = reviewer.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert "Download file 1" in page
    assert not [sql for sql in statements if "attachment_blob" in sql]

    [link] = re.findall(r'href="([^"]*/files/\d+)"', page)
    assert reviewer.get(link).status_code == HTTPStatus.OK
    assert [sql for sql in statements if "attachment_blob" in sql]


# --- someone who can write to the database ---------------------------------------------------


def stored(app: Flask, clock, data: bytes, name: str) -> Attachment:
    """A file stored as a filing stores it, under the test key."""
    code = file_directly(app, clock)
    with app.app_context():
        session = db.session()
        complaint = session.scalars(select(Complaint).where(Complaint.locator == code[:4])).one()
        attachment = Attachment(
            complaint_id=complaint.id, stored_name=name, media_type="image/png", size=len(data)
        )
        session.add(attachment)
        session.flush()
        filestore.store(session, attachment.id, name, KEY, data)
        session.commit()
        return attachment


THREE_PIECES = bytes(range(256)) * (filestore.CHUNK // 256 * 2) + b"end"


def swap_first_two(session: Session, attachment: Attachment) -> None:
    for frm, to in ((0, -1), (1, 0), (-1, 1)):
        session.execute(
            update(AttachmentBlob)
            .where(AttachmentBlob.attachment_id == attachment.id, AttachmentBlob.piece == frm)
            .values(piece=to)
        )


def drop_last(session: Session, attachment: Attachment) -> None:
    session.execute(
        delete(AttachmentBlob).where(
            AttachmentBlob.attachment_id == attachment.id, AttachmentBlob.piece == 2
        )
    )


def drop_last_and_shrink(session: Session, attachment: Attachment) -> None:
    """A file cut short where a piece ends, with the size made to agree."""
    drop_last(session, attachment)
    session.execute(
        update(Attachment).where(Attachment.id == attachment.id).values(size=2 * filestore.CHUNK)
    )
    attachment.size = 2 * filestore.CHUNK


def flip_a_byte(session: Session, attachment: Attachment) -> None:
    piece = select(AttachmentBlob).where(
        AttachmentBlob.attachment_id == attachment.id, AttachmentBlob.piece == 1
    )
    row = session.scalars(piece).one()
    row.data = row.data[:100] + bytes([row.data[100] ^ 1]) + row.data[101:]


def rename(session: Session, attachment: Attachment) -> None:
    """Pieces of one file passed off as another's (the name is in every label)."""
    session.execute(
        update(Attachment).where(Attachment.id == attachment.id).values(stored_name="other")
    )
    attachment.stored_name = "other"


@pytest.mark.parametrize(
    "tamper", [swap_first_two, drop_last, drop_last_and_shrink, flip_a_byte, rename]
)
def test_pieces_moved_cut_changed_or_swapped_stop_the_download(
    app: Flask, clock, tamper: Callable[[Session, Attachment], None]
) -> None:
    attachment = stored(app, clock, THREE_PIECES, "a" * 32)
    sessions = app.extensions["portal.db"].sessions
    assert filestore.load(sessions, attachment, KEY) == THREE_PIECES
    with sessions() as session, session.begin():
        tamper(session, attachment)
    with pytest.raises(filestore.FileDamaged):
        filestore.load(sessions, attachment, KEY)


def test_a_file_whose_pieces_are_deleted_cannot_be_read_at_all(app: Flask, clock) -> None:
    attachment = stored(app, clock, b"small photo", "b" * 32)
    sessions = app.extensions["portal.db"].sessions
    with sessions() as session, session.begin():
        filestore.erase(session, [attachment.id])
    with pytest.raises(filestore.FileDamaged):
        filestore.load(sessions, attachment, KEY)


def test_a_file_lost_before_it_moved_in_answers_not_found(app: Flask, board: Board) -> None:
    """A record whose file was gone from the disk when files moved in (migration 0019)."""
    code = file_directly(app, clock=board.clock)
    with app.app_context():
        session = db.session()
        complaint = session.scalars(select(Complaint).where(Complaint.locator == code[:4])).one()
        lost = Attachment(
            complaint_id=complaint.id,
            stored_name="c" * 32,
            media_type="image/png",
            size=10,
            chunked=False,
        )
        session.add(lost)
        session.commit()
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    assert "Download file 1" in reviewer.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    response = reviewer.get(f"/review/cases/{code[:4]}/files/{lost.id}")
    assert response.status_code == HTTPStatus.NOT_FOUND
