"""Every field of every review-board form has a hint (WCAG 2.2 AA, issue #9: "every form
field has a label and a hint"), and the board's pages show it: each visible input, select and
textarea points with aria-describedby to elements that are on the page and say something."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from wtforms import StringField

from portal.board.accounts import Role
from review import adminforms, caseforms, forms
from tests.board import Board
from tests.builders import act, file_directly, signed_in

# Fields a person never sees or fills in.
UNSEEN_FIELDS = {"CSRFTokenField", "HiddenField"}
# Inputs that are not fields to fill in.
NOT_FIELDS = {"hidden", "submit", "button", "reset", "image"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

FORM_MODULES = (forms, caseforms, adminforms)
FORM_CLASSES = [
    form_class
    for module in FORM_MODULES
    for form_class in vars(module).values()
    if inspect.isclass(form_class)
    and issubclass(form_class, FlaskForm)
    and form_class.__module__ == module.__name__
]


def fields_without_a_hint(form: FlaskForm) -> list[str]:
    return [
        f"{type(form).__name__}.{field.name}"
        for field in form
        if field.type not in UNSEEN_FIELDS and not str(field.description).strip()
    ]


def test_every_board_field_has_a_hint(app: Flask) -> None:
    assert len(FORM_CLASSES) > 20, "review/*forms.py should hold the board's forms"
    with app.test_request_context():
        missing = [
            name for form_class in FORM_CLASSES for name in fields_without_a_hint(form_class())
        ]
    assert not missing, "fields with no description= hint: " + ", ".join(missing)


def test_the_hint_check_finds_a_field_without_one(app: Flask) -> None:
    class Unhinted(caseforms.LinkForm):
        extra = StringField("Extra")

    with app.test_request_context():
        assert fields_without_a_hint(Unhinted()) == ["Unhinted.extra"]


# --- the pages ------------------------------------------------------------------------------


class Fields(HTMLParser):
    """The fields of a page's forms, and the text of every element with an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[dict[str, str]] = []
        self.text: dict[str, str] = {}
        self.twice: set[str] = set()
        self._open: list[tuple[str, str | None]] = []
        self._in_form = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._in_form += 1
        fillable = tag in ("select", "textarea") or values.get("type", "text") not in NOT_FIELDS
        if self._in_form and tag in ("input", "select", "textarea") and fillable:
            self.fields.append({"tag": tag, **values})
        if "id" in values:
            if values["id"] in self.text:
                self.twice.add(values["id"])
            self.text.setdefault(values["id"], "")
        if tag not in VOID:
            self._open.append((tag, values.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form -= 1
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data: str) -> None:
        for _tag, element_id in self._open:
            if element_id:
                self.text[element_id] += data


def undescribed_fields(html: str) -> list[str]:
    """Each field with no aria-describedby, or one pointing to nothing, or to an empty element."""
    page = Fields()
    page.feed(html)
    page.close()
    assert page.fields, "no form fields on the page"
    problems = []
    for field in page.fields:
        name = f"<{field['tag']} name={field.get('name')!r} id={field.get('id')!r}>"
        ids = field.get("aria-describedby", "").split()
        if not ids:
            problems.append(f"{name} has no aria-describedby")
        for element_id in ids:
            if element_id not in page.text:
                problems.append(f"{name} points to #{element_id}, which is not on the page")
            elif not page.text[element_id].strip():
                problems.append(f"{name} points to #{element_id}, which has no text")
            elif element_id in page.twice:
                problems.append(f"{name} points to #{element_id}, which is on the page twice")
    return problems


def test_the_page_check_finds_a_field_without_a_hint() -> None:
    html = (
        '<form><input type="hidden" name="csrf_token"><input name="a" aria-describedby="a-hint">'
        '<p id="a-hint">Say A.</p><select name="b"></select><p id="a-hint">Say B.</p>'
        '<textarea name="c" aria-describedby="c-hint c-error"></textarea><p id="c-hint"> </p>'
        "<button>Send</button></form>"
    )
    assert undescribed_fields(html) == [
        "<input name='a' id=None> points to #a-hint, which is on the page twice",
        "<select name='b' id=None> has no aria-describedby",
        "<textarea name='c' id=None> points to #c-hint, which has no text",
        "<textarea name='c' id=None> points to #c-error, which is not on the page",
    ]


@pytest.fixture
def chair(app: Flask, board: Board) -> FlaskClient:
    board.member(Role.REVIEWER, "rivera")
    board.member(Role.ADVOCATE, "peer")  # the accounts page shows an organisation box
    return signed_in(app, board, Role.ADMIN, "chair")


def _case_in_review(app: Flask, clock, chair: FlaskClient) -> str:
    """A case with every action open: keep-away, lost-code link, referral and decision."""
    locator = file_directly(
        app,
        clock,
        narrative="An officer took my bag outside the shelter.",
        keep_away="The member who lives on my street.",
        lost_code_note="I filed about this in May and lost the code.",
    )[:4]
    act(chair, locator, "status", target="in_review", reason="We are reading it.")
    return locator


def _opened(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == HTTPStatus.OK
    return response.get_data(as_text=True)


def case_in_review(app: Flask, clock, chair: FlaskClient) -> str:
    return _opened(chair, f"/review/cases/{_case_in_review(app, clock, chair)}")


def case_decided(app: Flask, clock, chair: FlaskClient) -> str:
    """A decided case with a public summary: the publication forms and the program's answer."""
    locator = _case_in_review(app, clock, chair)
    decided = act(
        chair,
        locator,
        "decide",
        disposition="policy_recommendation",
        letter="We asked the program to change how bags are kept.",
        public_summary="The board asked for a written rule on keeping people's property.",
        confirm="y",
    )
    assert decided.status_code == HTTPStatus.SEE_OTHER
    html = _opened(chair, f"/review/cases/{locator}")
    assert 'id="publication-summary"' in html
    assert 'id="program_response"' in html
    return html


def case_with_a_problem(app: Flask, clock, chair: FlaskClient) -> str:
    """An empty message: its box points to its hint and to its error."""
    response = act(chair, _case_in_review(app, clock, chair), "message", body="")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.get_data(as_text=True)
    assert 'aria-describedby="message-body-hint message-body-error"' in html
    return html


def page_at(path: str) -> Callable[..., str]:
    return lambda _app, _clock, chair: _opened(chair, path)


PAGES: dict[str, Callable[..., str]] = {
    "queue": page_at("/review/"),
    "queue-with-a-problem": page_at("/review/?older_than=-1"),
    "case-in-review": case_in_review,
    "case-decided": case_decided,
    "case-with-a-problem": case_with_a_problem,
    "settings": page_at("/review/admin/settings"),
    "audit-log": page_at("/review/admin/audit"),
    "accounts": page_at("/review/admin/accounts"),
    "my-account": page_at("/review/account"),
}


@pytest.mark.parametrize("page", PAGES)
def test_board_fields_are_linked_to_their_hints(
    app: Flask,
    clock,
    chair: FlaskClient,
    page: str,
) -> None:
    problems = undescribed_fields(PAGES[page](app, clock, chair))
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_sign_in_and_advocate_fields_are_linked_to_their_hints(
    app: Flask, board: Board, client: FlaskClient
) -> None:
    advocate = signed_in(app, board, Role.ADVOCATE, "peer")
    for html in (_opened(client, "/review/sign-in"), _opened(advocate, "/review/assist")):
        assert not undescribed_fields(html)
