"""Fixtures for the real-browser tests: the real app served on 127.0.0.1, Debian's headless
Chromium driven by Playwright, and a `Person` who uses the participant pages on a phone.

Every test here skips, saying what it needs, when Chromium or Playwright is missing. Nothing
reaches the network: the quick-exit site is answered by Playwright itself, and axe-core is
loaded from `vendor/`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from portal.site import Site
from tests.browser.browsing import PHONE, Devices, Person

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# --- the server ---------------------------------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    """Logs errors, not every request: the portal keeps no access log, nor do its tests."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app from tests/conftest.py, served for real on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    # A short poll, so shutting down at teardown takes a moment rather than half a second.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server"
    )
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs the playwright Python package: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def devices(browser: Browser, site: Site, live_server: str) -> Iterator[Devices]:
    made = Devices(browser, live_server, site.quick_exit_url)
    yield made
    made.close()


@pytest.fixture
def person_on(devices: Devices, live_server: str) -> Callable[..., Person]:
    """`person_on(viewport, **context_options)`: a person on a fresh phone. With
    `locale="es-US"` their browser asks for Spanish, and `person.t` gives the Spanish words."""

    def make(viewport: dict[str, int] = PHONE, **options: Any) -> Person:
        language = options.get("locale", "en-US").split("-")[0]
        return Person(devices.new_page(viewport, **options), live_server, language)

    return make
