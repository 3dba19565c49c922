"""Small builders the test modules share: a complaint filed, a member signed in, an action
posted, the files people send. Each does one thing the way a person or the board would."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import zlib

from flask import Flask
from flask.testing import FlaskClient
from PIL import ExifTags, Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
    TextStringObject,
)
from sqlalchemy import MetaData, Table, func, inspect, select, text

from portal import create_app, db
from portal.board.accounts import Role
from portal.casework import complaints
from portal.config import Config
from portal.figures import (
    figurerefresh,
)
from portal.models import (
    Account,
    CaseLink,
    Complaint,
)
from portal.security import claimcodes
from portal.site import Site
from tests.board import Board, csrf
from tests.conftest import FakeClock, Participant, hidden_value
from tests.figuredata import many, survey

NARRATIVE = "PLANTED-ADVOCATE-NARRATIVE the worker at the clinic yelled at me"


def consent(client: FlaskClient) -> None:
    response = client.post(
        "/review/assist", data={"csrf_token": csrf(client, "/review/assist"), "confirm": "y"}
    )
    assert response.headers["Location"] == "/file"


def assisted_filing(client: FlaskClient, **fields: str):
    consent(client)
    page = client.get("/file").get_data(as_text=True)
    data = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "form_token": hidden_value(page, "form_token"),
        "narrative": NARRATIVE,
        **fields,
    }
    return client.post("/file", data=data)


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


def phone_photo(at_most: int, seed: int = 0) -> bytes:
    """A 12-megapixel JPEG of `at_most` bytes or a little under, as large as a phone sends,
    with GPS and the maker in its EXIF. Noise, so it does not shrink when drawn again."""
    noise = random.Random(seed)  # noqa: S311  (pixels, not a secret: the same photo each run)
    width, height = 4000, 3000
    while True:
        pixels = Image.frombytes("RGB", (width, height), noise.randbytes(width * height * 3))
        out = io.BytesIO()
        pixels.save(out, format="JPEG", quality=85, exif=exif_with_gps())
        if out.tell() <= at_most:
            return out.getvalue()
        height = int(height * at_most / out.tell() * 0.995)


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": AUTHOR, "/Creator": MAKER, "/Title": "statement"})
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert AUTHOR.encode() in data
    return data


SERIAL = "SN-PLANTED-4471"


OWNER = "Owner Planted Person"


PLANTED = [
    AUTHOR,
    MAKER,
    SERIAL,
    OWNER,
    "PLANTED-OPEN-JS",
    "PLANTED-LINK-JS",
    "planted.example",
    "PLANTED-ATTACHMENT",
    "PLANTED-FORM-VALUE",
    "PLANTED-XMP",
    "BOARD SEES THIS",  # the page's text stays visible, but only as pixels
]


def camera_jpeg() -> bytes:
    """A red photo whose EXIF holds GPS, the camera's make, model, serial and owner."""
    exif = exif_with_gps()
    exif[ExifTags.Base.Model] = MAKER
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.BodySerialNumber] = SERIAL
    exif_ifd[ExifTags.Base.CameraOwnerName] = OWNER
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (220, 20, 20)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def build_pdf(objects: list[bytes], trailer: bytes) -> bytes:
    """A PDF file of these objects (numbered from 1), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d " % (len(objects) + 1) + trailer + b" >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(entries: bytes, data: bytes, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data)
        entries += b" /Filter /FlateDecode"
    return b"<< %s /Length %d >>\nstream\n" % (entries, len(data)) + data + b"\nendstream"


def hostile_pdf() -> bytes:
    """One letter-size page: big black text at the top, the camera photo below it, and behind
    it a script that runs on opening, a link with an address and a script, a form field, an
    attached file, XMP metadata in a compressed stream and the document's author."""
    photo_bytes = camera_jpeg()
    text = b"BT /F1 40 Tf 40 700 Td (BOARD SEES THIS) Tj ET q 240 0 0 180 40 400 cm /Im1 Do Q"
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description dc:creator="' + AUTHOR.encode() + b'" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/">PLANTED-XMP</rdf:Description>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    objects = [
        # 1 catalog
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /AcroForm << /Fields [8 0 R] >>"
        b" /Names << /EmbeddedFiles << /Names [(statement.txt) 9 0 R] >>"
        b" /JavaScript << /Names [(open) 6 0 R] >> >> /Metadata 11 0 R >>",
        # 2 pages
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        # 3 the page
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 7 0 R"
        b" /Resources << /Font << /F1 4 0 R >> /XObject << /Im1 5 0 R >> >>"
        b" /Annots [12 0 R 8 0 R] /AA << /O 6 0 R >> >>",
        # 4 font
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        # 5 the photo, as the camera made it
        stream(
            b"/Type /XObject /Subtype /Image /Width 120 /Height 90 /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter /DCTDecode",
            photo_bytes,
        ),
        # 6 a script run on opening
        b"<< /Type /Action /S /JavaScript /JS (app.alert\\('PLANTED-OPEN-JS'\\)) >>",
        # 7 what the page draws, compressed
        stream(b"", text, compress=True),
        # 8 a form field
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /V (PLANTED-FORM-VALUE)"
        b" /Rect [40 100 300 130] /P 3 0 R >>",
        # 9 an attached file
        b"<< /Type /Filespec /F (statement.txt) /EF << /F 10 0 R >> >>",
        # 10 its contents
        stream(b"/Type /EmbeddedFile", b"PLANTED-ATTACHMENT " + AUTHOR.encode(), compress=True),
        # 11 XMP metadata, compressed so a plain byte search cannot see it
        stream(b"/Type /Metadata /Subtype /XML", xmp, compress=True),
        # 12 a link with an address and a script
        b"<< /Type /Annot /Subtype /Link /Rect [40 690 500 740] /Border [0 0 0]"
        b" /A << /S /URI /URI (https://planted.example/track)"
        b" /Next << /S /JavaScript /JS (PLANTED-LINK-JS) >> >> >>",
        # 13 document information
        b"<< /Author (" + AUTHOR.encode() + b") /Creator (" + MAKER.encode() + b") >>",
    ]
    data = build_pdf(objects, b"/Root 1 0 R /Info 13 0 R")
    # The sample really carries it all: pypdf reads the photo's GPS and the planted names.
    found = pdf_contents(data)
    assert {"/JS", "/URI", "/EmbeddedFiles", "/AcroForm", "/Metadata", "/Annots"} <= found.names
    assert all(marker.encode() in found.text for marker in PLANTED)
    assert found.exif
    assert found.exif[0].get_ifd(ExifTags.IFD.GPSInfo)
    return data


