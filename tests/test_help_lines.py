"""Help for a person in danger, and the admin's words in every language.

The start page once told everyone in danger to call 911. Many people this portal serves
cannot safely call the police: it shows the help lines the admin set for danger, and 911
only if the admin lists it. Phone numbers and https addresses in help are tappable, and
nothing else becomes a link.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from flask import Flask
from markupsafe import Markup

from portal.board.accounts import Role
from portal.participant.tappable import tappable, tappable_phone
from tests.board import Board
from tests.builders import save
from tests.conftest import Participant

SPANISH = {"Accept-Language": "es"}


@pytest.fixture
def admin_client(app: Flask, board: Board):
    client = app.test_client()
    board.sign_in(client, board.member(Role.ADMIN, "chair"))
    return client


def hrefs(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


def danger_section(page: str) -> str:
    found = re.search(r'<section class="danger".*?</section>', page, re.S)
    assert found, "no help lines for danger on the page"
    return found.group(0)


def test_the_start_page_shows_danger_lines_and_never_911_by_default(client) -> None:
    page = client.get("/").get_data(as_text=True)
    section = danger_section(page)
    assert "988 Suicide and Crisis Lifeline" in section
    assert "It is not the police." in section
    assert "tel:988" in hrefs(section)
    assert "911" not in page


def test_the_start_page_shows_danger_lines_in_spanish(client) -> None:
    section = danger_section(client.get("/", headers=SPANISH).get_data(as_text=True))
    assert "No es la policía." in section
    assert "911" not in section


def test_911_is_shown_only_when_the_admin_lists_it(admin_client, client) -> None:
    lines = (
        "Riverside crisis line | Call or text, no police | 555-0142 | 24 hours\n"
        "SWOP hotline | Run by and for sex workers | 555-0177\n"
        "Emergency | Only if you choose to call the police | 911"
    )
    assert save(admin_client, danger_lines=lines).status_code == HTTPStatus.SEE_OTHER
    section = danger_section(client.get("/").get_data(as_text=True))
    assert "SWOP hotline" in section
    assert {"tel:5550142", "tel:5550177", "tel:911"} <= set(hrefs(section))
    assert "988" not in section  # the admin's list replaced the default one


def test_not_safe_shows_the_danger_lines_first(admin_client, participant) -> None:
    save(admin_client, danger_lines="SWOP hotline | Run by and for sex workers | 555-0177")
    page = participant.file(safe_now="no").get_data(as_text=True)
    assert page.index("SWOP hotline") < page.index("Crisis line")


DANGER_LINES = "Riverside crisis line | Call or text, no police | 555-0142"
SPANISH_BOXES = {
    "danger_lines": DANGER_LINES,
    "neutral_title_es": "Notas del jardín",
    "agencies_es": "Policía de Riverside\n-",
    "help_resources_es": "Línea de crisis | Llama cuando quieras | | 24 horas\nBanco de comida",
    "danger_lines_es": "Línea de crisis de Riverside | Llama o escribe, sin policía",
}


def test_the_spanish_pages_show_the_admins_spanish_words(admin_client, client) -> None:
    assert save(admin_client, **SPANISH_BOXES).status_code == HTTPStatus.SEE_OTHER
    home = client.get("/", headers=SPANISH).get_data(as_text=True)
    assert "<title>Notas del jardín</title>" in home
    assert "Línea de crisis de Riverside" in home
    assert "Llama o escribe, sin policía" in home
    assert "tel:5550142" in hrefs(danger_section(home))
    form = client.get("/file", headers=SPANISH).get_data(as_text=True)
    assert ">Policía de Riverside</option>" in form
    assert ">River County Sheriff</option>" in form  # "-": kept in English
    # The English pages still show the English words.
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<title>Garden club notes</title>" in english
    assert "Riverside crisis line" in english


def test_a_person_not_safe_sees_the_spanish_help(admin_client, app: Flask) -> None:
    save(admin_client, **SPANISH_BOXES)
    person = app.test_client()
    form = {**Participant(person).open_form(), "narrative": "Algo pasó.", "safe_now": "no"}
    sent = person.post("/file", data=form, headers=SPANISH).get_data(as_text=True)
    assert "Línea de crisis" in sent
    assert "Llama cuando quieras" in sent
    assert "Banco de comida" in sent


def test_the_settings_page_shows_the_spanish_words_it_saved(admin_client) -> None:
    save(admin_client, **SPANISH_BOXES)
    page = admin_client.get("/review/admin/settings").get_data(as_text=True)
    assert "Notas del jardín" in page
    assert "Policía de Riverside\n-" in page
    assert "Línea de crisis | Llama cuando quieras | 555-0199 | 24 horas" in page


def test_a_spanish_box_with_more_lines_than_the_english_one_is_refused(
    admin_client, client
) -> None:
    response = save(admin_client, agencies_es="Uno\nDos\nTres")
    assert response.status_code == HTTPStatus.OK
    assert "This box has more lines than the English one (2)" in response.get_data(as_text=True)
    assert "Riverside LEAD" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Call 555-0199 any time", ["tel:5550199"]),
        ("Call (206) 461-3222.", ["tel:2064613222"]),
        ("Or +1 800 799 7233", ["tel:+18007997233"]),
        ("See https://help.example.org/crisis.", ["https://help.example.org/crisis"]),
        ("http://plain.example is not safe to link", []),
        ("www.example.org or example.org", []),
        ("javascript:alert(1)", []),
        ("mail help@example.org", []),
        ("Open 9-5, 2024-2025, 10.5.2026", []),
        ('<a href="javascript:x">hi</a> <script>bad()</script>', []),
        ('https://evil.example/"onmouseover="x', ["https://evil.example/"]),
    ],
)
def test_only_phone_numbers_and_https_addresses_become_links(text: str, links: list[str]) -> None:
    html = str(tappable(text))
    assert hrefs(html) == links
    assert "<script>" not in html
    assert "onmouseover=" not in html.replace("&#34;onmouseover=&#34;", "")


@pytest.mark.parametrize(
    ("phone", "links"),
    [("988", ["tel:988"]), ("1-800-799-7233", ["tel:18007997233"]),
     ("988, or text 741741", []), ("555-0100 ext 4", ["tel:5550100"])],
)  # fmt: skip
def test_the_phone_box_is_one_tappable_number(phone: str, links: list[str]) -> None:
    assert hrefs(str(tappable_phone(phone))) == links
    assert isinstance(tappable_phone(phone), Markup)
