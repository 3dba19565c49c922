"""The Listen button (static/listen.js) in real Chromium. The speech engine is stubbed in the
page (window.speechSynthesis and SpeechSynthesisUtterance, before any script of the portal's
runs), never the button: the stub hands out the voices a test asks for and records what it is
asked to say, in which language and with which voice."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from portal.board.accounts import Role
from portal.casework.assist import SPELLING
from tests.board import Board
from tests.browser.browsing import (
    PHONE,
    Devices,
    Person,
    describe_violations,
    run_axe,
    screenshot,
)
from tests.browser.test_receipt_browser import _advocates_hand_over
from tests.conftest import FakeClock

pytestmark = pytest.mark.browser

NARRATIVE = "Two officers stopped me outside the shelter and took my bag."
LOCALES = {"en": "en-US", "es": "es-US"}
ON_THE_DEVICE = [
    {"name": "English", "lang": "en-US", "localService": True, "default": True},
    {"name": "Español", "lang": "es_ES", "localService": True, "default": False},
]

# The speech engine, as the page sees it. `__speech.said` is what it was asked to say;
# `__speech.load()` makes voices that were not there at first arrive, as many browsers do.
STUB = """
(() => {
  const voices = %(voices)s;
  let ready = %(ready)s;
  const engine = new EventTarget();
  const queue = [];
  const record = { said: [], cancels: 0 };
  engine.getVoices = () => (ready ? voices.slice() : []);
  engine.speak = (utterance) => {
    queue.push(utterance);
    record.said.push({
      text: utterance.text, lang: utterance.lang, rate: utterance.rate,
      voice: utterance.voice ? utterance.voice.lang : null,
    });
  };
  engine.cancel = () => {
    record.cancels += 1;
    queue.splice(0).forEach((u) => u.onerror && u.onerror({ error: "canceled" }));
  };
  Object.defineProperty(window, "speechSynthesis", { value: engine, configurable: true });
  window.SpeechSynthesisUtterance = function (text) {
    this.text = text; this.lang = ""; this.voice = null; this.rate = 1;
  };
  window.__speech = {
    record,
    finish: () => queue.splice(0).forEach((u) => u.onend && u.onend({})),
    load: () => { ready = true; engine.dispatchEvent(new Event("voiceschanged")); },
  };
})();
"""


def with_speech(
    person_on: Callable[..., Person],
    language: str = "en",
    voices: list[dict[str, Any]] = ON_THE_DEVICE,
    ready: bool = True,
    **options: Any,
) -> Person:
    person = person_on(PHONE, locale=LOCALES[language], **options)
    person.page.add_init_script(STUB % {"voices": json.dumps(voices), "ready": json.dumps(ready)})
    return person


def listen_button(person: Person):
    return person.page.get_by_role("button", name=person.t("Listen"), exact=True)


def press_listen(person: Person) -> None:
    """Press Listen and wait until it reads (the first press fetches static/listen.js)."""
    listen_button(person).click()
    stop_button(person).wait_for()


def stop_button(person: Person):
    return person.page.get_by_role("button", name=person.t("Stop reading"), exact=True)


def said(person: Person) -> list[dict[str, Any]]:
    return person.page.evaluate("() => window.__speech.record.said")


def texts(person: Person) -> list[str]:
    return [utterance["text"] for utterance in said(person)]


def shoot(person: Person, name: str) -> None:
    screenshot(person.page, f"listen-{name}-{person.language}-360")


def spoken_code(person: Person, code: str) -> list[str]:
    """The claim code as it should be heard: group by group, each character spelled with the
    hand-over page's words in the person's language."""
    words = SPELLING[person.language]
    groups = []
    for number, group in enumerate(code.split("-"), start=1):
        characters = ", ".join(
            person.t("%(letter)s as in %(word)s") % {"letter": char, "word": words[char]}
            if char in words
            else char
            for char in group
        )
        groups.append(
            person.t("Group %(number)d: %(characters)s.")
            % {"number": number, "characters": characters}
        )
    return groups


@pytest.mark.parametrize("language", LOCALES)
def test_listen_reads_the_page_in_its_language_and_a_second_press_stops(
    person_on: Callable[..., Person], language: str
) -> None:
    person = with_speech(person_on, language)
    person.open("/")
    button = listen_button(person)
    assert button.is_visible()
    # Right under the page's heading.
    assert person.page.locator("main h1 + button.listen").count() == 1

    press_listen(person)
    heard = said(person)
    assert heard[0]["text"] == person.heading()
    assert person.t("Listen") not in texts(person)
    voice = "en-US" if language == "en" else "es_ES"
    assert {(u["lang"], u["voice"]) for u in heard} == {(language, voice)}
    # Everything the page says, and nothing from outside <main>.
    main_text = person.page.locator("main").inner_text()
    assert all(text.split()[0] in main_text for text in texts(person))
    assert person.t("Quick exit") not in texts(person)

    stop = stop_button(person)
    cancels = person.page.evaluate("() => window.__speech.record.cancels")
    stop.click()
    assert person.page.evaluate("() => window.__speech.record.cancels") > cancels
    assert button.is_visible()


def test_the_reader_is_fetched_only_when_pressed_and_nothing_leaves_the_site(
    person_on: Callable[..., Person], devices: Devices
) -> None:
    """A person who never presses Listen never pays for listen.js on prepaid data."""
    person = with_speech(person_on)
    person.open("/")
    assert listen_button(person).is_visible()

    def fetched() -> list[str]:
        return [r.url for r in devices.requests if r.url.endswith("/static/listen.js")]

    assert fetched() == []
    press_listen(person)
    assert len(fetched()) == 1
    stop_button(person).click()
    press_listen(person)
    assert len(fetched()) == 1
    assert devices.outside_requests() == []


def test_when_the_reading_ends_the_button_offers_to_listen_again(
    person_on: Callable[..., Person],
) -> None:
    person = with_speech(person_on)
    person.open("/")
    press_listen(person)
    person.page.evaluate("() => window.__speech.finish()")
    press_listen(person)
    assert texts(person).count(person.heading()) == 2


@pytest.mark.parametrize("language", LOCALES)
def test_on_the_receipt_the_code_is_spelled_group_by_group(
    person_on: Callable[..., Person], language: str
) -> None:
    person = with_speech(person_on, language, bypass_csp=True)
    person.file(NARRATIVE)
    code = person.claim_code()
    shoot(person, "receipt")
    press_listen(person)

    heard = said(person)
    spelled = [u["text"] for u in heard if u["rate"] < 1]
    assert spelled == spoken_code(person, code)
    # The code is heard once, spelled: never read out as a word.
    assert not any(code.split("-")[1] in u["text"] for u in heard)
    assert all(u["lang"] == language for u in heard)
    # The spelling is only on this page, as the code is: nothing kept in the browser.
    kept = person.page.evaluate(
        "() => [localStorage.length, sessionStorage.length, location.href, document.cookie]"
    )
    assert kept[:2] == [0, 0]
    assert code.split("-")[1] not in kept[2] + kept[3]

    violations = run_axe(person.page)
    assert not violations, describe_violations(violations)
    shoot(person, "receipt-reading")


def test_the_advocates_hand_over_spells_the_code_once(
    person_on: Callable[..., Person], app: Flask, clock: FakeClock
) -> None:
    """The hand-over page's own "Read it aloud" list holds the same words for the advocate to
    read; Listen says them once, from the code card."""
    person = with_speech(person_on)
    _advocates_hand_over(person, app, clock)
    code = person.claim_code()
    press_listen(person)
    spelled = [u["text"] for u in said(person) if u["rate"] < 1]
    assert spelled == spoken_code(person, code)
    heard = " ".join(texts(person))
    assert heard.count("as in") == sum(spelled_group.count("as in") for spelled_group in spelled)
    shoot(person, "handover")


def test_words_typed_in_a_form_are_never_read(person_on: Callable[..., Person]) -> None:
    person = with_speech(person_on)
    person.open("/file")
    person.page.get_by_label("What happened?").fill(NARRATIVE)
    press_listen(person)
    heard = " ".join(texts(person))
    assert "What happened?" in heard
    assert "officers" not in heard
    assert "Leave this box empty" not in heard  # the spam trap
    # Only what is on the screen: the questions folded away under "More questions" wait
    # until the person opens them.
    assert "Roughly when?" not in heard
    stop_button(person).click()
    person.open_more_questions()
    press_listen(person)
    assert "Roughly when?" in " ".join(texts(person))


def test_the_case_page_reads_the_board_but_not_the_persons_own_words(
    person_on: Callable[..., Person], app: Flask, clock: FakeClock
) -> None:
    for language in LOCALES:
        person = with_speech(person_on, language, bypass_csp=True)
        person.file(NARRATIVE)
        person.check(person.claim_code())
        person.page.get_by_label(person.t("Write to the review board")).fill(
            "Here is the street name."
        )
        person.press("Send")
        reviewer = app.test_client()
        board = Board(app, clock)
        board.sign_in(reviewer, board.member(Role.REVIEWER, f"rev-{language}"))
        locator = person.page.locator(".ref strong").inner_text()
        assert reviewer.get(f"/review/cases/{locator}").status_code == 200
        person.page.reload()
        receipt = person.page.locator(".read-receipt")
        assert receipt.inner_text().startswith(person.t("Read by the board on %(date)s")[:8])

        shoot(person, "case")
        press_listen(person)
        heard = " ".join(texts(person))
        assert receipt.inner_text() in heard
        assert person.t("You wrote") in heard
        assert "street name" not in heard
        assert "officers" not in heard
        assert (
            person.t(
                "Listen does not read your own words aloud, so people nearby cannot hear them."
            )
            in heard
        )

        violations = run_axe(person.page)
        assert not violations, describe_violations(violations)


@pytest.mark.parametrize(
    "voices",
    [
        [ON_THE_DEVICE[0]],  # English only
        # A Spanish voice that sends the words to someone else's server.
        [ON_THE_DEVICE[0], {**ON_THE_DEVICE[1], "localService": False}],
    ],
    ids=["no-spanish-voice", "spanish-voice-online-only"],
)
def test_no_button_without_a_voice_on_the_device_for_the_page(
    person_on: Callable[..., Person], voices: list[dict[str, Any]]
) -> None:
    spanish = with_speech(person_on, "es", voices=voices)
    spanish.open("/")
    spanish.page.wait_for_load_state("load")
    assert spanish.page.locator("button.listen").count() == 0

    english = with_speech(person_on, "en", voices=voices)
    english.open("/")
    assert listen_button(english).is_visible()


def test_voices_that_arrive_late_bring_the_button(person_on: Callable[..., Person]) -> None:
    person = with_speech(person_on, ready=False)
    person.open("/")
    person.page.wait_for_load_state("load")
    assert person.page.locator("button.listen").count() == 0
    person.page.evaluate("() => window.__speech.load()")
    assert listen_button(person).is_visible()
    person.page.evaluate("() => window.__speech.load()")  # a second event adds no second one
    assert person.page.locator("button.listen").count() == 1


def test_no_button_without_javascript(person_on: Callable[..., Person]) -> None:
    person = with_speech(person_on, java_script_enabled=False)
    person.file(NARRATIVE)
    assert person.heading() == "We got your complaint"
    assert person.page.locator("button.listen").count() == 0
    assert listen_button(person).count() == 0
