"""The lost-code link pages in real Chromium, in English and in Spanish: the board's link
section (what a link will and will not show, the second member's approval) and the person's
question and linked earlier case. axe-core finds no WCAG 2.x A/AA problem and nothing scrolls
sideways on a 360 px phone. Pictures: tests/browser/screenshots/board-link-*.png and
link-*.png.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from portal.board.accounts import Role
from tests.board import Board
from tests.browser.browsing import (
    PHONE,
    Person,
    assert_fits_a_phone,
    describe_violations,
    run_axe,
    screenshot,
)
from tests.browser.test_board_pages import LANGUAGES, Walk
from tests.builders import act, file_directly, signed_in
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser


def _look(person: Person, name: str) -> list[str]:
    screenshot(person.page, name)
    problems = []
    violations = run_axe(person.page)
    if violations:
        problems.append(f"{name}:\n{describe_violations(violations)}")
    try:
        assert_fits_a_phone(person.page, name)
    except AssertionError as error:
        problems.append(str(error))
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_link_pages_are_accessible_and_fit_a_phone(
    app: Flask,
    clock: FakeClock,
    person_on: Callable[..., Person],
    language: str,
) -> None:
    board = Board(app, clock)
    chair = board.member(Role.ADMIN, "chair")
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    earlier = file_directly(app, clock, narrative="The officer took my bag.")[:4]
    new_code = file_directly(
        app, clock, narrative="It happened again.", lost_code_note="I wrote in May, lost it."
    )
    act(reviewer, new_code[:4], "link", earlier=earlier)

    # bypass_csp lets axe's script in; it changes nothing else about the page.
    walk = Walk(person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language]), clock)
    walk.sign_in(chair)
    walk.go(f"/review/cases/{new_code[:4]}")
    walk.look("link-waiting-for-approval", "Case %(ref)s")
    walk.press("Approve: ask the person")
    walk.look("link-approved", "Case %(ref)s")

    person = person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language])
    person.check(new_code)
    problems = _look(person, f"link-question-{language}")
    person.page.get_by_label(person.t("Yes, it is mine")).check()
    person.press("Send my answer")
    act(reviewer, earlier, "message", body="We are still looking into it.")
    person.open("/case")
    assert person.page.get_by_text("We are still looking into it.").count() == 1
    problems += _look(person, f"link-confirmed-{language}")
    assert not walk.problems + problems, "\n\n".join(walk.problems + problems)
