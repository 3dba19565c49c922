"""A real local SMTP server (aiosmtpd on 127.0.0.1) for the tests that send email, and what
it received."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from aiosmtpd.controller import Controller


class Inbox:
    """Every message as it arrived: its recipients and its raw bytes."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.port = 0

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def to(self, address: str) -> list[bytes]:
        return [raw for rcpt, raw in self.messages if address in rcpt]


def free_port() -> int:
    """A port nobody listens on at this moment (for a server, or for one that never answers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running() -> Iterator[Inbox]:
    """A mail server listening for the `with` block; its port is `inbox.port`."""
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    try:
        yield box
    finally:
        controller.stop()
