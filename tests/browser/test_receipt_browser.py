"""The filing receipt in real Chromium: on a shared phone, "Done" then Back and "resend"
brings no code back; and the printed slip keeps the code on one line on an 80 mm printer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from flask import Flask

from portal.board.accounts import Role
from portal.config import Config
from tests.board import PASSWORD, Board
from tests.browser.browsing import PHONE, Person, screenshot
from tests.browser.test_flows import FIRST_LINE, NARRATIVE, secret_part, squeezed
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser

# An 80 mm receipt roll, in CSS pixels (96 per inch).
SLIP_WIDTH = round(80 / 25.4 * 96)


def test_done_then_back_and_resend_shows_no_code(person_on: Callable[..., Person]) -> None:
    person = person_on(PHONE)
    person.open("/file")
    person.page.get_by_label("What happened?").fill(NARRATIVE)
    with person.page.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/file")
    ) as sent:
        person.press("Send")
    filing = sent.value
    code = person.claim_code()
    assert person.heading() == "We got your complaint"

    person.press("I wrote it down. Done.")
    assert person.heading() == "Tell us about bad treatment"
    # Back lands on the POST's answer, which was never stored: Chromium offers to resend.
    with contextlib.suppress(Exception):  # Playwright's net::ERR_CACHE_MISS
        person.page.go_back()
    # "Resend": the browser posts the very same body again (same CSRF and receipt tokens),
    # with the cookies it holds now.
    body = filing.post_data_buffer
    assert body is not None
    assert b"form_token" in body

    replayed: list[bytes] = []

    def resend(route) -> None:
        replayed.append(body)
        route.continue_(
            method="POST",
            post_data=body,
            headers={**route.request.headers, "content-type": filing.headers["content-type"]},
        )

    person.page.route("**/file", resend)
    person.page.goto(person.base_url + "/file")
    person.page.unroute("**/file")
    assert replayed == [body]
    screenshot(person.page, "receipt-done-back-resend")
    content = person.page.content()
    assert person.heading() == "We already have this complaint"
    assert secret_part(code) not in squeezed(content)
    assert FIRST_LINE not in content


def _persons_receipt(person: Person, _app: Flask, _clock: FakeClock) -> None:
    person.file(NARRATIVE)


def _advocates_hand_over(person: Person, app: Flask, clock: FakeClock) -> None:
    Board(app, clock).member(Role.ADVOCATE, "peer")
    person.open("/review/sign-in")
    person.page.get_by_label(person.t("Username")).fill("peer")
    person.page.get_by_label(person.t("Password")).fill(PASSWORD)
    person.press("Sign in")
    person.follow("Help someone file")
    person.page.get_by_label(person.t("I read this to the person, and they want to go on")).check()
    person.press("Open the complaint form")
    person.page.get_by_label(person.t("What happened?")).fill(NARRATIVE)
    person.press("Send")


@pytest.mark.parametrize("receipt", [_persons_receipt, _advocates_hand_over])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_printed_receipt_keeps_the_code_on_one_line_at_80_mm(
    person_on: Callable[..., Person],
    app: Flask,
    clock: FakeClock,
    config: Config,
    receipt: Callable[[Person, Flask, FakeClock], None],
    language: str,
) -> None:
    person = person_on(PHONE, locale="es-US" if language == "es" else "en-US")
    receipt(person, app, clock)
    code = person.claim_code()
    page = person.page
    page.set_viewport_size({"width": SLIP_WIDTH, "height": 600})
    page.emulate_media(media="print")
    screenshot(page, f"receipt-print-80mm-{receipt.__name__}-{language}")
    slip = page.locator(".slip")
    assert slip.is_visible()
    assert not page.locator(".code-card").is_visible()
    assert not page.get_by_role("button").first.is_visible()
    text = slip.inner_text()
    assert person.t("Check my complaint") in text
    assert config.base_url in text  # the site's address, with no public address set
    assert "Test LEAD" not in text  # the neutral heading, not the program's name
    slip_code = page.locator(".slip-code")
    assert squeezed(slip_code.inner_text()) == squeezed(code)
    lines = slip_code.evaluate(
        """element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            const box = range.getBoundingClientRect();
            return {lines: tops.size, right: box.right};
        }"""
    )
    assert lines["lines"] == 1, "the code breaks across lines on an 80 mm slip"
    assert lines["right"] <= SLIP_WIDTH, "the code runs off an 80 mm slip"
