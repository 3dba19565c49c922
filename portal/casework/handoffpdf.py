"""The hand-off as one PDF, made with pypdf and Pillow (both already used for attachments).

The words are set in Courier, one of the fonts every PDF reader carries, so no font file is
embedded and the lines can be wrapped by counting characters. Each photo follows on a page of
its own (drawn again as a JPEG of its pixels); a PDF's pages follow as they are (the portal's
decoder already rebuilt them from pictures alone).

Nothing in the file says who made it, with what, on which machine or when: no /Info
dictionary, no XMP /Metadata, no /ID, no dates. Its own words are the only text in it.
"""

from __future__ import annotations

import io
import textwrap
import unicodedata
from collections.abc import Sequence

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

PAGE_W, PAGE_H = 612, 792  # US Letter, in points
MARGIN = 54
SIZE, LEADING = 10, 14
TITLE_SIZE = 14
# Courier's glyphs are all 0.6 em wide.
COLUMNS = int((PAGE_W - 2 * MARGIN) / (0.6 * SIZE))
ROWS = int((PAGE_H - 2 * MARGIN) / LEADING) - 2
PICTURE_MAX = 2000  # pixels on the long side: enough to read, small enough to send
PREVIEW_MAX = 120  # the person's preview on their case page
PDF = "application/pdf"


def _encoded(line: str) -> bytes:
    """WinAnsi (cp1252) bytes, as the standard fonts read them; a character outside it is
    decomposed (ñ stays ñ, ﬁ becomes fi) or else shown as "?"."""
    out = bytearray()
    for char in line:
        for candidate in (char, unicodedata.normalize("NFKD", char)):
            try:
                out += candidate.encode("cp1252")
                break
            except UnicodeEncodeError:
                continue
        else:
            out += b"?"
    return bytes(out).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def wrap(text: str) -> list[str]:
    """Lines of at most COLUMNS characters; the writer's own line breaks are kept."""
    lines: list[str] = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        lines.extend(
            textwrap.wrap(
                paragraph.expandtabs(4), COLUMNS, break_long_words=True, replace_whitespace=False
            )
            or [""]
        )
    return lines


def _stream(writer: PdfWriter, data: bytes) -> object:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream.flate_encode())  # noqa: SLF001 (pypdf's way to add one)


def _fonts(writer: PdfWriter) -> DictionaryObject:
    fonts = DictionaryObject()
    for name, base in (("/F1", "/Courier"), ("/F2", "/Courier-Bold")):
        fonts[NameObject(name)] = writer._add_object(  # noqa: SLF001
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject(base),
                    NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
                }
            )
        )
    return fonts


def _text_pages(writer: PdfWriter, title: str, lines: Sequence[tuple[bool, str]]) -> None:
    """Pages of text; each line is (bold, words). The title heads the first page."""
    fonts = _fonts(writer)
    pages = [lines[i : i + ROWS] for i in range(0, len(lines), ROWS)] or [[]]
    for number, chunk in enumerate(pages):
        ops = [b"BT", f"{MARGIN} {PAGE_H - MARGIN} Td".encode()]
        if number == 0:
            ops += [f"/F2 {TITLE_SIZE} Tf".encode(), b"(" + _encoded(title) + b") Tj"]
            ops += [f"0 -{LEADING * 2} Td".encode()]
        for bold, words in chunk:
            font = "/F2" if bold else "/F1"
            ops += [f"{font} {SIZE} Tf".encode(), b"(" + _encoded(words) + b") Tj"]
            ops += [f"0 -{LEADING} Td".encode()]
        ops.append(b"ET")
        page = writer.add_blank_page(PAGE_W, PAGE_H)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        page[NameObject("/Contents")] = _stream(writer, b"\n".join(ops))


def _jpeg(data: bytes, longest: int, quality: int) -> tuple[bytes, int, int]:
    """A photo (already cleaned by the portal's decoder) drawn again as a JPEG on white, at
    most `longest` pixels on its long side: (bytes, width, height)."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        picture = opened.convert("RGBA") if opened.mode in ("P", "LA", "RGBA") else opened
        if picture.mode == "RGBA":
            flat = Image.new("RGB", picture.size, "white")
            flat.paste(picture, mask=picture.getchannel("A"))
            picture = flat
        picture = picture.convert("RGB")
        picture.thumbnail((longest, longest))
        jpeg = io.BytesIO()
        picture.save(jpeg, format="JPEG", quality=quality)
        return jpeg.getvalue(), *picture.size


def thumbnail(data: bytes) -> bytes:
    """A small preview of a photo for the person's page (a few kilobytes)."""
    return _jpeg(data, PREVIEW_MAX, 70)[0]


def _picture_page(writer: PdfWriter, data: bytes) -> None:
    jpeg, width, height = _jpeg(data, PICTURE_MAX, 85)
    image = StreamObject()
    image._data = jpeg  # noqa: SLF001 (already DCT-encoded: written as it is)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(width),
            NameObject("/Height"): NumberObject(height),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
        }
    )
    room_w, room_h = PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN
    scale = min(room_w / width, room_h / height)
    drawn_w, drawn_h = width * scale, height * scale
    x, y = (PAGE_W - drawn_w) / 2, (PAGE_H - drawn_h) / 2
    page = writer.add_blank_page(PAGE_W, PAGE_H)
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/XObject"): DictionaryObject(
                {NameObject("/Im1"): writer._add_object(image)}  # noqa: SLF001
            ),
            NameObject("/ProcSet"): ArrayObject([NameObject("/PDF"), NameObject("/ImageC")]),
        }
    )
    drawing = f"q {drawn_w:.2f} 0 0 {drawn_h:.2f} {x:.2f} {y:.2f} cm /Im1 Do Q".encode()
    page[NameObject("/Contents")] = _stream(writer, drawing)


def _pdf_pages(writer: PdfWriter, data: bytes) -> None:
    for page in PdfReader(io.BytesIO(data)).pages:
        added = writer.add_page(page)
        for key in ("/Metadata", "/PieceInfo", "/LastModified", "/Annots"):
            added.pop(NameObject(key), None)


def build(
    title: str, lines: Sequence[tuple[bool, str]], files: Sequence[tuple[str, bytes]]
) -> bytes:
    """The PDF: the text pages, then each file. `lines` are already wrapped (see `wrap`)."""
    writer = PdfWriter()
    _text_pages(writer, title, lines)
    for media_type, data in files:
        if media_type == PDF:
            _pdf_pages(writer, data)
        else:
            _picture_page(writer, data)
    writer.metadata = None  # no /Info: no producer, no dates
    writer._ID = None  # noqa: SLF001 (no file identifier)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
