"""The Accounts page and the admins' warning on a 360 px phone, in English and Spanish: the
document is no wider than the screen, and nothing on it scrolls sideways inside its own box
(the accounts used to sit in a wide table that did). Pictures go to
tests/browser/screenshots/board-accounts-phone-<language>.png and
board-nobody-can-open-<language>.png.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.models import Account
from tests.board import Board
from tests.browser.browsing import PHONE, Person, screenshot
from tests.browser.test_board_pages import LANGUAGES, Walk
from tests.builders import file_directly
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser

# Anything wider than its box that the person would have to scroll sideways to read.
SIDEWAYS_JS = """
() => [...document.querySelectorAll('main *')]
  .filter(el => el.scrollWidth > el.clientWidth + 1
    && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
  .map(el => el.tagName + '.' + el.className)
"""


def fits_the_screen(page, where: str, *, inside: bool = True) -> None:
    """No wider than the screen; with `inside`, no part of it scrolls sideways either."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{where}: the page is {width[0]}px wide on a {width[1]}px screen"
    if inside:
        assert page.evaluate(SIDEWAYS_JS) == [], f"{where}: a part of the page scrolls sideways"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_accounts_page_fits_a_phone(
    app: Flask, clock: FakeClock, person_on: Callable[..., Person], language: str
) -> None:
    board = Board(app, clock)
    chair = board.member(Role.ADMIN, "chair")
    board.member(Role.REVIEWER, "rivera.longer-username_for-board")
    board.member(Role.ADVOCATE, "peer.advocate.from.the.drop-in")
    board.enroll(app.test_client(), Role.REVIEWER, "waiting.for.approval")
    file_directly(app, clock, kind="sexual")
    with app.app_context():  # the only trained member is gone: the home page warns
        session = db.session()
        session.scalar(select(Account).where(Account.username == "chair")).trained_sensitive = False
        session.commit()
    walk = Walk(person_on(PHONE, locale=LANGUAGES[language]), clock)
    assert walk.person.page.viewport_size["width"] == 360
    walk.sign_in(chair)
    page = walk.person.page
    assert page.locator("#unopenable").inner_text() == walk.t("%(num)d case nobody can open") % {
        "num": 1
    }
    screenshot(page, f"board-nobody-can-open-{language}")
    fits_the_screen(page, f"home ({language})", inside=False)  # the queue's table may scroll
    walk.go("/review/admin/accounts")
    screenshot(page, f"board-accounts-phone-{language}")
    fits_the_screen(page, f"accounts ({language})")
