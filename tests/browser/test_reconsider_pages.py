"""Asking again and mediation in real Chromium with JavaScript off, in English and Spanish: the
person's case page offering both, a reason with a problem, the case after asking; the board's
case page with its two forms; the figures table. axe-core finds nothing, nothing scrolls
sideways on a 360 px phone, and a picture of each goes to tests/browser/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.board.accounts import Role
from portal.site import Site
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
from tests.builders import act, file_directly, signed_in
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "es": "es-US"}
REASON = "The board did not read the paper from the clinic that I sent."
# Pictures for the lead to look at, beside the suite's own folder.


@pytest.fixture
def site() -> Site:
    return Site(
        program_name="Test LEAD", quick_exit_url="https://weather.example/", mediation_offered=True
    )


def decided_case(app: Flask, clock: FakeClock, chair: FlaskClient) -> str:
    code = file_directly(app, clock, narrative="An officer took my phone at the bus stop.")
    act(chair, code[:4], "status", target="in_review", reason="We are reading it.")
    act(
        chair,
        code[:4],
        "decide",
        disposition="not_substantiated",
        letter="We could not find that it happened as you said.",
        confirm="y",
    )
    return code


class Look:
    """Checks the page now showing (its heading, axe, the fit on a phone) and keeps a picture
    of it; notes every problem on the walk. With JavaScript off axe cannot run in the page
    itself, so it runs on the same HTML in `checker`, a page of the same site with it on."""

    def __init__(self, walk: Walk, checker: Person) -> None:
        self.walk = walk
        self.checker = checker
        checker.open("/figures/about")  # the site's origin, so its stylesheet applies

    def __call__(self, name: str, heading: str) -> None:
        person = self.walk.person
        where = f"{name}-{person.language}"
        shown, expected = person.heading(), person.t(heading)
        if not re.fullmatch(re.sub(r"%\\\(\w+\\\)s", ".+", re.escape(expected)), shown):
            self.walk.problems.append(f"{where}: heading {shown!r}, expected {expected!r}")
        screenshot(person.page, where)
        self.checker.page.set_content(person.page.content())
        violations = run_axe(self.checker.page)
        if violations:
            self.walk.problems.append(f"{where}:\n{describe_violations(violations)}")
        try:
            assert_fits_a_phone(person.page, where)
        except AssertionError as error:
            self.walk.problems.append(str(error))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_persons_pages_and_the_boards(
    app: Flask,
    clock: FakeClock,
    board: Board,
    person_on: Callable[..., Person],
    language: str,
) -> None:
    chair_client = signed_in(app, board, Role.ADMIN, "chair")
    code = decided_case(app, clock, chair_client)
    person = person_on(
        PHONE, bypass_csp=True, locale=LANGUAGES[language], java_script_enabled=False
    )
    walk = Walk(person, clock)
    checker = person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language])
    look = Look(walk, checker)
    person.check(code)
    look("reconsider-case-offered", "Your complaint")
    page = person.page
    assert page.get_by_role("heading", name=person.t("Ask the board to look again")).is_visible()

    person.press("Ask to look again")  # nothing written: the problem is named
    look("reconsider-reason-missing", "Your complaint")
    assert page.get_by_text(person.t("Please write why first.")).first.is_visible()
    page.get_by_label(person.t("Why should the board look again?")).fill(REASON)
    person.press("Ask to look again")
    look("reconsider-asked", "Your complaint")
    assert page.get_by_text(REASON).is_visible()
    person.press("I would like mediation")
    look("reconsider-mediation-asked", "Your complaint")

    # The board's side, on a phone as well.
    member = person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language])
    board_walk = Walk(member, clock)
    board_walk.sign_in(board.member(Role.REVIEWER, "rivera"))
    board_walk.go(f"/review/cases/{code[:4]}")
    board_look = Look(board_walk, checker)
    board_look("reconsider-board-case", "Case %(ref)s")
    board_walk.press("Record new decision")  # no letter, not ticked: both named
    board_look("reconsider-board-problem", "Case %(ref)s")
    outcome = member.page.get_by_label(member.t("How it ended"), exact=True)
    outcome.select_option("declined")
    board_walk.press("Record mediation")  # held "yes" with "the other side said no"
    board_look("reconsider-board-mediation-problem", "Case %(ref)s")

    board_walk.fill(
        "New letter to the person, in plain words", "We read your paper. You were right."
    )
    member.page.get_by_label(member.t("The board's new decision"), exact=True).select_option(
        "substantiated"
    )
    member.page.get_by_label(member.t("This is the board's new decision")).check()
    board_walk.press("Record new decision")
    board_look("reconsider-board-decided-again", "Case %(ref)s")
    person.open("/case")
    look("reconsider-decided-again", "Your complaint")
    assert page.get_by_text(person.t("The decision changed.")).is_visible()

    chair = person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language])
    chair_walk = Walk(chair, clock)
    chair_walk.sign_in(board.member(Role.ADMIN, "second-chair"))
    chair_walk.go("/review/admin/settings")
    Look(chair_walk, checker)("reconsider-settings", "Site settings")
    problems = chair_walk.problems

    clock.advance(days=120)  # into the next quarter: the figures for this one are out
    member.open("/figures/2026Q4")
    board_look("reconsider-figures", "Public figures")
    problems += walk.problems + board_walk.problems
    assert not problems, "\n\n".join(problems)
