"""The child process that opens uploaded files: `python -I decoder.py KIND < file > result`.

A photo or PDF sent to the portal is hostile until proven otherwise: a 71 KB WebP can unpack
to 40 million pixels, a PDF can carry scripts, links, attached files and a photo with its GPS.
So the web worker never opens one itself. It starts this small program (portal.security.attachments
does), which first limits its own memory, CPU time, file writes and core dumps with
`resource`, and only then imports Pillow and PDFium and reads the file from standard input.
A file that needs more than that is killed by the kernel, not the worker.

What comes back is drawn again from pixels alone:

- a photo becomes a new JPEG, PNG or WebP holding nothing but its pixels (turned upright
  first, the way the phone meant), so no EXIF, GPS, XMP, ICC profile or maker note survives;
- a PDF has each page rendered to a picture and a new PDF is made from those pictures, so no
  text layer, embedded image, link, script, form, attachment or metadata survives.

KIND is "pdf", or the one Pillow format the file's first bytes promised (JPEG, PNG, WEBP or
HEIF): no other decoder of Pillow's is tried on it. It writes one line, `ok <media type>`
followed by the new file, or `no <reason>` (a key of
attachments.PROBLEMS or one of the older reasons) and nothing else. It imports nothing from
the portal, so starting it does not load the web app.
"""

from __future__ import annotations

import io
import math
import resource
import sys

# Kept in step with portal.security.attachments (which passes them on the command line when they
# differ, e.g. in tests); these are the defaults when run by hand.
MEMORY_BYTES = 768 * 1024 * 1024
CPU_SECONDS = 6
MAX_PIXELS = 25_000_000
MAX_PAGES = 20
# A page is drawn at 150 dots per inch (plain to read, a letter page is 1275 x 1650), and
# never more than this many pixels, however large the page says it is.
PAGE_DPI = 150
MAX_PAGE_PIXELS = 4_000_000

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def limit_myself(memory_bytes: int, cpu_seconds: int) -> None:
    """Before any file is read: the kernel ends this process if it goes past these."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # SIGXCPU at the soft limit, SIGKILL a second later if that is ignored.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    # No core file (it would hold the decoded photo) and no file written anywhere.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


IMAGE_FORMATS = {"JPEG": JPEG, "PNG": PNG, "WEBP": WEBP, "HEIF": JPEG}


def clean_image(data: bytes, image_format: str, max_pixels: int) -> tuple[str, bytes]:
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except ImportError:  # pragma: no cover - depends on the machine
        pass
    # Pillow refuses past twice this on its own; the size is checked below before decoding.
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[image_format])
        except Image.DecompressionBombError as error:
            raise Refused("too_large") from error
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            raise Refused("unreadable") from error
        kind = IMAGE_FORMATS[image_format]
        # Only the header has been read: refuse a picture too large before it is unpacked.
        if image.width * image.height > max_pixels:
            raise Refused("too_large")
        try:
            # Turn the picture the way the phone meant, before its EXIF goes.
            upright = ImageOps.exif_transpose(image)
            alpha = kind != JPEG and (
                upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            )
            mode = "RGBA" if alpha else "RGB"
            # A new image from the pixels alone: no EXIF, GPS, XMP, ICC or maker notes.
            pixels = Image.new(mode, upright.size)
            pixels.paste(upright.convert(mode) if upright.mode != mode else upright)
            del upright
            image.close()
        except Image.DecompressionBombError as error:
            raise Refused("too_large") from error
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            raise Refused("unreadable") from error
    out = io.BytesIO()
    if kind == PNG:
        # A low zlib level: a large PNG takes a second this way, half a minute "optimized".
        pixels.save(out, format="PNG", compress_level=3)
        return PNG, out.getvalue()
    if kind == WEBP:
        pixels.save(out, format="WEBP", quality=85, method=0)
        return WEBP, out.getvalue()
    # JPEG, and HEIC (which browsers cannot show) as JPEG.
    pixels.convert("RGB").save(out, format="JPEG", quality=85)
    return JPEG, out.getvalue()


def clean_pdf(data: bytes, max_pages: int) -> tuple[str, bytes]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    from PIL import Image

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise Refused("pdf_locked") from error
        raise Refused("pdf") from error
    pages = len(document)
    if pages == 0:
        raise Refused("pdf")
    if pages > max_pages:
        raise Refused("pdf_pages")
    images: list[Image.Image] = []
    try:
        for index in range(pages):
            page = document[index]
            width, height = page.get_size()  # in points, 72 to the inch
            if width <= 0 or height <= 0:
                raise Refused("pdf")
            scale = min(PAGE_DPI / 72, math.sqrt(MAX_PAGE_PIXELS / (width * height)))
            # No forms are loaded, so form fields show as drawn, and no script can run.
            bitmap = page.render(scale=scale, may_draw_forms=False)
            # Copied out of PDFium's memory into a plain RGB picture.
            images.append(bitmap.to_pil().convert("RGB"))
            bitmap.close()
            page.close()
    except pdfium.PdfiumError as error:
        raise Refused("pdf") from error
    finally:
        document.close()
    out = io.BytesIO()
    # Every page a JPEG picture and nothing else. Pillow would date the file to the second
    # and name it after the file it writes to; empty values leave both out.
    images[0].save(
        out,
        format="PDF",
        save_all=True,
        append_images=images[1:],
        resolution=PAGE_DPI,
        quality=80,
        title="",
        creationDate="",
        modDate="",
    )
    return PDF, out.getvalue()


def main(argv: list[str]) -> int:
    task = argv[1]
    memory, cpu, max_pixels, max_pages = (
        (int(a) for a in argv[2:6])
        if len(argv) >= 6
        else (MEMORY_BYTES, CPU_SECONDS, MAX_PIXELS, MAX_PAGES)
    )
    limit_myself(memory, cpu)
    data = sys.stdin.buffer.read()
    try:
        if task == "pdf":
            media_type, cleaned = clean_pdf(data, max_pages)
        elif task in IMAGE_FORMATS:
            media_type, cleaned = clean_image(data, task, max_pixels)
        else:
            raise Refused("type")
    except Refused as refused:
        sys.stdout.buffer.write(f"no {refused.reason}\n".encode())
        return 0
    except MemoryError:
        sys.stdout.buffer.write(b"no too_large\n")
        return 0
    sys.stdout.buffer.write(f"ok {media_type}\n".encode() + cleaned)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
