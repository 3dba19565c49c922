"""Benchmark of the worst files a person (or an attacker) can send with a complaint. Not a test.

Run from the repository root:

    .venv/bin/python bench/uploads.py

Issue 14 measured three 71 KB WebP files of 6320 x 6320 pixels at 7-11 s and 1.1-1.2 GB per
request, all of it in the web worker. Now the worker never opens a picture: a child process
(portal/security/decoder.py) does, held by the kernel to CHILD_MEMORY_BYTES and CHILD_CPU_SECONDS
and
by the worker to CHILD_WALL_SECONDS, and pictures over MAX_PIXELS are refused from their
header before they are unpacked.

For each file below, a fresh Python process POSTs it once through the real complaint form
(`POST /file` with Flask's test client, a fresh migrated SQLite instance with a board key) and
prints how long the POST took, what the person was told, and the peak memory of that process
(the worker: `ru_maxrss` of RUSAGE_SELF, and how much it grew during the POST). The same file
POSTed to a bare Flask app that only reads the upload (`bare_app.py`'s form, no cleaning) is
the yardstick: what receiving the file costs at all. Then decoder.py alone, with the same
limits, started from a small Python process: its time and peak memory (RUSAGE_CHILDREN; Linux
counts a child's peak from the process that started it, so a small starter keeps it honest).
Each figure comes from a process of its own, so one file's peak never hides in another's.
"""

from __future__ import annotations

import io
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw

from portal.security import attachments, decoder


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _noise(width: int, height: int) -> Image.Image:
    """A picture that compresses badly and takes the longest to encode again."""
    return Image.effect_noise((width // 6, height // 6), 70).convert("RGB").resize((width, height))


def _text_pdf(pages: int) -> bytes:
    from tests.builders import build_pdf, stream

    lines = b" ".join(
        b"BT /F1 11 Tf 50 %d Td (Line %d of a long statement about what happened.) Tj ET"
        % (760 - 14 * n, n)
        for n in range(50)
    )
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * i)
        )
        objects.append(stream(b"", lines, compress=True))
    return build_pdf(objects, b"/Root 1 0 R")


def samples() -> dict[str, bytes]:
    from tests.builders import bomb_png, hostile_pdf, huge_webp

    w, h = 5712, 4284  # the largest photo a phone takes by default, just under MAX_PIXELS
    gradient = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    ImageDraw.Draw(gradient).text((100, 100), "screenshot " * 40, fill=(0, 0, 0))
    return {
        "WebP 6320x6320 (issue 14)": huge_webp(),
        "PNG 20000x20000 (bomb)": bomb_png(),
        "JPEG 24 MP noise": _save(_noise(w, h), "JPEG", quality=70),
        "WebP 24 MP noise": _save(_noise(w, h), "WEBP", quality=60),
        "PNG 24 MP": _save(gradient, "PNG"),
        "PDF hostile, 1 page": hostile_pdf(),
        "PDF 20 pages of text": _text_pdf(attachments.MAX_PAGES),
        "PDF 200 pages": _text_pdf(200),
    }


# --- one POST in a process of its own ---------------------------------------------------------


def _portal_app(folder: Path):
    import datetime as dt

    from portal import create_app, db, migrate
    from portal.config import Config
    from portal.security import keys

    url = f"sqlite:///{folder / 'portal.sqlite3'}"
    migrate.upgrade(url)
    config = Config.from_env(
        {"PORTAL_ENV": "development", "PORTAL_ARGON2_PROFILE": "test"},
        instance_path=folder,
        database_url=url,
    )
    app = create_app(config)
    with app.app_context():
        keys.create_board_key(db.session(), dt.datetime.now())
        db.session().commit()
    return app


def _bare_app():
    from bare_app import create_app
    from flask import request

    app = create_app()

    @app.post("/file")
    def receive() -> str:
        return str(sum(len(f.read()) for f in request.files.getlist("files")))

    return app


