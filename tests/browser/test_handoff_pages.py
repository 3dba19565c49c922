"""The hand-off in real Chromium, in English and in Spanish: the board's hand-off page
(preparing, waiting, agreed, sent) and the person's section on their case page (the question,
the yes, "sent on"). axe-core finds no WCAG 2.x A/AA problem and nothing scrolls sideways on
a 360 px phone; the person answers with JavaScript off. Pictures:
tests/browser/screenshots/board-handoff-*.png and handoff-*.png.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.models import Referral
from tests.board import Board, csrf
from tests.browser.browsing import (
    PHONE,
    Person,
    assert_fits_a_phone,
    describe_violations,
    run_axe,
    screenshot,
)
from tests.browser.test_board_pages import LANGUAGES, Walk
from tests.builders import act, long_pdf, signed_in
from tests.conftest import FakeClock, Participant

pytestmark = pytest.mark.browser

NARRATIVE = "Officer Reyes took my phone outside the shelter. My sister Ana saw it."


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


def _agreed_referral(app: Flask, board: Board) -> tuple[str, str]:
    """A complaint with two photos and a PDF, referred with the person's yes: (code, path)."""
    photos = []
    for colour in ("red", "blue"):
        picture = io.BytesIO()
        Image.new("RGB", (40, 30), colour).save(picture, format="PNG")
        picture.seek(0)
        photos.append((picture, f"{colour}.png"))
    person = app.test_client()
    code = Participant(person).file_and_get_code(
        narrative=NARRATIVE, files=[*photos, (io.BytesIO(long_pdf(1)), "paper.pdf")]
    )
    reviewer = signed_in(app, board, Role.REVIEWER, "setup")
    act(reviewer, code[:4], "status", target="in_review", reason="Reading it.")
    act(reviewer, code[:4], "refer", body="oversight", explanation="They can discipline officers.")
    with app.app_context():
        referral = db.session().scalar(select(Referral.id))
    Participant(person).check(code)
    person.post(
        "/case/referral",
        data={"csrf_token": csrf(person, "/case"), "question": referral, "answer": "yes"},
    )
    return code, f"/review/cases/{code[:4]}/referrals/{referral}/handoff"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_hand_off_pages_are_accessible_fit_a_phone_and_work_without_javascript(
    app: Flask, clock: FakeClock, person_on: Callable[..., Person], language: str
) -> None:
    board = Board(app, clock)
    member = board.member(Role.REVIEWER, "rev")
    code, path = _agreed_referral(app, board)
    locale = LANGUAGES[language]

    walk = Walk(person_on(PHONE, bypass_csp=True, locale=locale), clock)
    walk.sign_in(member)
    walk.go(path)
    walk.look("handoff-new", "Hand-off for case %(ref)s")
    walk.person.page.get_by_label(walk.t("What will be sent")).fill(
        "An officer took my phone outside the shelter. A relative saw it."
    )
    for box in walk.person.page.locator("input[name=files]").all():
        box.check()
    walk.press("Save and ask the person")
    walk.look("handoff-waiting", "Hand-off for case %(ref)s")

    # The person answers with JavaScript off; axe runs in a second, JavaScript-on browser.
    plain = person_on(PHONE, locale=locale, java_script_enabled=False)
    plain.check(code)
    section = plain.page.locator("section.question", has_text=plain.t("Is it OK to send this?"))
    assert section.get_by_text("A relative saw it.").count() == 1
    assert "Reyes" not in section.inner_text()
    assert {"en": "2 photos, 1 PDF", "es": "2 fotos, 1 PDF"}[language] in section.inner_text()
    looker = person_on(PHONE, bypass_csp=True, locale=locale)
    looker.check(code)
    problems = _look(looker, f"handoff-question-{language}")
    section.get_by_label(plain.t("Yes, send this")).check()
    plain.press("Send my answer")
    assert plain.page.get_by_text(plain.t("You said yes. The board can now send this.")).count()
    looker.open("/case")
    problems += _look(looker, f"handoff-agreed-{language}")

    walk.go(path)
    walk.look("handoff-agreed", "Hand-off for case %(ref)s")
    with walk.person.page.expect_download() as waiting:
        walk.person.page.get_by_role("button", name=walk.t("Download the PDF")).click()
    assert waiting.value.suggested_filename == "referral.pdf"
    walk.go(path)
    walk.look("handoff-sent", "Hand-off for case %(ref)s")

    looker.open("/case")
    sent_on = looker.t("Sent on %(date)s to %(body)s").split("%")[0].strip()
    assert looker.page.get_by_role("heading", level=2).filter(has_text=sent_on).count() == 1
    problems += _look(looker, f"handoff-sent-{language}")
    assert not walk.problems + problems, "\n\n".join(walk.problems + problems)