@dataclasses.dataclass
class PdfContents:
    names: set[str]  # every name used as a key or a value, anywhere in the file
    text: bytes  # every string and every decompressed stream
    exif: list[Image.Exif]  # the EXIF of every JPEG picture that has one
    pages: list[Image.Image]  # the picture each page draws, when it draws one


def pdf_contents(data: bytes) -> PdfContents:
    """Everything a PDF holds: every object read, every stream decompressed."""
    reader = PdfReader(io.BytesIO(data))
    found = PdfContents(set(), data, [], [])
    texts = [data]
    seen: set[int] = set()

    def walk(value: object) -> None:
        if isinstance(value, IndirectObject):
            if value.idnum in seen:
                return
            seen.add(value.idnum)
            value = value.get_object()
        if isinstance(value, NameObject):
            found.names.add(str(value))
        elif isinstance(value, (TextStringObject, ByteStringObject)):
            texts.append(value.original_bytes)
        if isinstance(value, DictionaryObject):
            for key, item in value.items():
                found.names.add(str(key))
                walk(item)
        elif isinstance(value, ArrayObject):
            for item in value:
                walk(item)
        if isinstance(value, StreamObject):
            decoded = value.get_data()
            texts.append(decoded)
            if value.get("/Filter") == "/DCTDecode":
                with Image.open(io.BytesIO(value._data)) as picture:  # raw JPEG
                    exif = picture.getexif()
                    if exif:
                        found.exif.append(exif)

    walk(reader.trailer)
    for number in range(1, int(reader.trailer["/Size"])):
        walk(IndirectObject(number, 0, reader))
    for page in reader.pages:
        found.pages.extend(image.image for image in page.images)
    found.text = b"\n".join(texts)
    return found


def long_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        return dict(db.session().execute(select(Account.username, Account.id)).all())


def post_admin(client: FlaskClient, path: str, **data: str) -> str:
    token = csrf(client, "/review/admin/accounts")
    response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)
    return response.get_data(as_text=True)


def file_directly(app: Flask, clock, **fields: str) -> str:
    """A complaint stored through the domain function, as the form would; returns its code."""
    from portal.security import receipts

    values = complaints.NewComplaint(
        narrative=fields.pop("narrative", "Something happened."), **fields
    )
    with app.app_context():
        filed = complaints.file_complaint(
            db.session(),
            app.extensions["portal.hasher"],
            values,
            receipts.new_token(),
            clock.moment,
        )
    return filed.code


def signed_in(app: Flask, board: Board, role: Role, name: str) -> FlaskClient:
    client = app.test_client()
    board.sign_in(client, board.member(role, name))
    return client


def act(client: FlaskClient, locator: str, action: str, **data: str):
    token = csrf(client, f"/review/cases/{locator}")
    return client.post(f"/review/cases/{locator}/{action}", data={"csrf_token": token, **data})


def complainant_page(client: FlaskClient, code: str) -> str:
    Participant(client).check(code)
    return client.get("/case").get_data(as_text=True)


