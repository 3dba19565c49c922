"""Filing with the keyboard alone (Tab, Shift+Tab, Space, the arrow keys, Enter and typing),
with the focus always visible, and every participant page at 200 % zoom, in English and in Spanish.

200 % zoom in a 640 x 720 browser window lays a page out in 320 x 360 CSS pixels drawn at
two device pixels each; that is the window these tests use (not a phone: no touch, no
mobile viewport). WCAG 1.4.10 asks that nothing then needs sideways scrolling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal import db
from portal.models import Complaint
from tests.browser.browsing import SWITCH_TO, Person, horizontal_overflow, screenshot

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "es": "es-US"}
DESKTOP = {"width": 1024, "height": 768}
ZOOMED_200 = {"width": 320, "height": 360}
NARRATIVE = "Two officers stopped me outside the shelter and took my bag."
MAX_TABS = 80

# What has focus now, and whether it can be seen: an outline (or, failing that, a shadow).
_FOCUSED_JS = """
() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', id: el.id || '', name: el.name || '',
    text: (el.innerText || el.value || '').trim().slice(0, 60),
    label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : '',
    visible: outline || style.boxShadow !== 'none',
    inTrap: !!el.closest('.trap'),
  };
}
"""


class Keyboard:
    """Moves through a page with Tab alone, checking at each stop that focus can be seen."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.page = person.page
        self.unseen: list[str] = []

    def focused(self) -> dict[str, Any]:
        return self.page.evaluate(_FOCUSED_JS)

    def tab(self, shift: bool = False) -> dict[str, Any]:
        self.page.keyboard.press("Shift+Tab" if shift else "Tab")
        now = self.focused()
        assert not now["inTrap"], "the hidden spam-trap box took the focus"
        if now["tag"] != "body" and not now["visible"]:
            self.unseen.append(f"{now['tag']} {now['id'] or now['text']!r}")
        return now

    def press(self, key: str) -> dict[str, Any]:
        """A key other than Tab (an arrow key, say), then what has focus."""
        self.page.keyboard.press(key)
        now = self.focused()
        if now["tag"] != "body" and not now["visible"]:
            self.unseen.append(f"{now['tag']} {now['id'] or now['text']!r} after {key}")
        return now

    def tab_to(self, wanted: Callable[[dict[str, Any]], bool], what: str) -> None:
        for _ in range(MAX_TABS):
            if wanted(self.tab()):
                return
        raise AssertionError(f"{MAX_TABS} presses of Tab never reached {what}")

    def enter(self) -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


@pytest.mark.parametrize("language", LANGUAGES)
def test_filing_with_the_keyboard_alone(
    app: Flask, person_on: Callable[..., Person], language: str
) -> None:
    person = person_on(DESKTOP, is_mobile=False, has_touch=False, locale=LANGUAGES[language])
    t, keys = person.t, Keyboard(person)
    person.open("/")

    first = keys.tab()
    assert (first["tag"], first["text"]) == ("a", t("Skip to main content"))
    keys.tab_to(lambda el: el["text"] == t("Make a complaint"), "the Make a complaint link")
    keys.enter()
    assert person.heading() == t("Make a complaint")

    keys.tab_to(lambda el: el["id"] == "narrative", "the What happened? box")
    person.page.keyboard.type(NARRATIVE)
    # The language button comes just before the form: Shift+Tab, Enter. The form comes back
    # in the other language with the words kept.
    other = "es" if language == "en" else "en"
    assert keys.tab(shift=True)["text"] == SWITCH_TO[other]
    keys.enter()
    person.language = other
    assert person.heading() == person.t("Make a complaint")
    assert person.page.locator("#narrative").input_value() == NARRATIVE

    # Tab enters a group of answers at its first one; Space chooses it. The safety question
    # comes right after the story.
    keys.tab_to(lambda el: el["id"] == "safe_now-0", "the first answer to Are you safe?")
    person.page.keyboard.press("Space")
    assert person.page.locator("#safe_now-0").is_checked()
    # The other questions are one key away: Enter on "More questions" opens them.
    keys.tab_to(lambda el: el["tag"] == "summary", "the More questions section")
    person.page.keyboard.press("Enter")
    assert person.page.locator("details.more-questions").get_attribute("open") is not None
    # The arrow keys move the choice (and the focus) along a group; Tab then leaves it.
    keys.tab_to(lambda el: el["id"] == "kind-0", "the first answer to What is it about?")
    person.page.keyboard.press("Space")
    assert person.page.locator("#kind-0").is_checked()
    for key, answer in [("ArrowDown", "kind-1"), ("ArrowRight", "kind-2")]:
        assert keys.press(key)["id"] == answer, f"{key} did not move to the next answer"
        assert person.page.locator(f"#{answer}").is_checked(), f"{key} did not choose {answer}"
    assert not person.page.locator("#kind-0").is_checked()
    chosen_kind = person.page.locator("#kind-2").get_attribute("value")
    assert person.page.locator("#safe_now-0").is_checked()

    keys.tab_to(
        lambda el: el["tag"] == "button" and el["text"] == person.t("Send"), "the Send button"
    )
    keys.enter()
    assert person.heading() == person.t("We got your complaint")
    with app.app_context():
        filed = db.session().scalars(select(Complaint)).one()
        assert filed.kind == chosen_kind, "the answer chosen with the arrow keys was not sent"
    person.claim_code()
    keys.tab_to(lambda el: el["text"] == person.t("I wrote it down. Done."), "Done")
    screenshot(person.page, f"keyboard-receipt-{language}")
    assert not keys.unseen, f"focus could not be seen on: {keys.unseen}"


def _home(person: Person) -> None:
    person.open("/")


def _file(person: Person) -> None:
    person.open("/file")


def _file_with_problems(person: Person) -> None:
    person.open("/file")
    person.press("Send")


def _receipt(person: Person) -> None:
    person.file(NARRATIVE, **{"Are you safe right now?": "No, I am not safe right now"})


def _check(person: Person) -> None:
    person.check("K7QM-2XPA-9HDR-T4WE-8NCC")


def _case(person: Person) -> None:
    person.file(NARRATIVE)
    person.check(person.claim_code())


def _figures(person: Person) -> None:
    person.open("/figures")


def _board_sign_in(person: Person) -> None:
    person.open("/review/sign-in")


ZOOMED_PAGES = [_home, _file, _file_with_problems, _receipt, _check, _case, _figures]
ZOOMED_PAGES.append(_board_sign_in)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reach", ZOOMED_PAGES, ids=[r.__name__.strip("_") for r in ZOOMED_PAGES])
def test_every_page_reflows_at_200_percent_zoom(
    person_on: Callable[..., Person], reach: Callable[[Person], None], language: str
) -> None:
    person = person_on(
        ZOOMED_200,
        is_mobile=False,
        has_touch=False,
        device_scale_factor=2,
        locale=LANGUAGES[language],
    )
    reach(person)
    name = f"zoom200-{reach.__name__.strip('_')}-{language}"
    screenshot(person.page, name)
    overflow = horizontal_overflow(person.page)
    assert overflow == 0, f"{name}: the page scrolls sideways by {overflow}px"
    # The quick exit stays whole and on screen at the top, where a person looks for it.
    if not reach.__name__.startswith("_board"):
        box = person.page.locator(".quick-exit button").bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= ZOOMED_200["width"]
        assert box["y"] < 120
