"""The decoder child is shut in before it opens a file, and the worker trusts nothing it says.

A photo or PDF may be made to take over the decoder (a bug in libwebp, libheif or PDFium). So
these tests run the real decoder.py in a real child process, with the very setup the portal
uses (decoder.enter: limits, libraries, the file from stdin, the sandbox), and then make the
child do what such an attacker would: call out on the network, read the worker's environment
(its secrets), open the database, delete or write files, run a program, signal or trace the
worker. The hostile part lives only in this file; no request can reach it.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from portal import db
from portal.models import Attachment
from portal.security import attachments, decoder
from tests.builders import hostile_pdf, long_pdf, photo
from tests.conftest import Participant

LAYERS = decoder.sandbox_layers()
needs_a_sandbox = pytest.mark.skipif(
    not LAYERS,
    reason="no Landlock and no libseccomp on this machine: the decoder is not sandboxed here "
    "(resource limits only), so there is nothing to attack",
)

# Run as `python -I -c ATTACK decoder.py LAYERS PARENT PORT SQLITE VICTIM NEW`, file on stdin.
ATTACK = textwrap.dedent(
    """
    import ctypes, errno, importlib.util, json, os, signal, socket, sys
    spec = importlib.util.spec_from_file_location("decoder", sys.argv[1])
    decoder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(decoder)
    layers, parent, port, sqlite, victim, new = sys.argv[2:8]
    decoder.enter(["decoder.py", "JPEG"], layers=tuple(layers.split(",")))
    # From here on the child behaves as one taken over by a crafted file.
    libc = ctypes.CDLL(None, use_errno=True)

    def connect():
        with socket.socket() as s:
            s.connect(("127.0.0.1", int(port)))

    def read(path):
        with open(path, "rb") as f:
            return f.read(1)

    def write_new():
        with open(new, "wb") as f:
            f.write(b"x")

    def ptrace():
        if libc.ptrace(0x4206, int(parent), None, None) != 0:  # PTRACE_SEIZE (no stop)
            raise OSError(ctypes.get_errno(), "ptrace")

    def fork():
        if os.fork() == 0:
            os._exit(0)

    attacks = {
        "connect": connect,
        "environ": lambda: read(f"/proc/{parent}/environ"),
        "database": lambda: read(sqlite),
        "unlink": lambda: os.unlink(victim),
        "rename": lambda: os.rename(victim, new),
        "write": write_new,
        "signal": lambda: os.kill(int(parent), signal.SIGCONT),
        "ptrace": ptrace,
        "fork": fork,
        "exec": lambda: os.execv("/bin/sh", ["sh", "-c", "exit 0"]),
    }
    said = {}
    for name, attack in attacks.items():
        try:
            attack()
            said[name] = "ALLOWED"
        except OSError as error:
            said[name] = errno.errorcode.get(error.errno, str(error.errno))
    sys.stdout.write(json.dumps(said))
    """
)


def attack_from_the_decoder(tmp_path: Path, layers: tuple[str, ...]) -> dict[str, str]:
    """Run the decoder child with the portal's sandbox setup and then the attacks above;
    returns, for each attack, ALLOWED or the error the kernel gave."""
    database = tmp_path / "portal.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("create table secrets (pepper text)")
    victim = tmp_path / "victim.txt"
    victim.write_text("stay")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        finished = subprocess.run(  # noqa: S603  our own script
            [
                sys.executable,
                "-I",
                "-c",
                ATTACK,
                str(attachments.DECODER),
                ",".join(layers),
                str(os.getpid()),
                str(listener.getsockname()[1]),
                str(database),
                str(victim),
                str(tmp_path / "new.txt"),
            ],
            input=photo("JPEG"),
            capture_output=True,
            timeout=30,
            env={"PATH": os.defpath, "LC_ALL": "C.UTF-8", "SECRET": "worker-secret"},
            check=False,
        )
    assert finished.returncode == 0, finished.stderr.decode(errors="replace")[-2000:]
    # Nothing the child tried left a mark.
    assert victim.read_text() == "stay"
    assert not (tmp_path / "new.txt").exists()
    return json.loads(finished.stdout)


@needs_a_sandbox
def test_a_decoder_taken_over_by_a_file_can_reach_no_network_file_or_process(
    tmp_path: Path,
) -> None:
    said = attack_from_the_decoder(tmp_path, ("landlock", "seccomp"))
    allowed = [attack for attack, answer in said.items() if answer == "ALLOWED"]
    assert not allowed, said
    assert len(said) == 10  # every attack ran (exec did not replace the child)


@pytest.mark.parametrize(
    ("layer", "present"),
    [("landlock", decoder.landlock_abi() > 0), ("seccomp", decoder.seccomp_available())],
)
def test_each_sandbox_layer_alone_keeps_the_decoder_from_files(
    tmp_path: Path, layer: str, present: bool
) -> None:
    if not present:
        pytest.skip(f"{layer} is not available on this machine, so that layer is not used")
    said = attack_from_the_decoder(tmp_path, (layer,))
    for attack in ("environ", "database", "unlink", "rename", "write", "exec"):
        assert said[attack] != "ALLOWED", (attack, said)


def test_the_worker_cannot_be_read_or_traced_by_its_own_user(app: Flask) -> None:
    # A decoder broken into runs as the worker's user; a dumpable worker would let it read
    # /proc/<worker>/environ (the pepper, the keys, the database login) or ptrace it.
    assert app
    pr_get_dumpable = 3
    assert ctypes.CDLL(None).prctl(pr_get_dumpable, 0, 0, 0, 0) == 0


# --- the worker's look at what the child hands back ---------------------------------------


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, format="JPEG")
    return out.getvalue()


# A decoder that someone broke into: it still goes through the sandbox setup, then lies.
LIAR = textwrap.dedent(
    """
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("decoder", {decoder!r})
    decoder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(decoder)
    decoder.enter(sys.argv)
    sys.stdout.buffer.write({answer!r})
    """
)


@pytest.mark.parametrize(
    "answer",
    [
        b"ok image/png 64x48\n" + jpeg(),  # another kind than it says
        b"ok image/jpeg 64x48\n" + jpeg((640, 480)),  # another size than it says
        b"ok image/jpeg 64x48\n" + b"\xff\xd8\xff not a picture at all",
        b"ok image/jpeg 7000x7000\n" + jpeg((7000, 7000)),  # more pixels than allowed
        b"ok image/jpeg\n" + jpeg(),  # no promise at all
        b"ok image/png\n" + jpeg(),  # another kind, and no promise
        b"ok text/html 64x48\n<script>alert(1)</script>",
        b"ok application/pdf 1\n" + hostile_pdf(),
        b"ok application/pdf 1\n" + long_pdf(3),  # another page count than it says
    ],
    ids=[
        "png-is-jpeg",
        "wrong-size",
        "not-a-picture",
        "too-many-pixels",
        "no-promise",
        "png-is-jpeg-no-promise",
        "html",
        "hostile-pdf",
        "wrong-page-count",
    ],
)
def test_the_worker_refuses_what_a_lying_decoder_hands_back_and_the_words_stay(
    app: Flask,
    client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: bytes,
) -> None:
    liar = tmp_path / "decoder.py"
    liar.write_text(LIAR.format(decoder=str(attachments.DECODER), answer=answer))
    monkeypatch.setattr(attachments, "DECODER", liar)
    sent = long_pdf(1) if answer.startswith(b"ok application/pdf") else jpeg()
    response = Participant(client).file(
        narrative="My words stay here.", files=[(io.BytesIO(sent), "file")]
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.OK
    assert "We could not" in page
    assert "Please choose the files again" in page
    assert "My words stay here." in page
    with app.app_context():
        assert db.session().scalars(select(Attachment)).first() is None


def test_a_decoder_that_floods_the_worker_is_cut_off_and_refused_kindly(
    app: Flask,
    client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 64 MB of nothing said to be a photo; the worker stops reading at its cap.
    flood = tmp_path / "decoder.py"
    flood.write_text(
        LIAR.format(decoder=str(attachments.DECODER), answer=b"ok image/jpeg\n")
        + "for _ in range(1024):\n    sys.stdout.buffer.write(bytes(65536))\n"
    )
    monkeypatch.setattr(attachments, "DECODER", flood)
    monkeypatch.setattr(attachments, "MAX_CLEAN_BYTES", 4 * 1024 * 1024)
    response = Participant(client).file(
        narrative="My words stay here.", files=[(io.BytesIO(jpeg()), "p.jpg")]
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.OK
    assert "We could not open one of the photos." in page
    assert "My words stay here." in page
    with app.app_context():
        assert db.session().scalars(select(Attachment)).first() is None
