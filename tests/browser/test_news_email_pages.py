""" "Tell me when there is news" in real Chromium, in English and Spanish: the receipt's and
the case page's email box (empty, refused, saved, removed) and the board's case page pass
axe-core with no violation and fit a 360 px phone; with JavaScript off the forms still work
end to end, to a real local SMTP server.

Pictures go to tests/browser/screenshots/news-*.png.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from portal.board.accounts import Role
from portal.site import Site
from tests import mailbox
from tests.board import Board
from tests.browser.browsing import (
    PHONE,
    Person,
    assert_fits_a_phone,
    describe_violations,
    run_axe,
    screenshot,
)
from tests.browser.test_board_pages import Walk
from tests.builders import act, signed_in
from tests.conftest import FakeClock
from tests.mailbox import Inbox

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "es": "es-US"}
NARRATIVE = "Two officers stopped me outside the shelter and took my bag."
ADDRESS = "river.sparrow.77@mail.example"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with mailbox.running() as box:
        yield box


@pytest.fixture
def site(site: Site, inbox: Inbox) -> Site:
    return dataclasses.replace(site, smtp_host="127.0.0.1", smtp_port=inbox.port)


def look(person: Person, name: str, problems: list[str]) -> None:
    """axe, fit and tap targets on the page now showing; a picture at 360 px."""
    where = f"news-{name}-{person.language}"
    screenshot(person.page, where)
    violations = run_axe(person.page)
    if violations:
        problems.append(f"{where}:\n{describe_violations(violations)}")
    try:
        assert_fits_a_phone(person.page, where)
    except AssertionError as error:
        problems.append(str(error))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_email_boxes_are_accessible_and_fit_a_phone(
    person_on: Callable[..., Person], language: str
) -> None:
    person = person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language])
    t, page, problems = person.t, person.page, []
    person.file(NARRATIVE)
    code = person.claim_code()
    assert page.get_by_text(
        t("Anyone who can read your email will see that this site wrote to you.")
    ).is_visible()
    look(person, "receipt", problems)

    page.get_by_label(t("Your email address")).fill("river at home")
    person.press("Email me when there is news")
    assert person.claim_code() == code
    assert page.get_by_label(t("Your email address")).input_value() == "river at home"
    look(person, "receipt-refused", problems)

    page.get_by_label(t("Your email address")).fill(ADDRESS)
    person.press("Email me when there is news")
    assert person.claim_code() == code
    look(person, "receipt-saved", problems)

    person.check(code)
    assert page.get_by_text("r•••@mail.example", exact=False).is_visible()
    look(person, "case-saved", problems)
    person.press("Stop the emails and erase my address")
    page.locator("details#news > summary").click()
    assert page.get_by_label(t("Your email address")).is_visible()
    look(person, "case-empty", problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_board_sees_only_that_the_person_asked(
    person_on: Callable[..., Person], app: Flask, clock: FakeClock, language: str
) -> None:
    person = person_on(PHONE, locale=LANGUAGES[language])
    person.file(NARRATIVE)
    code = person.claim_code()
    person.page.get_by_label(person.t("Your email address")).fill(ADDRESS)
    person.press("Email me when there is news")

    walk = Walk(person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language]), clock)
    walk.sign_in(Board(app, clock).member(Role.REVIEWER, "rev"))
    walk.go(f"/review/cases/{code[:4]}")
    walk.look("case-news", "Case %(ref)s")
    content = walk.person.page.content()
    assert (
        walk.t(
            "The person asked to be told by email when there is news. You never see the address."
        )
        in content
    )
    assert "river" not in content
    screenshot(walk.person.page, f"news-board-case-{language}")
    assert not walk.problems, "\n".join(walk.problems)


def test_with_javascript_off_the_forms_work(
    person_on: Callable[..., Person], app: Flask, clock: FakeClock, inbox: Inbox
) -> None:
    person = person_on(PHONE, java_script_enabled=False)
    person.file(NARRATIVE)
    code = person.claim_code()
    person.page.get_by_label("Your email address").fill(ADDRESS)
    person.press("Email me when there is news")
    assert person.page.get_by_text("We will email you when there is news", exact=False).is_visible()

    reviewer = signed_in(app, Board(app, clock), Role.REVIEWER, "rev")
    act(reviewer, code[:4], "message", body="A question for you.")
    assert len(inbox.to(ADDRESS)) == 1

    person.check(code)
    person.press("Stop the emails and erase my address")
    assert person.page.get_by_text("your address is erased", exact=False).is_visible()
    act(reviewer, code[:4], "message", body="Another question.")
    assert len(inbox.to(ADDRESS)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_settings_page_with_the_news_settings(
    person_on: Callable[..., Person], app: Flask, clock: FakeClock, language: str
) -> None:
    walk = Walk(person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language]), clock)
    walk.sign_in(Board(app, clock).member(Role.ADMIN, "chair"))
    walk.go("/review/admin/settings")
    walk.look("settings-news", "Site settings")
    label = walk.t("Days after a case is closed to erase the person's email address")
    assert walk.person.page.get_by_label(label).input_value() == "30"
    screenshot(walk.person.page, f"news-board-settings-{language}")
    assert not walk.problems, "\n".join(walk.problems)