def measure_one(target: str, path: Path) -> dict[str, object]:
    data = path.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        app = _portal_app(Path(folder)) if target == "portal" else _bare_app()
        client = app.test_client()
        page = client.get("/file").get_data(as_text=True)
        form = {
            name: value
            for name, value in re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', page)
        }
        form["narrative"] = "An officer took my phone."
        form["files"] = (io.BytesIO(data), "file")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        response = client.post("/file", data=form)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        body = response.get_data(as_text=True)
    if target == "bare":
        outcome = "read"
    elif 'class="code"' in body:
        outcome = "kept"
    else:
        found = re.search(r"(One [^.<]*\.|We could not[^.<]*\.)", body)
        outcome = found.group(1) if found else f"HTTP {response.status_code}"
    return {
        "seconds": seconds,
        "worker_mb": after / 1024,
        "growth_mb": (after - before) / 1024,
        "child_mb": child / 1024,
        "outcome": outcome,
    }


def run_one(target: str, path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--one", target, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# A starter of a few MB that runs decoder.py as the portal does and reports its peak.
STARTER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    done = subprocess.run(sys.argv[2:], stdin=f, capture_output=True, timeout=60)
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    "said": done.stdout.split(b"\\n", 1)[0].decode(errors="replace") or f"exit {done.returncode}",
}))
"""


def decoder_alone(path: Path) -> dict[str, object]:
    kind = attachments.sniff(path.read_bytes())
    task = "pdf" if kind == attachments.PDF else attachments.PILLOW_FORMATS[kind]
    limits = [
        attachments.CHILD_MEMORY_BYTES,
        attachments.CHILD_CPU_SECONDS,
        attachments.MAX_PIXELS,
        attachments.MAX_PAGES,
    ]
    command = [sys.executable, "-I", str(attachments.DECODER), task, *map(str, limits)]
    done = subprocess.run(
        [sys.executable, "-I", "-c", STARTER, str(path), *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> int:
    if sys.argv[1:2] == ["--one"]:
        sys.path.insert(0, str(ROOT / "bench"))
        print(json.dumps(measure_one(sys.argv[2], Path(sys.argv[3]))))
        return 0
    if sys.argv[1:2] == ["--make"]:
        for number, (name, data) in enumerate(samples().items()):
            (Path(sys.argv[2]) / f"{number:02d} {name}").write_bytes(data)
        return 0
    print(
        f"Limits: {attachments.MAX_PIXELS / 1e6:.0f} MP per picture, {attachments.MAX_PAGES} "
        f"pages per PDF; decoder child {attachments.CHILD_MEMORY_BYTES // 2**20} MiB address "
        f"space, {attachments.CHILD_CPU_SECONDS} s CPU, {attachments.CHILD_WALL_SECONDS} s wall."
    )
    layers = decoder.sandbox_layers()
    print(f"Decoder sandbox: {', '.join(layers) if layers else 'NONE (resource limits only)'}.")
    print("One POST /file per process: time, and the worker's peak RSS (+ its growth in the")
    print("POST); bare = the same upload to a bare Flask app. decoder = decoder.py alone.\n")
    header = f"{'file':<28}{'size':>8}  {'what':<8}{'time':>7}{'peak':>15}  result"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        # Made in another process, so the big pictures never swell this one (a child's peak
        # on Linux starts from its parent's).
        subprocess.run([sys.executable, __file__, "--make", folder], cwd=ROOT, check=True)
        for path in sorted(Path(folder).iterdir()):
            name, size = path.name[3:], path.stat().st_size / 1024
            for target in ("bare", "portal"):
                r = run_one(target, path)
                print(
                    f"{name:<28}{size:>6.0f}KB  {target:<8}{r['seconds']:>6.2f}s"
                    f"{r['worker_mb']:>6.0f} MB (+{r['growth_mb']:.0f})  {r['outcome']}"
                )
            r = decoder_alone(path)
            print(
                f"{'':<28}{'':>8}  {'decoder':<8}{r['seconds']:>6.2f}s{r['child_mb']:>6.0f} MB"
                f"        {r['said']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
