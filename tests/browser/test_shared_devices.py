"""Shared phones and centre computers, in real Chromium: after an advocate's "Finish and
clear", and after kiosk mode's idle timeout, pressing Back shows no complaint and no code."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import pytest
from flask import Flask

from portal.board.accounts import Role
from portal.site import Site
from tests.board import PASSWORD, Board
from tests.browser.browsing import PHONE, Person, screenshot
from tests.browser.test_flows import FIRST_LINE, NARRATIVE, open_a_case, secret_part, squeezed

pytestmark = pytest.mark.browser


@pytest.fixture
def site(site: Site) -> Site:
    """Kiosk mode on, with an idle time short enough to wait for in a test."""
    return dataclasses.replace(site, kiosk_mode=True, kiosk_idle_seconds=2)


def shows_nothing_of(person: Person, code: str) -> bool:
    content = person.page.content()
    return FIRST_LINE not in content and secret_part(code) not in squeezed(content)


def test_finish_and_clear_then_back_shows_nothing(
    app: Flask,
    clock,
    person_on: Callable[..., Person],
) -> None:
    Board(app, clock).member(Role.ADVOCATE, "peer")
    person = person_on(PHONE)
    person.open("/review/sign-in")
    person.page.get_by_label("Username").fill("peer")
    person.page.get_by_label("Password").fill(PASSWORD)
    person.press("Sign in")
    person.follow("Help someone file")
    person.page.get_by_label("I read this to the person, and they want to go on").check()
    person.press("Open the complaint form")
    person.page.get_by_label("What happened?").fill(NARRATIVE)
    person.press("Send")
    assert person.heading() == "The complaint is sent"
    code = person.claim_code()
    assert "as in" in person.page.locator(".aloud").inner_text()
    screenshot(person.page, "handover-360")

    person.press("Finish and clear")
    assert person.heading() == "Tell us about bad treatment"
    # The hand-over page was the answer to a POST and is not stored: Chromium shows its own
    # "resend the form?" page instead, which holds nothing of it.
    with contextlib.suppress(Exception):  # Playwright's net::ERR_CACHE_MISS
        person.page.go_back()
    screenshot(person.page, "handover-finish-then-back")
    assert shows_nothing_of(person, code)
    person.open("/review/")
    assert person.page.url.endswith("/review/sign-in")


def test_kiosk_idle_clears_the_case_and_back_shows_nothing(
    person_on: Callable[..., Person],
) -> None:
    person = person_on(PHONE)
    code = open_a_case(person)
    # No input for longer than the idle time: the script replaces the page.
    person.page.wait_for_url(lambda url: url.endswith("/"), timeout=10_000)
    assert person.heading() == "Tell us about bad treatment"
    person.page.go_back()
    screenshot(person.page, "kiosk-idle-then-back")
    assert shows_nothing_of(person, code)


def test_kiosk_idle_without_javascript(person_on: Callable[..., Person]) -> None:
    person = person_on(PHONE, java_script_enabled=False)
    code = open_a_case(person)
    person.page.wait_for_url(lambda url: url.endswith("/"), timeout=10_000)
    person.page.go_back()
    assert shows_nothing_of(person, code)


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
def test_kiosk_asks_still_there_before_clearing_typed_words(
    person_on: Callable[..., Person], locale: str
) -> None:
    person = person_on(PHONE, locale=locale)
    page, t = person.page, person.t
    person.open("/file")
    page.get_by_label(t("What happened?")).fill(NARRATIVE)

    # Left alone for the idle time: a question, not a blank screen.
    dialog = page.get_by_role("alertdialog", name=t("Still there?"))
    dialog.wait_for(state="visible", timeout=10_000)
    stay = dialog.get_by_role("button", name=t("Yes, I am still here"))
    assert page.evaluate("document.activeElement.id") == "idle-stay"
    count = page.locator("#idle-count")
    assert count.is_visible()
    start = int(count.inner_text())
    page.wait_for_function(
        "start => Number(document.getElementById('idle-count').textContent) < start", arg=start
    )
    screenshot(page, f"kiosk-still-there-{locale[:2]}")
    stay.click()
    assert not dialog.is_visible()
    assert page.get_by_label(t("What happened?")).input_value() == NARRATIVE
    assert page.url.endswith("/file")

    # Asked again, and nobody answers: the screen clears.
    dialog.wait_for(state="visible", timeout=10_000)
    page.wait_for_url(lambda url: url.endswith("/"), timeout=10_000)
    assert person.heading() == t("Tell us about bad treatment")
    assert FIRST_LINE not in page.content()


def test_kiosk_clears_a_page_with_nothing_typed_without_asking(
    person_on: Callable[..., Person],
) -> None:
    person = person_on(PHONE)
    person.open("/file")
    person.page.wait_for_url(lambda url: url.endswith("/"), timeout=10_000)
    assert person.heading() == "Tell us about bad treatment"
