"""Every review-board page, in English and in Spanish, in real Chromium: axe-core finds no WCAG
2.x A/AA problem, nothing scrolls sideways on a 360 px phone (wide tables scroll inside their
own box), and buttons and fields are big enough to tap.

Accounts are made with tests/board.py's `Board` against the live app; the browser then signs
in through the real form, with a real TOTP code (pyotp) for the clock the server reads. Each
test walks one person's pages and reports every problem it met at the end. Pictures go to
tests/browser/screenshots/board-<page>-<language>.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask

from portal.board.accounts import Role
from tests.board import Board, Member, totp_now
from tests.browser.browsing import (
    PHONE,
    Person,
    assert_fits_a_phone,
    describe_violations,
    run_axe,
    screenshot,
)
from tests.conftest import FakeClock, Participant

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "es": "es-US"}
NARRATIVE = "Two officers stopped me outside the shelter and took my bag."


@dataclass
class Walk:
    """One person's way through the board pages, noting what each page got wrong."""

    person: Person
    clock: FakeClock
    problems: list[str] = field(default_factory=list)

    @property
    def t(self) -> Callable[[str], str]:
        return self.person.t

    def look(self, name: str, heading: str) -> None:
        """Check the page now showing: its heading, axe, fit and tap targets; a picture."""
        page, language = self.person.page, self.person.language
        where = f"board-{name}-{language}"
        shown, expected = self.person.heading(), self.t(heading)
        # "Case %(ref)s": any reference will do.
        pattern = re.sub(r"%\\\(\w+\\\)s", ".+", re.escape(expected))
        if not re.fullmatch(pattern, shown):
            self.problems.append(f"{where}: heading {shown!r}, expected {expected!r}")
        screenshot(page, where)
        violations = run_axe(page)
        if violations:
            self.problems.append(f"{where}:\n{describe_violations(violations)}")
        try:
            assert_fits_a_phone(page, where)
        except AssertionError as error:
            self.problems.append(str(error))

    def go(self, path: str) -> None:
        self.person.open(path)

    def fill(self, label: str, text: str) -> None:
        self.person.page.get_by_label(self.t(label), exact=True).fill(text)

    def press(self, button: str) -> None:
        self.person.press(button)

    def sign_in(self, member: Member, *, look: bool = False) -> None:
        self.clock.advance(seconds=31)  # a TOTP step of its own
        self.go("/review/sign-in")
        if look:
            self.look("sign-in", "Sign in")
            self.fill("Username", member.username)
            self.fill("Password", "not the password")
            self.press("Sign in")
            self.look("sign-in-failed", "Sign in")
        self.fill("Username", member.username)
        self.fill("Password", member.password)
        self.press("Sign in")
        if member.secret is None:
            return
        if look:
            self.look("second-step", "One more step")
        self.fill("Code", totp_now(member.secret, self.clock.moment))
        self.press("Continue")


@pytest.fixture
def walk_in(person_on: Callable[..., Person], clock: FakeClock) -> Callable[[str], Walk]:
    def make(language: str) -> Walk:
        # bypass_csp lets axe's script in; it changes nothing else about the page.
        return Walk(person_on(PHONE, bypass_csp=True, locale=LANGUAGES[language]), clock)

    return make


def file_complaints(app: Flask) -> None:
    """Two complaints for the queue: one from someone who is not safe."""
    Participant(app.test_client()).file(NARRATIVE, safe_now="no", kind="police")
    Participant(app.test_client()).file("The clinic turned me away twice.", kind="provider")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admins_pages(
    app: Flask, clock: FakeClock, walk_in: Callable[[str], Walk], language: str
) -> None:
    board = Board(app, clock)
    chair = board.member(Role.ADMIN, "chair")
    board.member(Role.REVIEWER, "rivera")
    file_complaints(app)
    walk = walk_in(language)
    walk.sign_in(chair, look=True)

    walk.look("queue", "Cases")
    walk.go("/review/?status=received&urgent=y")
    walk.look("queue-filtered", "Cases")
    walk.person.page.locator("table a").first.click()
    walk.person.page.wait_for_load_state()
    walk.look("case", "Case %(ref)s")
    walk.press("Send message")  # empty: the problem is shown and named
    walk.look("case-with-a-problem", "Case %(ref)s")
    walk.go("/review/account")
    walk.look("account", "My account")
    walk.go("/review/admin/accounts")
    walk.look("accounts", "Accounts")
    walk.press("Make an invitation link")
    walk.look("invitation-link", "Invitation link")
    for path, name, heading in [
        ("/review/admin/sessions", "sessions", "Who is signed in"),
        ("/review/admin/audit", "audit-log", "Audit log"),
        ("/review/admin/settings", "settings", "Site settings"),
        ("/review/alerts", "pattern-alerts", "Pattern alerts"),
    ]:
        walk.go(path)
        walk.look(name, heading)
    assert not walk.problems, "\n\n".join(walk.problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_joining_the_board(
    app: Flask, clock: FakeClock, walk_in: Callable[[str], Walk], language: str
) -> None:
    """An invitation link, the account form, the second step and the recovery codes."""
    board = Board(app, clock)
    board.member(Role.ADMIN, "chair")
    walk = walk_in(language)
    walk.go("/review/enroll/not-a-real-invitation")
    walk.look("invitation-not-working", "This invitation link does not work")
    walk.go(f"/review/enroll/{board.invite(Role.REVIEWER)}")
    walk.look("enroll", "Make your account")
    walk.fill("Choose a username", "new.member")
    walk.fill("New password", "violet mountain kettle 42")
    walk.fill("The same password again", "violet mountain kettle 43")
    walk.press("Make my account")
    walk.look("enroll-with-problems", "Make your account")
    walk.fill("New password", "violet mountain kettle 42")
    walk.fill("The same password again", "violet mountain kettle 42")
    walk.press("Make my account")
    walk.look("second-step-setup", "Set up your second step")
    secret = walk.person.page.locator("code.secret").inner_text()
    walk.fill("Code", "000000")
    walk.press("Finish")
    walk.look("second-step-setup-wrong-code", "Set up your second step")
    walk.fill("Code", totp_now(secret, clock.moment))
    walk.press("Finish")
    walk.look("recovery-codes", "Your recovery codes")
    assert not walk.problems, "\n\n".join(walk.problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_peer_advocates_pages(
    app: Flask, clock: FakeClock, walk_in: Callable[[str], Walk], language: str
) -> None:
    """Home, the consent step read aloud, and the hand-over of the code."""
    advocate = Board(app, clock).member(Role.ADVOCATE, "peer")
    walk = walk_in(language)
    walk.sign_in(advocate)
    walk.look("advocate-home", "Welcome, %(name)s")
    walk.person.follow("Help someone file")
    walk.look("assist", "Help someone file")
    walk.press("Open the complaint form")
    walk.look("assist-not-ticked", "Help someone file")
    walk.person.page.get_by_label(
        walk.t("I read this to the person, and they want to go on")
    ).check()
    walk.press("Open the complaint form")
    walk.fill("What happened?", NARRATIVE)
    walk.press("Send")
    walk.look("handover", "The complaint is sent")
    aloud = walk.person.page.locator(".aloud").inner_text()
    assert (" as in " if language == "en" else " de ") in aloud
    assert not walk.problems, "\n\n".join(walk.problems)
