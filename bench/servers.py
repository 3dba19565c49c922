"""Local gunicorn servers and a small, bounded load generator for the benchmarks.

Servers listen on 127.0.0.1 only, each in its own process group, and are always stopped when
the `with` block ends, whether it ended well or not. The load generator is plain Python
threads with `http.client`: no outside tool to install, and every loop stops at a deadline.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from gunicorn.config import KNOWN_SETTINGS

STARTUP_SECONDS = 30
STOP_SECONDS = 10
REQUEST_TIMEOUT = 10


def free_port() -> int:
    """A port nobody is listening on at this moment, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    """One GET on a fresh connection (gunicorn's sync workers close it after each answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(
    app_spec: str, cwd: Path, env: Mapping[str, str], log_path: Path, workers: int = 2
) -> Iterator[int]:
    """Serve `app_spec` with gunicorn's sync workers; yield the port once it answers."""
    with gunicorn_server(app_spec, cwd, env, log_path, workers) as server:
        yield server.port


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's master process; its children are the workers


@contextlib.contextmanager
def gunicorn_server(
    app_spec: str, cwd: Path, env: Mapping[str, str], log_path: Path, workers: int = 2
) -> Iterator[Server]:
    """As `gunicorn`, yielding the master's pid too (for benchmarks that kill workers)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        *_without_control_socket(),
        app_spec,
    ]
    with open(log_path, "wb") as log:
        # A new session makes gunicorn the leader of its own process group, so stopping the
        # group stops the master and its workers together.
        process = subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=log, stderr=log, start_new_session=True
        )
        try:
            _wait_until_up(process, port, log_path)
            yield Server(port, process.pid)
        finally:
            _stop(process)


def _without_control_socket() -> list[str]:
    """Gunicorn 25.1+ opens a control socket at one fixed path in the home folder by default;
    two benchmark servers (or a real one) would fight over it, so ours run without one."""
    names = {setting.name for setting in KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


def _wait_until_up(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(OSError, http.client.HTTPException):
            get(port, "/file")
            return
        time.sleep(0.1)
    tail = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"gunicorn did not start on port {port}. Its log ends:\n{tail}")


def _stop(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=STOP_SECONDS)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass(frozen=True)
class Load:
    ok: int
    failed: int
    seconds: float
    client_cpu_seconds: float  # CPU the load generator itself used, all threads

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds

    @property
    def client_busy(self) -> float:
        """Share of one CPU the load generator used: near 1.0, it was the bottleneck."""
        return self.client_cpu_seconds / self.seconds


def combine(loads: list[Load]) -> Load:
    return Load(
        ok=sum(load.ok for load in loads),
        failed=sum(load.failed for load in loads),
        seconds=sum(load.seconds for load in loads),
        client_cpu_seconds=sum(load.client_cpu_seconds for load in loads),
    )


def hammer(port: int, path: str, seconds: float, threads: int) -> Load:
    """GET `path` from `threads` threads, back to back, until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    counts = [[0, 0] for _ in range(threads)]  # [ok, failed] per thread, no lock needed

    def client(count: list[int]) -> None:
        while time.monotonic() < deadline:
            try:
                status, _body = get(port, path)
            except (OSError, http.client.HTTPException):
                status = 0
            count[0 if status == 200 else 1] += 1

    started, cpu_started = time.monotonic(), time.process_time()
    # Daemon threads, so an interrupted run does not wait for them to reach the deadline.
    workers = [threading.Thread(target=client, args=(count,), daemon=True) for count in counts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return Load(
        ok=sum(ok for ok, _ in counts),
        failed=sum(failed for _, failed in counts),
        seconds=time.monotonic() - started,
        client_cpu_seconds=time.process_time() - cpu_started,
    )
