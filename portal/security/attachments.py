"""Photos and documents sent with a complaint.

A phone photo carries the place it was taken (GPS), the phone's make and serial, the time to
the second and often the owner's name; a PDF carries its author, and can carry scripts, links,
attached files, forms and photos with all of that inside. None of it may reach the server's
disk. So every file is checked by its content (never its name) and drawn again from pixels
alone: a photo becomes a new picture of its pixels, and each page of a PDF is rendered to a
picture and a new PDF is made of those pictures (or the PDF is refused). What is left is
encrypted with the complaint's data key and stored in the database (portal.security.filestore).

The web worker never opens a file itself: a small child process (portal/security/decoder.py) does,
with
the kernel holding it to a memory, CPU-time and wall-clock limit, so a file made to unpack
into gigabytes costs that child, not the worker and not the other people using the site.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import io
import logging
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from portal.security import decoder

# HEIC, the iPhone's format, needs a decoder that is not always installed (the child uses it).
HEIC = importlib.util.find_spec("pillow_heif") is not None

MAX_FILES = 3
MAX_BYTES = 8 * 1024 * 1024
# Refuse pictures of more pixels than this, judged from the file's header before it is
# unpacked. Phones take 12 megapixels, the newest 24 (5712 x 4284); a larger picture is a
# panorama, a scan or a "decompression bomb", and a smaller copy or a screenshot will do.
MAX_PIXELS = 25_000_000
# PDFs: at most this many pages, each drawn at 150 dots per inch (see decoder.py).
MAX_PAGES = 20
# What one child may use: the kernel ends it past these (memory, CPU), the worker past the
# wall clock. Three files in a row (21 s at worst) leave the rest of the filing time within
# gunicorn's 30-second timeout.
CHILD_MEMORY_BYTES = 768 * 1024 * 1024
CHILD_CPU_SECONDS = 6
CHILD_WALL_SECONDS = 7
DECODER = Path(__file__).with_name("decoder.py")

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", PDF: "pdf"}
# The one Pillow decoder the child may use for each kind (see decoder.py).
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", "image/heic": "HEIF"}

# What the filing form says for the refusals added with the child process (the older ones are
# in participant._file_problem). Each is followed there by "Please choose the files again...".
PROBLEMS = {
    "too_large": _l(
        "One file is too large for us to open. Please send a smaller photo, or a screenshot of it."
    ),
    "pdf_pages": _l(
        "One PDF has more than 20 pages. Please send only the pages that matter, or photos of them."
    ),
    "pdf_locked": _l(
        "One PDF is locked with a password. Please send a copy without the password, or a "
        "photo of it."
    ),
}

log = logging.getLogger(__name__)


_PR_SET_DUMPABLE, _PR_GET_DUMPABLE = 4, 3


def init_app(app: Flask) -> None:  # called by the app factory
    """Harden the worker once: not dumpable, so no other process of the same user (a decoder
    child broken into, say) may read its /proc/<pid>/environ or memory or ptrace it. And say
    once whether the decoder child is shut in on this machine."""
    global _started
    if _started:
        return
    _started = True
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    layers = _sandbox_layers()
    if layers:
        log.info("the file decoder runs in a sandbox: %s", ", ".join(layers))
    else:
        log.warning(
            "the file decoder is NOT sandboxed on this machine (no Landlock, no libseccomp): "
            "it runs with resource limits only"
        )


_started = False


@functools.cache
def _sandbox_layers() -> list[str]:
    return decoder.sandbox_layers()


def dumpable() -> bool:
    """Whether this process may still be ptraced or have its /proc files read by its user."""
    import ctypes

    return ctypes.CDLL(None).prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0) == 1


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
        return _in_child("pdf", data, failed="pdf")
    if kind in (JPEG, PNG, WEBP) or (kind == "image/heic" and HEIC):
        # The one decoder the first bytes call for; Pillow tries no other on the file.
        return _in_child(PILLOW_FORMATS[kind], data, failed="unreadable")
    raise FileRefused("type")


def _in_child(task: str, data: bytes, failed: str) -> Clean:
    """Run decoder.py on the file, held to CHILD_* limits. `failed` is the reason given when
    the child breaks down for another cause than its limits."""
    command = [
        sys.executable,
        "-I",  # no PYTHON* variables, no user site-packages, not the current folder
        str(DECODER),
        task,
        str(CHILD_MEMORY_BYTES),
        str(CHILD_CPU_SECONDS),
        str(MAX_PIXELS),
        str(MAX_PAGES),
        # The layers found at start, which the child must put in place or open nothing.
        ",".join(layer.split()[0] for layer in _sandbox_layers()),
    ]
    # Nothing of the worker's environment (its secrets) goes to the child; fewer malloc
    # arenas keep threaded decoders inside the address-space limit.
    env = {"PATH": os.defpath, "LC_ALL": "C.UTF-8", "MALLOC_ARENA_MAX": "2"}
    try:
        finished = _run(command, data, env)
    except subprocess.TimeoutExpired as error:  # _run() has killed the child
        raise FileRefused("too_large") from error
    except _TooMuch as error:
        log.warning("the file decoder answered with more than a cleaned file may hold")
        raise FileRefused(failed) from error
    except OSError as error:  # could not start a process at all
        log.exception("could not start the file decoder")
        raise FileRefused(failed) from error
    head, _, body = finished.stdout.partition(b"\n")
    if finished.returncode < 0:  # killed by the kernel: CPU time, or memory it could not get
        raise FileRefused("too_large")
    if finished.returncode != 0 or not head:
        # A MemoryError deep in a decoder may end as any crash; say so to the person either way.
        if b"MemoryError" in finished.stderr:
            raise FileRefused("too_large")
        log.warning("the file decoder failed (exit %s)", finished.returncode)
        raise FileRefused(failed)
    verdict, _, value = head.decode("ascii", "replace").partition(" ")
    if verdict == "ok":
        media_type, _, promise = value.partition(" ")
        _check_promise(media_type, promise, body, failed)
        return Clean(media_type, body)
    raise FileRefused(value if verdict == "no" and value in REASONS else failed)


class _TooMuch(Exception):
    pass


def _run(command: list[str], data: bytes, env: dict[str, str]) -> subprocess.CompletedProcess:
    """subprocess.run(command, input=data, capture_output=True), but a child that answers
    with more than a cleaned file may weigh is killed as soon as it does, so a decoder broken
    into cannot fill the worker's memory either. Raises TimeoutExpired past the wall clock."""
    deadline = time.monotonic() + CHILD_WALL_SECONDS
    out, err = bytearray(), bytearray()
    pipe = subprocess.PIPE
    with subprocess.Popen(  # noqa: S603  our own script, no shell, no user input
        command, stdin=pipe, stdout=pipe, stderr=pipe, env=env
    ) as child:
        try:
            _exchange(child, memoryview(data), out, err, deadline)
            returncode = child.wait(timeout=max(deadline - time.monotonic(), 0.001))
        except BaseException:
            child.kill()
            raise
    return subprocess.CompletedProcess(command, returncode, bytes(out), bytes(err))


