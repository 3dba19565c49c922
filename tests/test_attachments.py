"""Photos and documents: metadata stripped on the server, stored encrypted, downloaded only by
the board. The sample files are made here with real EXIF GPS, author and maker fields."""

from __future__ import annotations

import io
from http import HTTPStatus

import pytest
from flask import Flask
from PIL import ExifTags, Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from portal import attachments, db
from portal.accounts import Role
from portal.models import Attachment
from tests.board import Board, csrf
from tests.conftest import Participant
from tests.test_cases import signed_in

AUTHOR = "Officer Jane Watcher"
MAKER = "SpyPhone Industries"


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = AUTHOR
    exif[ExifTags.Base.Make] = MAKER
    exif[ExifTags.Base.Copyright] = AUTHOR
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (47.0, 36.0, 22.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (122.0, 20.0, 1.0),
    }
    return exif


def photo(kind: str) -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, format="JPEG", exif=exif_with_gps(), comment=AUTHOR.encode())
    elif kind == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Author", AUTHOR)
        image.save(out, format="PNG", pnginfo=info, exif=exif_with_gps())
    else:
        image.save(out, format=kind, exif=exif_with_gps())
    data = out.getvalue()
    assert AUTHOR.encode() in data  # the sample really carries the details
    return data


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": AUTHOR, "/Creator": MAKER, "/Title": "statement"})
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert AUTHOR.encode() in data
    return data


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
    config,  # noqa: ANN001
) -> None:
    code = Participant(client).file_and_get_code(
        files=[
            (io.BytesIO(photo("JPEG")), "IMG_2041.jpg"),
            (io.BytesIO(pdf_with_author()), "a.pdf"),
        ]
    )
    stored = list((config.instance_path / attachments.FOLDER).iterdir())
    assert len(stored) == 2
    for path in stored:
        data = path.read_bytes()
        assert not data.startswith(b"\xff\xd8\xff")
        assert not data.startswith(b"%PDF")
        assert AUTHOR.encode() not in data
        assert "IMG_2041" not in path.name
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    page = reviewer.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert "Download file 1" in page
    with app.app_context():
        first = db.session().scalars(select(Attachment).order_by(Attachment.id)).first()
    response = reviewer.get(f"/review/cases/{code[:4]}/files/{first.id}")
    assert response.status_code == HTTPStatus.OK
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as image:
        assert not image.getexif()
    assert AUTHOR.encode() not in response.data


def test_a_refused_file_keeps_everything_else_the_person_wrote(app: Flask, client) -> None:  # noqa: ANN001
    response = Participant(client).file(
        narrative="My words stay here.", files=[(io.BytesIO(b"hello"), "photo.jpg")]
    )
    page = response.get_data(as_text=True)
    assert "We can take photos" in page
    assert "My words stay here." in page
    with app.app_context():
        assert db.session().scalars(select(Attachment)).first() is None


def test_more_than_three_files_are_refused(client) -> None:  # noqa: ANN001
    files = [(io.BytesIO(photo("PNG")), f"p{i}.png") for i in range(4)]
    page = Participant(client).file(files=files).get_data(as_text=True)
    assert "Please choose 3 files at most." in page


def test_withdrawing_with_deletion_erases_the_files(app: Flask, client, config) -> None:  # noqa: ANN001
    person = Participant(client)
    code = person.file_and_get_code(files=[(io.BytesIO(photo("PNG")), "p.png")])
    assert list((config.instance_path / attachments.FOLDER).iterdir())
    person.check(code)
    client.post(
        "/case/withdraw",
        data={"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"},
    )
    assert list((config.instance_path / attachments.FOLDER).iterdir()) == []
    with app.app_context():
        assert db.session().scalars(select(Attachment)).first() is None
