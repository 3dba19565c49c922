"""How much memory one filing with three 8 MiB photos costs a web worker, now that the files
are kept in the database. Not a test.

Run from the repository root:

    .venv/bin/python bench/attachments_memory.py

Three phone photos of just under 8 MiB each (tests/builders.py `phone_photo`: 12 megapixels of
noise, so they stay large when drawn again, with GPS in their EXIF) are POSTed once through the
real complaint form (`POST /file`, Flask's test client, a fresh migrated SQLite instance with a
board key: SQLite runs inside the worker, so its page cache counts too). The same three files
POSTed to a bare Flask app that only reads them (bare_app.py) is the yardstick: what receiving
them costs at all. Then the largest file is read back as a download reads it
(portal.security.filestore.stream, piece by piece, each piece dropped once "sent").

Each run is a Python process of its own, so one figure never hides in another's peak. For each:
the worker's peak RSS (`ru_maxrss`), how much it grew during the POST, and the peak of Python's
own allocations during it (tracemalloc: the bytes objects the request holds, whatever the
allocator keeps). The decoder children are not in these figures (bench/uploads.py measures them).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

MIB = 1024 * 1024
FILES = 3


def _portal_app(folder: Path):
    from portal import create_app, db, migrate
    from portal.config import Config
    from portal.security import crypto, keys

    url = f"sqlite:///{folder / 'portal.sqlite3'}"
    migrate.upgrade(url)
    config = Config.from_env(
        {"PORTAL_ENV": "development", "PORTAL_ARGON2_PROFILE": "test"},
        instance_path=folder,
        database_url=url,
    )
    app = create_app(config)
    with app.app_context():
        _version, _private, recovery = keys.create_board_key(db.session(), dt.datetime.now())
        db.session().commit()
    return app, crypto.printable(recovery)


def _bare_app():
    from bare_app import create_app
    from flask import request

    app = create_app()

    @app.post("/file")
    def receive() -> str:
        return str(sum(len(f.read()) for f in request.files.getlist("files")))

    return app


def _download_peak(app, recovery: str) -> dict[str, float]:
    """Read the largest file back as the board's download does; Python's peak meanwhile."""
    from sqlalchemy import select

    from portal import db
    from portal.models import Attachment, Complaint
    from portal.security import filestore, keys, sealing

    with app.app_context():
        session = db.session()
        keyring = keys.recover(session, recovery)
        attachment = session.scalars(select(Attachment).order_by(Attachment.size.desc())).first()
        complaint = session.get(Complaint, attachment.complaint_id)
        data_key = sealing.key_for_board(complaint, keyring)
        sessions = app.extensions["portal.db"].sessions
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        sent = 0
        for piece in filestore.stream(sessions, attachment, data_key):
            sent += len(piece)
            del piece
        peak = tracemalloc.get_traced_memory()[1] - base
    return {"download_bytes": sent, "download_py_peak_mb": peak / MIB}


def _store_peak(app, photos: list[bytes]) -> dict[str, float]:
    """Store the three files as the filing does, once they are cleaned: Python's peak above
    the cleaned files themselves (what keeping them in the database costs)."""
    from portal import db
    from portal.casework import complaints
    from portal.security import attachments, receipts

    cleaned = tuple(attachments.clean(data) for data in photos)
    values = complaints.NewComplaint(narrative="Stored directly.", files=cleaned)
    with app.app_context():
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        complaints.file_complaint(
            db.session(),
            app.extensions["portal.hasher"],
            values,
            receipts.new_token(),
            dt.datetime.now(),
        )
        peak = tracemalloc.get_traced_memory()[1] - base
    return {"store_py_peak_mb": peak / MIB, "cleaned_mb": sum(len(c.data) for c in cleaned) / MIB}


def measure_one(target: str, folder: Path) -> dict[str, object]:
    photos = [(folder / f"photo{n}.jpg").read_bytes() for n in range(FILES)]
    with tempfile.TemporaryDirectory() as instance:
        if target == "portal":
            app, recovery = _portal_app(Path(instance))
        else:
            app, recovery = _bare_app(), ""
        client = app.test_client()
        page = client.get("/file").get_data(as_text=True)
        form: dict[str, object] = dict(
            re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', page)
        )
        form["narrative"] = "An officer took my phone and broke it."
        form["files"] = [(io.BytesIO(data), f"IMG_{n}.jpg") for n, data in enumerate(photos)]
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        response = client.post("/file", data=form)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        py_peak = tracemalloc.get_traced_memory()[1] - base
        body = response.get_data(as_text=True)
        result: dict[str, object] = {
            "seconds": seconds,
            "rss_mb": after / 1024,
            "growth_mb": (after - before) / 1024,
            "py_peak_mb": py_peak / MIB,
            "kept": target == "bare" or 'class="code"' in body,
        }
        if target == "portal":
            result.update(_download_peak(app, recovery))
            result.update(_store_peak(app, photos))
            app.extensions["portal.db"].engine.dispose()
        tracemalloc.stop()
    return result


def run_one(target: str, folder: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--one", target, str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure_one(sys.argv[2], Path(sys.argv[3]))))
        return 0
    if sys.argv[1:2] == ["--make"]:
        from portal.security import attachments
        from tests.builders import phone_photo

        for n in range(FILES):
            data = phone_photo(attachments.MAX_BYTES, seed=n)
            (Path(sys.argv[2]) / f"photo{n}.jpg").write_bytes(data)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        # Made in another process, so the photos never swell the measured ones.
        subprocess.run([sys.executable, __file__, "--make", folder], cwd=ROOT, check=True)
        sizes = [path.stat().st_size for path in sorted(Path(folder).iterdir())]
        total = sum(sizes) / MIB
        print(
            f"One POST /file with {FILES} photos of {', '.join(f'{s / MIB:.2f}' for s in sizes)}"
            f" MiB ({total:.1f} MiB in all), one process per row.\n"
        )
        header = f"{'':<8}{'time':>8}{'peak RSS':>11}{'growth':>9}{'python peak':>13}  stored"
        print(header)
        print("-" * len(header))
        rows = {target: run_one(target, Path(folder)) for target in ("bare", "portal")}
        for target, r in rows.items():
            print(
                f"{target:<8}{r['seconds']:>7.2f}s{r['rss_mb']:>8.0f} MB{r['growth_mb']:>7.0f} MB"
                f"{r['py_peak_mb']:>10.0f} MB  {'yes' if r['kept'] else 'NO'}"
            )
        bare, portal = rows["bare"], rows["portal"]
        extra = portal["growth_mb"] - bare["growth_mb"]
        print(
            f"\nportal - bare: RSS growth {extra:.0f} MB = {extra / total:.1f} x the files' "
            f"{total:.0f} MiB; python peak {portal['py_peak_mb'] / bare['py_peak_mb']:.1f} x "
            "bare's."
        )
        print(
            f"Storing the {portal['cleaned_mb']:.1f} MiB of cleaned files in the database, "
            f"piece by piece: python peak {portal['store_py_peak_mb']:.1f} MB above them."
        )
        print(
            f"Download of the largest file ({portal['download_bytes'] / MIB:.1f} MiB, read "
            f"piece by piece): python peak {portal['download_py_peak_mb']:.1f} MB."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
