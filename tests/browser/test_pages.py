"""Every participant page and error page, in each state a person can meet it, checked in real
Chromium: axe-core finds no WCAG 2.x A/AA problem, the page fits a 320 px phone without
sideways scrolling, and its buttons and fields are big enough to tap.

Each page is also saved as a phone-sized picture in tests/browser/screenshots/ to look at.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.browsing import (
    PHONE,
    SMALL_PHONE,
    Person,
    assert_fits_a_phone,
    describe_violations,
    run_axe,
    screenshot,
)
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser

NARRATIVE = "Two officers stopped me outside the shelter.\nThey took my bag and never gave it back."


def home(person: Person, _clock: FakeClock) -> None:
    person.open("/")


def home_after_leaving(person: Person, _clock: FakeClock) -> None:
    person.file(NARRATIVE)
    person.check(person.claim_code())
    person.press("Leave")


def file_form(person: Person, _clock: FakeClock) -> None:
    person.open("/file")


def file_form_with_problems(person: Person, _clock: FakeClock) -> None:
    person.open("/file")
    person.press("Send")


def receipt(person: Person, _clock: FakeClock) -> None:
    person.file(NARRATIVE)


def receipt_not_safe(person: Person, _clock: FakeClock) -> None:
    person.file(NARRATIVE, **{"Are you safe right now?": "No, I am not safe right now"})


def already_filed(person: Person, clock: FakeClock) -> None:
    """The same form sent again after its receipt can no longer show the code."""
    person.open("/file")
    token = person.page.locator("input[name=form_token]")
    first_token = token.input_value()
    person.page.get_by_label("What happened?").fill(NARRATIVE)
    person.press("Send")
    clock.advance(hours=2)
    person.open("/file")
    token.evaluate("(input, value) => { input.value = value; }", first_token)
    person.page.get_by_label("What happened?").fill(NARRATIVE)
    person.press("Send")


def check_form(person: Person, _clock: FakeClock) -> None:
    person.open("/check")


def check_with_typo(person: Person, _clock: FakeClock) -> None:
    person.check("K7QM-2XPA-9HDR-T4WE-8NCC")


def check_after_case_closed(person: Person, clock: FakeClock) -> None:
    person.file(NARRATIVE)
    person.check(person.claim_code())
    clock.advance(minutes=16)
    person.open("/case")


def case(person: Person, _clock: FakeClock) -> None:
    person.file(
        NARRATIVE,
        **{"What is it about?": "Police misconduct", "Who did it?": "I don't know"},
    )
    person.check(person.claim_code())


def figures(person: Person, _clock: FakeClock) -> None:
    person.open("/figures")


def not_found(person: Person, _clock: FakeClock) -> None:
    person.open("/no-such-page")


def expired_form(person: Person, _clock: FakeClock) -> None:
    person.open("/check")
    person.page.locator("input[name=csrf_token]").evaluate("input => { input.value = 'old'; }")
    person.page.get_by_label("Your claim code").fill("K7QM-2XPA-9HDR-T4WE-8NCB")
    person.press("Open")


PAGES: list[tuple[Callable[[Person, FakeClock], None], str]] = [
    (home, "Tell us about bad treatment"),
    (home_after_leaving, "Tell us about bad treatment"),
    (file_form, "Make a complaint"),
    (file_form_with_problems, "Make a complaint"),
    (receipt, "We got your complaint"),
    (receipt_not_safe, "We got your complaint"),
    (already_filed, "We already have this complaint"),
    (check_form, "Check my complaint"),
    (check_with_typo, "Check my complaint"),
    (check_after_case_closed, "Check my complaint"),
    (case, "Your complaint"),
    (figures, "Public figures"),
    (not_found, "We could not find that page"),
    (expired_form, "This page was open for a long time"),
]


@pytest.mark.parametrize(
    ("reach", "heading"), PAGES, ids=[reach.__name__ for reach, _heading in PAGES]
)
def test_page_is_accessible_and_fits_a_phone(
    person_on: Callable[..., Person],
    clock: FakeClock,
    reach: Callable[[Person, FakeClock], None],
    heading: str,
) -> None:
    # bypass_csp lets axe's script in; it changes nothing else about the page.
    person = person_on(PHONE, bypass_csp=True)
    reach(person, clock)
    assert person.heading() == heading
    screenshot(person.page, f"{reach.__name__}-360")

    violations = run_axe(person.page)
    assert not violations, f"axe found on {reach.__name__}:\n{describe_violations(violations)}"

    person.page.set_viewport_size(SMALL_PHONE)
    screenshot(person.page, f"{reach.__name__}-320")
    assert_fits_a_phone(person.page, reach.__name__)
