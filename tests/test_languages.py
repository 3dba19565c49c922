"""English and Spanish: choosing a language, keeping what was typed when switching, and the
words that are not in templates (notices, spelling a code aloud, a site's default settings).
"""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import choices, db, languages, site
from portal.board.accounts import Role
from portal.casework import assist, notify
from portal.languages import site_words
from portal.models import Complaint
from review import sitewords
from tests.board import Board
from tests.conftest import Participant, code_on_page, code_shown, hidden_value

NARRATIVE = "Two officers took my bag outside the shelter."
# More presses than the check limit allows tries (tests/test_check.py sees it hold).
CHECKS_OVER_THE_LIMIT = 25


def choose(client: FlaskClient, lang: str, page: str = "/") -> None:
    response = client.post("/language", data={"lang": lang, "next": page})
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"] == page


def complaints(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Complaint))


def test_the_browser_language_is_used_until_the_person_chooses(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Cuéntanos si te trataron mal" in page
    assert 'name="lang" value="en" lang="en">English</button>' in page
    choose(client, "en")
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert 'name="lang" value="es" lang="es">Español</button>' in page


@pytest.mark.parametrize("path", ["/", "/file", "/check", "/figures", "/no-such-page"])
def test_every_participant_page_has_the_switch(client: FlaskClient, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert 'name="lang" value="es"' in page


@pytest.mark.parametrize(
    ("asked", "lands_on"),
    [
        ("/check", "/check"),
        ("/figures?x=1", "/figures?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/no-such-page", "/"),
        ("/leave", "/"),  # answers only POST
        ("/review/admin/invites", "/review/"),
        ("", "/"),
    ],
)
def test_the_switch_goes_back_only_to_a_page_of_this_site(
    client: FlaskClient, asked: str, lands_on: str
) -> None:
    response = client.post("/language", data={"lang": "es", "next": asked})
    assert response.headers["Location"] == lands_on


def test_an_unknown_language_changes_nothing(client: FlaskClient) -> None:
    client.post("/language", data={"lang": "xx", "next": "/"})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_switching_on_the_form_keeps_what_was_typed_and_saves_nothing(
    participant: Participant, app: Flask
) -> None:
    tokens = participant.open_form()
    response = participant.client.post(
        "/file",
        data={
            **tokens,
            "narrative": NARRATIVE,
            "where_text": "Near the library",
            "safe_now": "no",
            "lang": "es",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.OK
    assert "¿Qué pasó?" in page
    assert NARRATIVE in page
    assert "Near the library" in page
    assert re.search(r'checked id="safe_now-1"|id="safe_now-1"[^>]*checked', page)
    assert hidden_value(page, "form_token") == tokens["form_token"]
    assert "error-summary" not in page  # nothing was checked, so nothing is wrong
    assert complaints(app) == 0
    # Sending it now files it, in Spanish.
    sent = participant.client.post(
        "/file", data={"csrf_token": hidden_value(page, "csrf_token"), **_fields(page)}
    )
    assert "Recibimos tu queja" in sent.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalars(select(Complaint)).one().language == "es"


def _fields(page: str) -> dict[str, str]:
    return {
        "form_token": hidden_value(page, "form_token"),
        "narrative": NARRATIVE,
    }


def test_switching_on_the_check_page_keeps_the_code_and_costs_no_try(
    participant: Participant,
) -> None:
    page = participant.client.get("/check").get_data(as_text=True)
    for _ in range(CHECKS_OVER_THE_LIMIT):
        response = participant.client.post(
            "/check",
            data={
                "csrf_token": hidden_value(page, "csrf_token"),
                "code": "K7QM 2XPA",
                "lang": "es",
            },
        )
        assert response.status_code == HTTPStatus.OK
    text = response.get_data(as_text=True)
    assert "Revisar mi queja" in text
    assert 'value="K7QM 2XPA"' in text
    assert "error-summary" not in text


def test_the_receipt_is_shown_again_in_the_other_language(participant: Participant) -> None:
    receipt = participant.file(safe_now="no").get_data(as_text=True)
    code = code_on_page(receipt)
    again = participant.client.post(
        "/file/receipt",
        data={
            "csrf_token": hidden_value(receipt, "csrf_token"),
            "form_token": hidden_value(receipt, "form_token"),
            "lang": "es",
        },
    )
    page = again.get_data(as_text=True)
    assert "Recibimos tu queja" in page
    assert code_on_page(page) == code
    assert "Dijiste que ahora no estás a salvo" in page
    assert "988 Línea de Prevención del Suicidio y Crisis" in page


def test_the_receipt_needs_its_form_and_the_csrf_token(participant: Participant) -> None:
    receipt = participant.file().get_data(as_text=True)
    code = code_on_page(receipt)
    token = hidden_value(receipt, "csrf_token")
    other_form = participant.client.post(
        "/file/receipt", data={"csrf_token": token, "form_token": "x" * 43}
    )
    assert "We already have this complaint" in other_form.get_data(as_text=True)
    assert not code_shown(other_form.get_data(as_text=True), code)
    forged = participant.client.post(
        "/file/receipt", data={"form_token": hidden_value(receipt, "form_token")}
    )
    assert forged.status_code == HTTPStatus.BAD_REQUEST


def test_the_case_page_dates_are_in_spanish(participant: Participant) -> None:
    code = participant.file_and_get_code()
    choose(participant.client, "es", "/check")
    participant.check(code)
    page = participant.client.get("/case").get_data(as_text=True)
    assert "Tu queja" in page
    assert "2 de noviembre de 2026" in page  # tests/conftest.py's clock


def test_a_code_is_spelled_with_spanish_words_in_spanish(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert assist.spelled("K7BV") == [
            ("K", "kilo"),
            ("7", None),
            ("B", "Bolivia"),
            ("V", "Venezuela"),
        ]
    with app.test_request_context():
        assert assist.spelled("K7") == [("K", "kilo"), ("7", None)]
    # Every letter a code can hold has a word in each language.
    assert set(assist.NATO) == set(assist.SPANISH)


def test_the_board_pages_follow_the_switch(app: Flask, board: Board) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(Role.ADMIN, "chair"))
    choose(client, "es", "/review/admin/accounts")
    page = client.get("/review/admin/accounts").get_data(as_text=True)
    assert "Todas las personas con cuenta" in page
    assert "Administrador" in page  # the role, in words


def test_board_notices_are_written_in_the_boards_language(app: Flask) -> None:
    with app.test_request_context():
        subject, body = notify._words(notify.URGENT, "https://x.org/review/", "es")
        assert subject == "Hay un caso urgente esperando al comité de revisión"
        assert "Inicia sesión para verlo: https://x.org/review/" in body
        english, _body = notify._words(notify.URGENT, "https://x.org/review/", "en")
        assert english == "An urgent case is waiting for the review board"


def test_default_site_words_are_translated_and_an_admins_are_not(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert site_words("City police department") == "Departamento de policía de la ciudad"
        assert site_words("Seattle <b>Police</b>") == "Seattle <b>Police</b>"


def test_an_admins_agency_name_is_still_escaped(app: Flask, client: FlaskClient) -> None:
    import dataclasses

    app.extensions["portal.site"] = dataclasses.replace(
        app.extensions["portal.site"], agencies=("<b>Sheriff</b>",)
    )
    page = client.get("/file", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "&lt;b&gt;Sheriff&lt;/b&gt;" in page
    assert "<b>Sheriff</b>" not in page


# Every table that holds something for each language, checked against the one list.
PER_LANGUAGE = {
    "spelling a code aloud": lambda: set(assist.SPELLING),
    "the board's language labels": lambda: set(choices.BOARD_WORDS["language"]),
    "the board's notice languages": lambda: set(site.NOTICE_LANGUAGES),
    "the language switch": lambda: set(languages.NAMES),
    "a site's own words, and the default": lambda: {
        *sitewords.LANGUAGES,
        choices.DEFAULT_LANGUAGE,
    },
    "the translation catalogs, and the default": lambda: {
        *(path.name for path in TRANSLATIONS.iterdir() if path.is_dir()),
        choices.DEFAULT_LANGUAGE,
    },
}
TRANSLATIONS = Path(languages.__file__).parent / "translations"


@pytest.mark.parametrize("table", PER_LANGUAGE)
def test_every_language_table_has_exactly_the_portal_languages(table: str) -> None:
    assert PER_LANGUAGE[table]() == set(choices.LANGUAGES)
