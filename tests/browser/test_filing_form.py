"""The minimum complaint on a 360 x 740 phone: "What happened?", then "Are you safe right
now?", then Send, within two screens of the story, in both languages, with JavaScript on and
off. The other questions are one tap away, and a problem or an answer there keeps them open.

Screenshots: `minimum-<en|es>-<js|nojs>.png`.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from portal import db
from portal.models import Attachment
from portal.security import claimcodes
from tests.browser.browsing import PHONE, Person, screenshot

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "es": "es-US"}
NARRATIVE = "Two officers stopped me outside the shelter and took my bag."
MOST_SCREENS_TO_SEND = 2.0

# From the top of the story box to the bottom of the Send button, in screen heights; and
# which question comes right after the story.
_MEASURE_JS = """
() => {
  const story = document.getElementById('narrative').getBoundingClientRect();
  const send = [...document.querySelectorAll('#file-form button[type=submit]')]
    .find(b => b.name !== 'lang').getBoundingClientRect();
  const after = document.getElementById('narrative').closest('.field').nextElementSibling;
  return {
    screens: (send.bottom - story.top) / window.innerHeight,
    next: after.querySelector('legend').firstChild.textContent.trim(),
  };
}
"""


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_send_is_within_two_screens_of_the_story_on_a_phone(
    person_on: Callable[..., Person], language: str, javascript: bool
) -> None:
    person = person_on(PHONE, locale=LANGUAGES[language], java_script_enabled=javascript)
    person.open("/file")
    measured = person.page.evaluate(_MEASURE_JS)
    screenshot(person.page, f"minimum-{language}-{'js' if javascript else 'nojs'}")
    assert measured["next"] == person.t("Are you safe right now?")
    assert measured["screens"] <= MOST_SCREENS_TO_SEND, (
        f"Send is {measured['screens']:.1f} screens below the story"
    )
    # The minimum complaint goes through as it is.
    person.page.get_by_label(person.t("What happened?")).fill(NARRATIVE)
    person.page.get_by_text(person.t("No, I am not safe right now")).click()
    person.press("Send")
    assert person.heading() == person.t("We got your complaint")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_optional_questions_are_one_tap_away_and_stay_open_when_answered(
    person_on: Callable[..., Person], javascript: bool
) -> None:
    person = person_on(PHONE, java_script_enabled=javascript)
    page = person.page
    person.open("/file")
    assert not page.get_by_label("Roughly where?").is_visible()
    person.open_more_questions()
    page.get_by_label("Roughly where?").fill("Near the library")
    page.get_by_label("What happened?").fill(NARRATIVE)
    # The language button draws the form again: the answered section is still open.
    person.switch_language("es")
    assert page.get_by_label(person.t("Roughly where?")).input_value() == "Near the library"
    assert page.get_by_label(person.t("Roughly where?")).is_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_problem_in_a_closed_optional_question_opens_it(
    person_on: Callable[..., Person], javascript: bool
) -> None:
    person = person_on(PHONE, java_script_enabled=javascript)
    page = person.page
    person.open("/file")
    page.get_by_label("What happened?").fill(NARRATIVE)
    # A claim code pasted into a box in the section, then the section closed again.
    wanted = f"The same as my other complaint, {claimcodes.new_code().display}"
    person.open_more_questions()
    page.get_by_label("What would you like to happen?").fill(wanted)
    person.open_more_questions()
    assert not page.get_by_label("What would you like to happen?").is_visible()
    person.press("Send")
    box = page.get_by_label("What would you like to happen?")
    assert box.is_visible()
    assert box.input_value() == wanted
    page.locator("#error-summary a[href='#wants']").click()
    assert page.evaluate("document.activeElement.id") == "wants"


def test_a_photo_chosen_in_the_optional_questions_is_sent(
    app: Flask, person_on: Callable[..., Person], tmp_path
) -> None:
    person = person_on(PHONE)
    page = person.page
    photo = tmp_path / "photo.png"
    photo.write_bytes(png())
    person.open("/file")
    page.get_by_label("What happened?").fill(NARRATIVE)
    person.open_more_questions()
    page.get_by_label("Photos or papers, if you have any").set_input_files(str(photo))
    person.press("Send")
    assert person.heading() == "We got your complaint"
    with app.app_context():
        assert len(db.session().scalars(select(Attachment)).all()) == 1