def dump_database(app: Flask) -> str:
    """Every value in every table, and for SQLite the raw file bytes too."""
    with app.app_context():
        session = db.session()
        rows = []
        for table in inspect(session.get_bind()).get_table_names():
            rows += [repr(tuple(r)) for r in session.execute(text(f'SELECT * FROM "{table}"'))]  # noqa: S608
        session.execute(text("SELECT 1"))
        url = app.extensions["portal.config"].database_url
    raw = ""
    if url.startswith("sqlite:///"):
        engine = app.extensions["portal.db"].engine
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = url.removeprefix("sqlite:///")
        with open(path, "rb") as handle:
            raw = handle.read().decode("latin-1")
    return "\n".join(rows) + raw


def other_secret(code: str) -> str:
    """Same locator, another secret, valid check character: a real guess."""
    return claimcodes.new_code(code[:4]).display


D = dt.date


PERIODS = ("2025Q4", "2026Q1", "2026Q2", "2026Q3", "last-12-months")


def fill(app: Flask) -> None:
    """A year of complaints, big enough that most figures show."""
    with app.app_context():
        session = db.session()
        for month in (10, 1, 4, 7):
            year = 2025 if month == 10 else 2026
            start = D(year, month, 2)
            many(session, 14, start, kind="police", actor="police", race="black",
                 gender="man", status="resolved", disposition="substantiated",
                 answered_after=2, decided_after=20)  # fmt: skip
            many(session, 11, start, kind="provider", actor="provider", race="white",
                 gender="woman", status="in_review", answered_after=5)  # fmt: skip
            many(session, 2, start, kind="sexual", actor="police", race="latino",
                 gender="trans_woman", status="withdrawn", disposition="withdrawn")  # fmt: skip
        survey(session, "2026Q3", "yes", "yes", "yes")
        session.commit()


def correct_q3(app: Flask) -> None:
    """An admin's correction: 2026Q3 counted afresh as a new release."""
    result = app.test_cli_runner().invoke(args=["figures-release", "2026Q3", "--yes"])
    assert result.exit_code == 0, result.output
    assert "is published" in result.output


def later_passes(warmer: figurerefresh.Warmer) -> None:
    """Until a whole keep-warm pass (the year, then every quarter) began after this call."""
    for _ in range(3):
        warmer.counted.clear()
        assert warmer.counted.wait(timeout=30)


def another_process(app: Flask, config: Config, site: Site, clock: FakeClock) -> Flask:
    """A second server process on the same database, with nothing in its memory."""
    other = create_app(config, site=site, now=clock)
    other.extensions["portal.db"].engine.dispose()  # no connection shared with `app`
    return other


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def link_id(app: Flask, new_locator: str) -> int:
    with app.app_context():
        return db.session().scalar(
            select(CaseLink.id)
            .join(Complaint, Complaint.id == CaseLink.new_id)
            .where(Complaint.locator == new_locator)
            .order_by(CaseLink.id.desc())
        )


def approve(client: FlaskClient, app: Flask, new_locator: str):
    return act(client, new_locator, f"links/{link_id(app, new_locator)}/approve")


def insert_row(engine, table: str, **values: object) -> None:
    """Insert a row, filling each required column nobody named with a plain value."""
    day = dt.date(2026, 1, 1)
    plain = {"INTEGER": 1, "BOOLEAN": False, "DATE": day, "DATETIME": dt.datetime(2026, 1, 1)}
    for column in inspect(engine).get_columns(table):
        needed = not column["nullable"] and column["default"] is None
        if needed and column["name"] not in values and column["name"] != "id":
            kind = str(column["type"]).split("(")[0]
            values[column["name"]] = plain.get(kind, b"" if "BLOB" in kind else "x")
    with engine.begin() as connection:
        connection.execute(Table(table, MetaData(), autoload_with=engine).insert(), values)


FORM = {
    "program_name": "Riverside LEAD",
    "neutral_title": "Garden club notes",
    "quick_exit_url": "https://news.example/",
    "public_address": "https://notes.example.org/",
    "agencies": "Riverside Police\nRiver County Sheriff",
    "help_resources": "Crisis line | Call any time | 555-0199 | 24 hours\nFood bank",
    "suppression_threshold": "10",
    "pattern_threshold": "3",
    "retention_closed_days": "365",
    "retention_unopened_days": "180",
    "kiosk_idle_seconds": "120",
    "smtp_host": "",
    "smtp_port": "25",
    "smtp_from": "portal@localhost",
    "board_language": "en",
}


def save(client, **changes: str):
    data = {**FORM, **changes, "csrf_token": csrf(client, "/review/admin/settings")}
    return client.post("/review/admin/settings", data=data)


def bomb_png() -> bytes:
    """A small PNG file whose header says 20,000 x 20,000 pixels (400 million)."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")
    return out.getvalue()


def huge_webp() -> bytes:
    """The issue's file: 6320 x 6320 pixels in about 70 KB."""
    out = io.BytesIO()
    Image.new("RGB", (6320, 6320), (90, 120, 150)).save(out, format="WEBP")
    return out.getvalue()
