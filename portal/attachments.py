"""Photos and documents sent with a complaint.

A phone photo carries the place it was taken (GPS), the phone's make and serial, the time to
the second and often the owner's name; a PDF carries its author. None of that may reach the
server's disk. So every file is checked by its content (never its name), images are decoded
and drawn again from their pixels alone with Pillow, PDFs are rebuilt page by page with pypdf
without their document information or XMP metadata (or refused if that cannot be done
safely), and what is left is encrypted with the complaint's data key and stored under a
random name.
"""

from __future__ import annotations

import dataclasses
import io
import os
import secrets
import time
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from portal import crypto

try:  # HEIC, the iPhone's format, needs a decoder that is not always installed.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC = True
except ImportError:  # pragma: no cover - depends on the machine
    HEIC = False

MAX_FILES = 3
MAX_BYTES = 8 * 1024 * 1024
# Refuse images that decode to more pixels than this (a "decompression bomb").
MAX_PIXELS = 40_000_000
FOLDER = "uploads"
LABEL = "attachment"

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", PDF: "pdf"}


class FileRefused(ValueError):
    """The file cannot be taken; `reason` is a key for a kind message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Clean:
    """A file with every piece of metadata removed, ready to encrypt."""

    media_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """What a file really is, from its first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def clean(data: bytes) -> Clean:
    """Check and strip one uploaded file. Raises FileRefused."""
    if len(data) > MAX_BYTES:
        raise FileRefused("too_big")
    kind = sniff(data)
    if kind == PDF:
        return Clean(PDF, _clean_pdf(data))
    if kind in (JPEG, PNG, WEBP) or (kind == "image/heic" and HEIC):
        return _clean_image(data, kind)
    raise FileRefused("type")


def _clean_image(data: bytes, kind: str) -> Clean:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise FileRefused("too_big")
                # Turn the picture the way the phone meant, before its EXIF goes.
                upright = ImageOps.exif_transpose(image)
                mode = "RGBA" if upright.mode in ("RGBA", "LA", "P") and kind != JPEG else "RGB"
                upright = upright.convert(mode)
                # A new image from the pixels alone: no EXIF, GPS, XMP, ICC or maker notes.
                pixels = Image.frombytes(mode, upright.size, upright.tobytes())
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ) as error:
            raise FileRefused("unreadable") from error
    out = io.BytesIO()
    if kind == PNG:
        pixels.save(out, format="PNG", optimize=True)
        return Clean(PNG, out.getvalue())
    if kind == WEBP:
        pixels.save(out, format="WEBP", quality=85)
        return Clean(WEBP, out.getvalue())
    pixels.convert("RGB").save(out, format="JPEG", quality=85)
    return Clean(JPEG, out.getvalue())


def _clean_pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise FileRefused("pdf")
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        for page in writer.pages:
            for key in ("/Metadata", "/PieceInfo", "/Thumb"):
                if key in page:
                    del page[key]
        # No document information at all: not even pypdf's own "Producer" line.
        writer._info = None  # noqa: SLF001  pypdf has no public way to drop /Info
        out = io.BytesIO()
        writer.write(out)
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise FileRefused("pdf") from error
    cleaned = out.getvalue()
    if b"/Author" in cleaned or b"/Producer" in cleaned or b"<x:xmpmeta" in cleaned:
        raise FileRefused("pdf")
    return cleaned


# --- storing -------------------------------------------------------------------------------


def folder(instance_path: Path) -> Path:
    path = instance_path / FOLDER
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def store(instance_path: Path, data_key: bytes, cleaned: Clean) -> str:
    """Encrypt and write a cleaned file; returns its random stored name."""
    name = secrets.token_hex(16)
    sealed = crypto.encrypt(data_key, cleaned.data, f"{LABEL}:{name}")
    target = folder(instance_path) / name
    with open(target, "xb") as handle:
        handle.write(sealed)
        handle.flush()
        os.fsync(handle.fileno())
    # The file's own times would date the filing to the second; the start of the day will do.
    day = int(time.time()) // 86400 * 86400
    os.utime(target, (day, day))
    return name


def load(instance_path: Path, data_key: bytes, stored_name: str) -> bytes:
    sealed = (folder(instance_path) / stored_name).read_bytes()
    return crypto.decrypt(data_key, sealed, f"{LABEL}:{stored_name}")


def erase(instance_path: Path, stored_name: str) -> None:
    """Overwrite, then remove. (On flash storage an overwrite may land elsewhere; the file was
    encrypted with a key that is deleted too, which is what really protects it.)"""
    path = folder(instance_path) / stored_name
    if not path.exists():
        return
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()
