"""What a person notices, end to end in real Chromium on a phone: filing, writing the code down,
coming back with it, leaving, and the quick exit with and without JavaScript.

Every test also checks that nothing but the quick exit left 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from portal.site import Site
from tests.browser.browsing import (
    PHONE,
    SMALL_PHONE,
    Devices,
    Person,
    assert_fits_a_phone,
    screenshot,
)

pytestmark = pytest.mark.browser

NARRATIVE = "Two officers stopped me outside the shelter.\nThey took my bag and never gave it back."
FIRST_LINE = NARRATIVE.splitlines()[0]


def secret_part(code: str) -> str:
    """The 15 secret characters of a claim code, without dashes."""
    return code.replace("-", "")[4:19]


def squeezed(text: str) -> str:
    """Upper case, without spaces or dashes: how a code would look wherever it hid."""
    return re.sub(r"[\s-]", "", text.upper())


def open_a_case(person: Person) -> str:
    """File a complaint and open it with its code; returns the code."""
    person.file(NARRATIVE)
    code = person.claim_code()
    person.check(code)
    assert person.heading() == "Your complaint"
    assert FIRST_LINE in person.page.content()
    return code


def assert_case_is_closed(person: Person) -> None:
    """The server no longer shows the complaint to this browser: it asks for the code again,
    and, since the person ended it, says nothing that would tell someone else a complaint
    was ever open here."""
    person.open("/case")
    assert person.page.url == person.base_url + "/check"
    content = person.page.content()
    assert FIRST_LINE not in content
    assert "complaint closed" not in content


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["320x640", "360x740"])
def test_file_then_come_back_with_the_code(
    person_on: Callable[..., Person], devices: Devices, viewport: dict[str, int]
) -> None:
    person = person_on(viewport)
    page = person.page
    width = viewport["width"]

    person.open("/")
    assert_fits_a_phone(page, "start page")
    person.follow("Make a complaint")
    page.get_by_label("What happened?").fill(NARRATIVE)
    page.get_by_text("More questions you can answer").click()
    # The whole line is the target: tapping the words chooses the answer.
    page.get_by_text("Police misconduct", exact=True).click()
    page.get_by_label("Roughly when?").fill("Last Tuesday night")
    assert_fits_a_phone(page, "form")
    person.press("Send")

    assert person.heading() == "We got your complaint"
    code = person.claim_code()
    assert_fits_a_phone(page, "receipt")
    screenshot(page, f"flow-{width}-1-receipt")
    person.press("I wrote it down. Done.")
    person.follow("Check my complaint")

    # Written down by hand: lower case, spaces instead of dashes.
    person.page.get_by_label("Your claim code").press_sequentially(code.lower().replace("-", " "))
    screenshot(page, f"flow-{width}-2-check")
    person.press("Open")

    assert person.heading() == "Your complaint"
    assert page.url == person.base_url + "/case"
    assert page.locator(".filed .words").first.inner_text() == NARRATIVE
    assert "Police misconduct" in page.locator(".filed").inner_text()
    assert secret_part(code) not in squeezed(page.locator("body").inner_text())
    assert_fits_a_phone(page, "case")
    screenshot(page, f"flow-{width}-3-case")

    person.press("Leave")
    assert person.heading() == "Tell us about bad treatment"
    assert "You left your complaint" in page.get_by_role("status").inner_text()
    assert_case_is_closed(person)

    assert not devices.outside_requests()
    assert not [r.url for r in devices.requests if secret_part(code) in squeezed(r.url)]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_quick_exit_ends_the_case_and_back_does_not_show_it(
    person_on: Callable[..., Person], devices: Devices, site: Site, javascript: bool
) -> None:
    person = person_on(PHONE, java_script_enabled=javascript)
    open_a_case(person)

    person.press("Quick exit")
    person.page.wait_for_url(site.quick_exit_url)
    assert person.heading() == "Sunny today"

    person.page.go_back()
    screenshot(person.page, f"quick-exit-{'js' if javascript else 'no-js'}-then-back")
    assert FIRST_LINE not in person.page.content()
    assert_case_is_closed(person)

    outside = [(r.method, r.url, r.is_navigation_request()) for r in devices.outside_requests()]
    assert outside == [("GET", site.quick_exit_url, True)], [
        (r.method, r.url, r.redirected_from and r.redirected_from.url) for r in devices.requests
    ]


def test_print_button_only_with_javascript(person_on: Callable[..., Person]) -> None:
    """Print needs JavaScript; without it the button is not offered (writing it down is)."""
    with_js = person_on(PHONE)
    with_js.file(NARRATIVE)
    assert with_js.page.get_by_role("button", name="Print").is_visible()

    without_js = person_on(PHONE, java_script_enabled=False)
    without_js.file(NARRATIVE)
    assert without_js.page.get_by_role("button", name="Print").count() == 0


def test_delete_asks_first_and_no_goes_back_without_javascript(
    person_on: Callable[..., Person],
) -> None:
    person = person_on(PHONE, java_script_enabled=False)
    page = person.page
    code = open_a_case(person)
    delete = "Stop the complaint and delete what I wrote, for good."
    page.locator("#stop > summary").click()
    page.get_by_label(delete).check()
    person.press("Stop my complaint")
    assert person.heading() == "Delete your complaint for good?"
    screenshot(page, "delete-confirmation-nojs")

    person.press("No, go back")
    assert person.heading() == "Your complaint"
    assert page.get_by_label(delete).is_checked()  # the choice is still made, and visible
    assert FIRST_LINE in page.content()

    person.press("Stop my complaint")
    person.press("Yes, delete it")
    assert person.heading() == "Your complaint is stopped and deleted"
    person.check(code)
    assert person.heading() == "Check my complaint"  # the code opens nothing now
