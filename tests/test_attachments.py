"""Photos and documents: metadata stripped on the server, stored encrypted, downloaded only by
the board. The sample files are made here with real EXIF GPS, author and maker fields."""

from __future__ import annotations

import io
import re
from http import HTTPStatus

import pytest
from flask import Flask, url_for
from PIL import ExifTags, Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.models import Attachment, AttachmentBlob
from portal.security import attachments
from tests.board import Board, csrf
from tests.builders import (
    AUTHOR,
    MAKER,
    PLANTED,
    bomb_png,
    count,
    dump_database,
    exif_with_gps,
    hostile_pdf,
    huge_webp,
    long_pdf,
    pdf_contents,
    pdf_with_author,
    photo,
    signed_in,
)
from tests.conftest import Participant


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_images_lose_gps_author_and_maker(kind: str) -> None:
    cleaned = attachments.clean(photo(kind))
    assert AUTHOR.encode() not in cleaned.data
    assert MAKER.encode() not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.size == (64, 48)
        exif = image.getexif()
        assert not exif
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert "icc_profile" not in image.info
        assert "xmp" not in image.info


def test_heic_photos_are_taken_as_jpeg_without_metadata() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()  # only to write the sample: the portal opens it in a child
    out = io.BytesIO()
    try:
        Image.new("RGB", (64, 48), "blue").save(out, format="HEIF", exif=exif_with_gps())
    except (OSError, KeyError, ValueError) as error:  # no encoder in this build
        pytest.skip(f"pillow_heif cannot write HEIC here: {error}")
    del pillow_heif
    cleaned = attachments.clean(out.getvalue())
    assert cleaned.media_type == "image/jpeg"
    assert AUTHOR.encode() not in cleaned.data


def test_pdfs_lose_their_document_information() -> None:
    cleaned = attachments.clean(pdf_with_author())
    assert AUTHOR.encode() not in cleaned.data
    assert MAKER.encode() not in cleaned.data
    reader = PdfReader(io.BytesIO(cleaned.data))
    assert len(reader.pages) == 1
    assert not reader.metadata
    assert reader.xmp_metadata is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text pretending to be a photo", "type"),
        (b"\xff\xd8\xff" + b"not really a jpeg", "unreadable"),
        (b"%PDF-1.7 broken", "pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (attachments.MAX_BYTES + 1), "too_big"),
    ],
)
def test_the_type_is_judged_by_content_and_bad_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(attachments.FileRefused) as refused:
        attachments.clean(data)
    assert refused.value.reason == reason


def test_files_sent_with_a_complaint_are_encrypted_and_board_downloads_are_clean(
    app: Flask,
    board: Board,
    client,
    config,
) -> None:
    code = Participant(client).file_and_get_code(
        files=[
            (io.BytesIO(photo("JPEG")), "IMG_2041.jpg"),
            (io.BytesIO(pdf_with_author()), "a.pdf"),
        ]
    )
    # Nothing on the app server's disk: the sealed bytes are rows of the database.
    assert not (config.instance_path / "uploads").exists()
    with app.app_context():
        pieces = db.session().scalars(select(AttachmentBlob.data)).all()
        names = db.session().scalars(select(Attachment.stored_name)).all()
    assert len(pieces) == 2
    for data in pieces:
        assert not data.startswith(b"\xff\xd8\xff")
        assert not data.startswith(b"%PDF")
        assert AUTHOR.encode() not in data
    assert not any("IMG_2041" in name for name in names)
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    page = reviewer.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert "Download file 1" in page
    with app.app_context():
        # Ids are random (they must not tell the order things came in): find the photo.
        photo_file = (
            db.session()
            .scalars(select(Attachment).where(Attachment.media_type == "image/jpeg"))
            .one()
        )
    response = reviewer.get(f"/review/cases/{code[:4]}/files/{photo_file.id}")
    assert response.status_code == HTTPStatus.OK
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as image:
        assert not image.getexif()
    assert AUTHOR.encode() not in response.data


def test_a_refused_file_keeps_everything_else_the_person_wrote(app: Flask, client) -> None:
    response = Participant(client).file(
        narrative="My words stay here.", files=[(io.BytesIO(b"hello"), "photo.jpg")]
    )
    page = response.get_data(as_text=True)
    assert "We can take photos" in page
    assert "My words stay here." in page
    with app.app_context():
        assert db.session().scalars(select(Attachment)).first() is None


def test_more_than_three_files_are_refused(client) -> None:
    files = [(io.BytesIO(photo("PNG")), f"p{i}.png") for i in range(4)]
    page = Participant(client).file(files=files).get_data(as_text=True)
    assert "Please choose 3 files at most." in page


def test_withdrawing_with_deletion_erases_the_files(app: Flask, client) -> None:
    person = Participant(client)
    code = person.file_and_get_code(files=[(io.BytesIO(photo("PNG")), "p.png")])
    with app.app_context():
        [sealed] = db.session().scalars(select(AttachmentBlob.data)).all()
    person.check(code)
    client.post(
        "/case/withdraw",
        data={"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"},
    )
    assert count(app, AttachmentBlob) == 0
    with app.app_context():
        assert db.session().scalars(select(Attachment)).first() is None
    # A copy of the database taken now (on SQLite its very file, freed pages included) holds
    # none of the file's bytes.
    assert sealed[20:80].decode("latin-1") not in dump_database(app)


