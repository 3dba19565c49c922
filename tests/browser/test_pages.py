"""Every participant page and error page, in each state a person can meet it, in English and
in Spanish, checked in real Chromium: axe-core finds no WCAG 2.x A/AA problem, the page fits a
320 px phone without sideways scrolling, and its buttons and fields are big enough to tap.

Each page is also saved as a phone-sized picture in tests/browser/screenshots/ to look at
(`<page>-<language>-<width>.png`).
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
    person.page.get_by_label(person.t("What happened?")).fill(NARRATIVE)
    person.press("Send")
    clock.advance(hours=2)
    person.open("/file")
    token.evaluate("(input, value) => { input.value = value; }", first_token)
    person.page.get_by_label(person.t("What happened?")).fill(NARRATIVE)
    person.press("Send")


def form_after_switching_language(person: Person, _clock: FakeClock) -> None:
    """Half filled in, in the other language; then the language button on the form brings
    it back in the person's own language, with what they typed."""
    own = person.language
    person.open("/file")
    person.switch_language("es" if own == "en" else "en")
    person.page.locator("#narrative").fill(NARRATIVE)
    person.open_more_questions()
    person.page.locator("#where_text").fill("Near the library")
    person.switch_language(own)
    assert person.page.locator("#narrative").input_value() == NARRATIVE
    assert person.page.locator("#where_text").input_value() == "Near the library"


def receipt_after_switching_language(person: Person, _clock: FakeClock) -> None:
    """The receipt shows the code once; switching language there keeps it."""
    own = person.language
    person.file(NARRATIVE, **{"Are you safe right now?": "No, I am not safe right now"})
    code = person.claim_code()
    person.switch_language("es" if own == "en" else "en")
    assert person.claim_code() == code
    person.switch_language(own)
    assert person.claim_code() == code


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


def delete_confirmation(person: Person, clock: FakeClock) -> None:
    """Stopping with deletion asks first, saying what will be gone."""
    case(person, clock)
    person.page.locator("#stop > summary").click()
    person.page.get_by_label(
        person.t("Stop the complaint and delete what I wrote, for good.")
    ).check()
    person.press("Stop my complaint")


def figures(person: Person, _clock: FakeClock) -> None:
    person.open("/figures")


def not_found(person: Person, _clock: FakeClock) -> None:
    person.open("/no-such-page")


def expired_form(person: Person, _clock: FakeClock) -> None:
    person.open("/check")
    person.page.locator("input[name=csrf_token]").evaluate("input => { input.value = 'old'; }")
    person.page.get_by_label(person.t("Your claim code")).fill("K7QM-2XPA-9HDR-T4WE-8NCB")
    person.press("Open")


PAGES: list[tuple[Callable[[Person, FakeClock], None], str]] = [
    (home, "Tell us about bad treatment"),
    (home_after_leaving, "Tell us about bad treatment"),
    (file_form, "Make a complaint"),
    (file_form_with_problems, "Make a complaint"),
    (receipt, "We got your complaint"),
    (receipt_not_safe, "We got your complaint"),
    (already_filed, "We already have this complaint"),
    (form_after_switching_language, "Make a complaint"),
    (receipt_after_switching_language, "We got your complaint"),
    (check_form, "Check my complaint"),
    (check_with_typo, "Check my complaint"),
    (check_after_case_closed, "Check my complaint"),
    (case, "Your complaint"),
    (delete_confirmation, "Delete your complaint for good?"),
    (figures, "Public figures"),
    (not_found, "We could not find that page"),
    (expired_form, "This page was open for a long time"),
]


LANGUAGES = {"en": "en-US", "es": "es-US"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("reach", "heading"), PAGES, ids=[reach.__name__ for reach, _heading in PAGES]
)
def test_page_is_accessible_and_fits_a_phone(
    person_on: Callable[..., Person],
    clock: FakeClock,
    reach: Callable[[Person, FakeClock], None],
    heading: str,
    language: str,
) -> None:
    # bypass_csp lets axe's script in; it changes nothing else about the page.
    person = person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language])
    reach(person, clock)
    assert person.heading() == person.t(heading)
    assert person.page.locator("html").get_attribute("lang") == language
    name = f"{reach.__name__}-{language}"
    screenshot(person.page, f"{name}-360")

    violations = run_axe(person.page)
    assert not violations, f"axe found on {name}:\n{describe_violations(violations)}"

    person.page.set_viewport_size(SMALL_PHONE)
    screenshot(person.page, f"{name}-320")
    assert_fits_a_phone(person.page, name)