def _exchange(
    child: subprocess.Popen, data: memoryview, out: bytearray, err: bytearray, deadline: float
) -> None:
    os.set_blocking(child.stdin.fileno(), False)
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdin, selectors.EVENT_WRITE)
        selector.register(child.stdout, selectors.EVENT_READ, out)
        selector.register(child.stderr, selectors.EVENT_READ, err)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(child.args, CHILD_WALL_SECONDS)
            for key, _ in selector.select(left):
                if key.fileobj is child.stdin:
                    try:
                        data = data[os.write(key.fd, data[:65536]) :]
                    except BrokenPipeError:
                        data = data[:0]
                    if not data:
                        selector.unregister(child.stdin)
                        child.stdin.close()
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data is out:
                    out += chunk
                    if len(out) > MAX_CLEAN_BYTES + 100:  # the file and its first line
                        raise _TooMuch
                elif len(err) < 65536:
                    err += chunk


# Every reason the decoder may give; anything else it says is not passed on.
REASONS = {"type", "unreadable", "pdf", *PROBLEMS}
# The most a cleaned file may weigh: a 25-megapixel PNG of noise at 4 bytes a pixel.
MAX_CLEAN_BYTES = MAX_PIXELS * 4 + 1024 * 1024


def _check_promise(media_type: str, promise: str, body: bytes, failed: str) -> None:
    """The decoder is trusted no more than the file it opened: what it hands back must be the
    kind, size and page count it says, within the caps. Images are judged from their header
    (no pixel is unpacked here); PDFs by _check_rebuilt_pdf."""
    if media_type not in EXTENSIONS or not body or len(body) > MAX_CLEAN_BYTES:
        raise FileRefused(failed)
    if media_type == PDF:
        if not promise.isdigit() or not 0 < int(promise) <= MAX_PAGES:
            raise FileRefused(failed)
        _check_rebuilt_pdf(body, pages=int(promise))
        return
    width, _, height = promise.partition("x")
    try:
        with Image.open(io.BytesIO(body), formats=[PILLOW_FORMATS[media_type]]) as image:
            ok = (
                f"{image.width}x{image.height}" == promise
                and image.width * image.height <= MAX_PIXELS
                and Image.MIME.get(image.format) == media_type
            )
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise FileRefused(failed) from error
    if not ok:
        raise FileRefused(failed)


# The only keys a rebuilt PDF may hold: pages of one picture each, nothing else.
_PDF_ROOT_KEYS = {"/Type", "/Pages"}
_PDF_PAGE_KEYS = {"/Type", "/Parent", "/Resources", "/MediaBox", "/Contents"}
_PDF_RESOURCE_KEYS = {"/XObject", "/ProcSet"}


def _check_rebuilt_pdf(data: bytes, pages: int | None = None) -> None:
    """The child built the PDF from pictures; make sure it holds nothing else before it is kept
    (a parse of the structure, no picture is decoded here)."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        root = reader.trailer["/Root"].get_object()
        ok = (
            "/Info" not in reader.trailer
            and set(root) <= _PDF_ROOT_KEYS
            and 0 < len(reader.pages) <= MAX_PAGES
            and pages in (None, len(reader.pages))
        )
        for page in reader.pages:
            resources = page["/Resources"].get_object()
            ok = ok and set(page) <= _PDF_PAGE_KEYS and set(resources) <= _PDF_RESOURCE_KEYS
            for picture in resources["/XObject"].get_object().values():
                ok = ok and picture.get_object().get("/Subtype") == "/Image"
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise FileRefused("pdf") from error
    if not ok:
        raise FileRefused("pdf")