# --- PDFs rebuilt from pixels, decoding held to limits ----------------------------------------

# Strings planted in every hiding place of the hostile PDF; none may reach the board.
# PDF keys that carry scripts, links, attachments, forms, annotations or metadata.
FORBIDDEN_KEYS = {
    "/JS",
    "/JavaScript",
    "/URI",
    "/OpenAction",
    "/AA",
    "/Names",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/EF",
    "/AcroForm",
    "/Metadata",
    "/Annots",
    "/Font",
    "/Info",
}


def board_downloads(app: Flask, board: Board, code: str) -> list:
    """Every file of the complaint, downloaded as a reviewer would, through the case page."""
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    with app.test_request_context():
        case = url_for("review.case_page", locator=code[:4])
    page = reviewer.get(case).get_data(as_text=True)
    links = re.findall(r'href="([^"]*/files/\d+)"', page)
    assert links
    return [reviewer.get(link) for link in links]


def test_a_hostile_pdf_reaches_the_board_as_pictures_of_its_pages(
    app: Flask,
    board: Board,
    client,
) -> None:
    code = Participant(client).file_and_get_code(files=[(io.BytesIO(hostile_pdf()), "a.pdf")])
    [download] = board_downloads(app, board, code)
    assert download.status_code == HTTPStatus.OK
    assert download.mimetype == attachments.PDF
    found = pdf_contents(download.data)
    assert not found.names & FORBIDDEN_KEYS
    for marker in PLANTED:
        assert marker.encode() not in found.text, marker
        assert marker.encode("utf-16-be") not in found.text, marker
    assert not found.exif
    assert b"Exif" not in found.text
    # One page, which still shows what it showed: dark text at the top, the red photo below.
    [page] = found.pages
    picture = page.convert("RGB").resize((612, 792))
    text_box = picture.crop((40, 50, 440, 95))  # y from the top: 792 - 740 .. 792 - 697
    darkest, _ = text_box.convert("L").getextrema()
    assert darkest < 60
    red = picture.getpixel((160, 300))  # the middle of the photo: 792 - 490
    assert red[0] > 180 > red[1] + red[2]
    assert min(picture.getpixel((560, 40))) > 240  # the margin is blank paper


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("a password only the sender knows", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog", "We could not safely clean one of the"),
        (encrypted_pdf, "One PDF is locked with a password."),
        (lambda: long_pdf(attachments.MAX_PAGES + 1), "One PDF has more than 20 pages."),
        (huge_webp, "One file is too large for us to open."),
        (bomb_png, "One file is too large for us to open."),
    ],
    ids=["corrupt-pdf", "locked-pdf", "long-pdf", "huge-webp", "bomb-png"],
)
def test_files_that_cannot_be_opened_safely_are_refused_kindly_and_the_words_stay(
    app: Flask,
    client,
    make,
    message: str,
) -> None:
    response = Participant(client).file(
        narrative="My words stay here.", files=[(io.BytesIO(make()), "file")]
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.OK
    assert message in page
    assert "Please choose the files again" in page
    assert "My words stay here." in page
    with app.app_context():
        assert db.session().scalars(select(Attachment)).first() is None


def phone_photo_24mp() -> bytes:
    """A picture as large as the newest phones take (5712 x 4284), under 1 MB as a file."""
    out = io.BytesIO()
    Image.new("RGB", (5712, 4284), (30, 60, 90)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("limit", "value"),
    [("CHILD_MEMORY_BYTES", 128 * 1024 * 1024), ("CHILD_WALL_SECONDS", 0.001)],
    ids=["memory", "wall-clock"],
)
def test_a_file_that_needs_more_than_the_decoder_may_use_is_refused_as_too_large(
    app: Flask,
    client,
    monkeypatch: pytest.MonkeyPatch,
    limit: str,
    value: float,
) -> None:
    photo_data = phone_photo_24mp()
    assert Participant(client).file_and_get_code(files=[(io.BytesIO(photo_data), "p.jpg")])
    monkeypatch.setattr(attachments, limit, value)
    response = Participant(app.test_client()).file(
        narrative="My words stay here.", files=[(io.BytesIO(photo_data), "p.jpg")]
    )
    page = response.get_data(as_text=True)
    assert "One file is too large for us to open." in page
    assert "My words stay here." in page
    with app.app_context():
        assert len(db.session().scalars(select(Attachment)).all()) == 1


@pytest.mark.parametrize("make", [hostile_pdf, pdf_with_author], ids=["hostile", "author"])
def test_the_worker_keeps_no_pdf_from_the_decoder_that_holds_more_than_pictures(make) -> None:
    # Should the decoder ever hand back the file it was given (a bug, or a decoder someone
    # broke into), the worker's own look at the structure still refuses it.
    with pytest.raises(attachments.FileRefused) as refused:
        attachments._check_rebuilt_pdf(make())
    assert refused.value.reason == "pdf"
