"""The child process that opens uploaded files: `python -I decoder.py KIND < file > result`.

A photo or PDF sent to the portal is hostile until proven otherwise: a 71 KB WebP can unpack
to 40 million pixels, a PDF can carry scripts, links, attached files and a photo with its GPS.
So the web worker never opens one itself. It starts this small program (portal.security.attachments
does), which first limits its own memory, CPU time, file writes and core dumps with
`resource`, loads Pillow and PDFium, reads the file from standard input, and then shuts
itself in (see sandbox() below: no file, network or other process) before it opens the file.
A file that needs more than that is killed by the kernel, not the worker.

What comes back is drawn again from pixels alone:

- a photo becomes a new JPEG, PNG or WebP holding nothing but its pixels (turned upright
  first, the way the phone meant), so no EXIF, GPS, XMP, ICC profile or maker note survives;
- a PDF has each page rendered to a picture and a new PDF is made from those pictures, so no
  text layer, embedded image, link, script, form, attachment or metadata survives.

KIND is "pdf", or the one Pillow format the file's first bytes promised (JPEG, PNG, WEBP or
HEIF): no other decoder of Pillow's is tried on it. It writes one line,
`ok <media type> <width>x<height>` (or `ok application/pdf <pages>`) followed by the new
file, or `no <reason>` (a key of
attachments.PROBLEMS or one of the older reasons) and nothing else. It imports nothing from
the portal, so starting it does not load the web app.
"""

from __future__ import annotations

import io
import math
import os
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


# One page that says "a" in Helvetica, to warm PDFium up with.
_FONT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 20 20]/Contents 4 0 R"
    b"/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Arial>>>>>>>>endobj\n"
    b"4 0 obj<</Length 31>>stream\nBT /F1 9 Tf 2 5 Td (a) Tj ET\nendstream endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def prepare(warm_pdfium: bool) -> None:
    """Load every library and plugin the decoders may use, while files can still be opened."""
    import warnings  # noqa: F401

    import pypdfium2
    import pypdfium2.raw  # noqa: F401
    from PIL import Image, ImageOps  # noqa: F401

    Image.init()  # every Pillow plugin, and the codecs they load (WebP, ...)
    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    except ImportError:  # pragma: no cover - depends on the machine
        pass
    if warm_pdfium:
        # PDFium looks through the system's fonts on its first page: let it do so now.
        document = pypdfium2.PdfDocument(_FONT_PDF)
        document[0].render(scale=0.1).close()
        document.close()
    seccomp_available()  # loads libseccomp, and ctypes


IMAGE_FORMATS = {"JPEG": JPEG, "PNG": PNG, "WEBP": WEBP, "HEIF": JPEG}


def clean_image(data: bytes, image_format: str, max_pixels: int) -> tuple[str, str, bytes]:
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
    size = "{}x{}".format(*pixels.size)
    out = io.BytesIO()
    if kind == PNG:
        # A low zlib level: a large PNG takes a second this way, half a minute "optimized".
        pixels.save(out, format="PNG", compress_level=3)
        return PNG, size, out.getvalue()
    if kind == WEBP:
        pixels.save(out, format="WEBP", quality=85, method=0)
        return WEBP, size, out.getvalue()
    # JPEG, and HEIC (which browsers cannot show) as JPEG.
    pixels.convert("RGB").save(out, format="JPEG", quality=85)
    return JPEG, size, out.getvalue()


def clean_pdf(data: bytes, max_pages: int) -> tuple[str, str, bytes]:
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
    return PDF, str(pages), out.getvalue()


# --- the sandbox -----------------------------------------------------------------------------
#
# A bug in libjpeg, libwebp, libheif or PDFium could let a crafted file run code in this
# process. Once the file has been read, nothing here needs the network, another file or
# another process, so after that the kernel refuses them all, in layers (each used when the
# kernel and libraries allow it; sandbox_layers() tells which):
#
# - every file descriptor but 0, 1 and 2 closed, and no new one allowed (RLIMIT_NOFILE);
# - not dumpable (no other process of the same user may ptrace it or read its memory) and no
#   new privileges (no set-uid program could give any back);
# - Landlock (Linux 5.13+): no file or folder may be opened, made, changed or removed, no
#   program run; from Linux 6.7 no TCP connection or listening port, from 6.12 no signal to a
#   process outside and no abstract Unix socket;
# - seccomp (libseccomp, through pyseccomp): an allow-list of the system calls a decoder makes
#   once its file is read (measured with strace on each kind of file); any other call fails
#   with EPERM: no socket, open, unlink, rename, exec, fork, ptrace, process_vm_readv, nor a
#   signal to another process.

_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_THREAD = 0x10000
# Landlock's system calls have the same numbers on every architecture.
_LANDLOCK_CREATE_RULESET, _LANDLOCK_RESTRICT_SELF = 444, 446
_LANDLOCK_CREATE_RULESET_VERSION = 1

# What a decoder does after its file is read: memory, threads (libheif), writing the answer.
# fmt: off
SYSCALLS = (
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
    "futex", "set_robust_list", "rseq", "sched_yield", "sched_getaffinity",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    "getpid", "gettid", "getrandom", "clock_gettime", "clock_nanosleep", "nanosleep",
    "read", "write", "writev", "lseek", "fstat", "newfstatat", "close",
    "exit", "exit_group",
)
# fmt: on


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The Landlock version this kernel has, 0 if none (or not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    import ctypes

    abi = _libc().syscall(
        _LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION
    )
    return max(abi, 0)


def seccomp_available() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import pyseccomp  # noqa: F401  loads libseccomp.so.2
    except (ImportError, RuntimeError, OSError):
        return False
    return True


def sandbox_layers() -> list[str]:
    """Which of the sandbox's layers this machine has (the rest it always has on Linux)."""
    layers = []
    if abi := landlock_abi():
        layers.append(f"landlock (ABI {abi})")
    if seccomp_available():
        layers.append("seccomp")
    return layers


def _landlock(abi: int) -> None:
    import ctypes
    import os

    fs = (1 << 13) - 1  # ABI 1: execute, write, read, read dir, remove, make anything
    if abi >= 2:
        fs |= 1 << 13  # refer (link or rename into another folder)
    if abi >= 3:
        fs |= 1 << 14  # truncate
    if abi >= 5:
        fs |= 1 << 15  # ioctl on devices
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP
    scoped = 0b11 if abi >= 6 else 0  # abstract Unix sockets, signals, outside the sandbox
    attr = (ctypes.c_uint64 * 3)(fs, net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    libc = _libc()
    # No rule is added: everything handled is refused everywhere.
    ruleset = libc.syscall(_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        if libc.syscall(_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)


def _seccomp() -> None:
    import errno

    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    for name in SYSCALLS:
        rules.add_rule(seccomp.ALLOW, name)
    # Threads only (clone3's flags cannot be checked: the C library falls back to clone).
    rules.add_rule(
        seccomp.ALLOW, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, _CLONE_THREAD, _CLONE_THREAD)
    )
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    # A signal to itself only (abort(), Python's own signals).
    pid = os.getpid()
    rules.add_rule(seccomp.ALLOW, "tgkill", seccomp.Arg(0, seccomp.EQ, pid))
    rules.add_rule(seccomp.ALLOW, "kill", seccomp.Arg(0, seccomp.EQ, pid))
    rules.load()


def sandbox(layers: tuple[str, ...] = ("landlock", "seccomp")) -> list[str]:
    """Shut this process in (see above); returns the layers put in place. A layer the machine
    has but that fails to go in place raises: the file is then not opened at all."""
    import ctypes

    libc = _libc()
    os.closerange(3, 1 << 20)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    done = []
    if "landlock" in layers and (abi := landlock_abi()):
        _landlock(abi)
        done.append(f"landlock (ABI {abi})")
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))
    if "seccomp" in layers and seccomp_available():
        _seccomp()
        done.append("seccomp")
    return done


def enter(
    argv: list[str], layers: tuple[str, ...] = ("landlock", "seccomp")
) -> tuple[bytes, int, int]:
    """Everything before the file is opened: limits, libraries, the file itself, the sandbox.
    Returns the file and the picture and page limits."""
    memory, cpu, max_pixels, max_pages = (
        (int(a) for a in argv[2:6])
        if len(argv) >= 6
        else (MEMORY_BYTES, CPU_SECONDS, MAX_PIXELS, MAX_PAGES)
    )
    limit_myself(memory, cpu)
    prepare(warm_pdfium=argv[1] == "pdf")
    data = sys.stdin.buffer.read()
    done = sandbox(layers)
    # The worker names the layers it found at its start: one missing here means this child
    # would open the file unprotected (a library gone since), so it opens nothing.
    required = argv[6].split(",") if len(argv) >= 7 and argv[6] else []
    missing = [name for name in required if not any(d.startswith(name) for d in done)]
    if missing:
        raise SystemExit(f"sandbox layers missing: {', '.join(missing)}")
    return data, max_pixels, max_pages


def main(argv: list[str]) -> int:
    task = argv[1]
    data, max_pixels, max_pages = enter(argv)
    try:
        if task == "pdf":
            media_type, promise, cleaned = clean_pdf(data, max_pages)
        elif task in IMAGE_FORMATS:
            media_type, promise, cleaned = clean_image(data, task, max_pixels)
        else:
            raise Refused("type")
    except Refused as refused:
        sys.stdout.buffer.write(f"no {refused.reason}\n".encode())
        return 0
    except MemoryError:
        sys.stdout.buffer.write(b"no too_large\n")
        return 0
    sys.stdout.buffer.write(f"ok {media_type} {promise}\n".encode() + cleaned)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
