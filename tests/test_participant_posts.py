"""No participant POST ever answers 5xx: every button of every form a participant (or an
advocate helping one) can meet, sent empty and filled in, with files and without, in English
and in Spanish.

The forms are not listed by hand: each page is rendered in the state a person meets it and
its forms and buttons are read from the HTML (buttons outside their form, like the language
buttons, included). The pages walked must between them post to every participant POST route in
the URL map, so a new route fails this test until a page that uses it is added below.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
from collections.abc import Callable
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.config import Config
from portal.models import Complaint, Referral
from portal.site import Site
from tests.board import Board, csrf
from tests.builders import act, approve, file_directly, photo, signed_in
from tests.conftest import FakeClock, Participant

# POST routes of other audiences that a participant meets when an advocate helps them.
ADVOCATE_ASSISTED = {"review.assist"}


@pytest.fixture
def config(config: Config) -> Config:
    """Limits out of the way: this test sends hundreds of forms from one address."""
    return dataclasses.replace(
        config,
        file_limit_per_client="10000 per hour",
        check_limit_per_client="10000 per hour",
    )


@pytest.fixture
def site(site: Site) -> Site:
    """Every form a participant can meet. A mail server is set, so the pages show their
    "email me when there is news" forms (nothing listens there: no address is ever saved from
    these forms' test words), and mediation is offered, as a site may."""
    return dataclasses.replace(site, smtp_host="127.0.0.1", smtp_port=9, mediation_offered=True)


@dataclasses.dataclass
class Form:
    action: str
    form_id: str | None
    fields: list[tuple[str, str, str]] = dataclasses.field(
        default_factory=list
    )  # kind, name, value
    choices: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    buttons: list[tuple[str, str]] = dataclasses.field(default_factory=list)


class Forms(HTMLParser):
    """The POST forms of a page, their fields and their submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._outside: list[tuple[str, str, str]] = []  # (form id, name, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._open = Form(a.get("action", ""), a.get("id"))
            self.forms.append(self._open)
            return
        target = self._open
        owner = a.get("form")
        if tag == "button" and a.get("type", "submit") == "submit":
            if owner:
                self._outside.append((owner, a.get("name", ""), a.get("value", "")))
            elif target is not None:
                target.buttons.append((a.get("name", ""), a.get("value", "")))
        if target is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                target.choices.setdefault(name, []).append(a.get("value", "y"))
            elif kind == "submit":
                target.buttons.append((name, a.get("value", "")))
            else:
                target.fields.append((kind, name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            target.fields.append(("textarea", name, ""))
        elif tag == "select" and name:
            self._select = name
            target.choices.setdefault(name, [])
        elif tag == "option" and self._select:
            target.choices[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def close(self) -> None:
        super().close()
        for owner, name, value in self._outside:
            for form in self.forms:
                if form.form_id == owner:
                    form.buttons.append((name, value))


def forms_on(html: str) -> list[Form]:
    parser = Forms()
    parser.feed(html)
    parser.close()
    return parser.forms


def body(form: Form, button: tuple[str, str], full: bool, with_files: bool) -> dict:
    data: dict[str, object] = {}
    for kind, name, value in form.fields:
        if kind == "hidden":
            data[name] = value
        elif kind == "file":
            if full and not with_files:
                # What a script sends: plain text under a file box's name.
                data[name] = "not a file"
            continue
        elif full:
            data[name] = f"Words for {name}, and a number 12345. ñ é"
    if full:
        for name, values in form.choices.items():
            picked = [v for v in values if v]
            if picked:
                data[name] = picked[0]
    if with_files:
        names = [name for kind, name, _ in form.fields if kind == "file"] or ["files"]
        data[names[0]] = [(io.BytesIO(photo("JPEG")), "IMG_2041.jpg")]
    name, value = button
    if name:
        data[name] = value
    return data


# --- the pages, each in the state a person meets it -------------------------------------


@dataclasses.dataclass
class Scene:
    """A page: `enter()` gives a client standing on it and the page's HTML."""

    name: str
    enter: Callable[[str], tuple[FlaskClient, str]]


def _speaking(client: FlaskClient, language: str) -> FlaskClient:
    client.post("/language", data={"lang": language, "next": "/"})
    return client


def scenes(app: Flask, clock: FakeClock, board: Board) -> list[Scene]:
    def page(path: str) -> Callable[[str], tuple[FlaskClient, str]]:
        def enter(language: str) -> tuple[FlaskClient, str]:
            client = _speaking(app.test_client(), language)
            return client, client.get(path).get_data(as_text=True)

        return enter

    def receipt(language: str) -> tuple[FlaskClient, str]:
        person = Participant(_speaking(app.test_client(), language))
        return person.client, person.file().get_data(as_text=True)

    # A case with everything a person can answer: a question about passing it on, a
    # proposed link to an earlier complaint; and a decided case with its survey.
    reviewer = signed_in(app, board, Role.REVIEWER, "rev")
    earlier = file_directly(app, clock, narrative="The earlier one.")
    open_code = file_directly(app, clock, lost_code_note="I sent one before.")
    act(reviewer, open_code[:4], "status", target="in_review", reason="Reading it.")
    act(reviewer, open_code[:4], "refer", body="oversight", explanation="They can help.")
    act(reviewer, open_code[:4], "link", earlier=earlier[:4])
    # A link reaches the person only after a second member approves it.
    approve(signed_in(app, board, Role.ADMIN, "chair"), app, open_code[:4])
    decided_code = file_directly(app, clock)
    act(reviewer, decided_code[:4], "status", target="in_review", reason="Reading it.")
    act(
        reviewer,
        decided_code[:4],
        "decide",
        disposition="substantiated",
        recommendation="Retrain.",
        letter="We believe you.",
        confirm="y",
    )

    # A case whose hand-off waits for the person's yes or no.
    handoff_code = file_directly(app, clock)
    act(reviewer, handoff_code[:4], "status", target="in_review", reason="Reading it.")
    act(reviewer, handoff_code[:4], "refer", body="oversight", explanation="They can help.")
    with app.app_context():
        referral = db.session().scalar(
            select(Referral.id)
            .join(Complaint, Complaint.id == Referral.complaint_id)
            .where(Complaint.locator == handoff_code[:4])
        )
    agreeing = Participant(app.test_client())
    agreeing.check(handoff_code)
    agreeing.client.post(
        "/case/referral",
        data={
            "csrf_token": csrf(agreeing.client, "/case"),
            "question": str(referral),
            "answer": "yes",
        },
    )
    prepared = reviewer.post(
        f"/review/cases/{handoff_code[:4]}/referrals/{referral}/handoff/save",
        data={
            "csrf_token": csrf(reviewer, "/review/account"),
            "text": "What happened, as the person wrote it.",
            "recipient": "Civilian Review Office",
        },
    )
    assert prepared.status_code == HTTPStatus.SEE_OTHER

    def case(code: str) -> Callable[[str], tuple[FlaskClient, str]]:
        def enter(language: str) -> tuple[FlaskClient, str]:
            person = Participant(_speaking(app.test_client(), language))
            person.check(code)
            return person.client, person.client.get("/case").get_data(as_text=True)

        return enter

    advocates = itertools.count()

    def advocate(path: str, consent: bool = False, file: bool = False):
        def enter(language: str) -> tuple[FlaskClient, str]:
            client = signed_in(app, board, Role.ADVOCATE, f"peer{next(advocates)}")
            _speaking(client, language)
            if consent:
                page = client.get("/review/assist").get_data(as_text=True)
                form = forms_on(page)[-1]
                client.post("/review/assist", data=body(form, ("", ""), True, False))
            if file:
                return client, Participant(client).file().get_data(as_text=True)
            return client, client.get(path).get_data(as_text=True)

        return enter

    return [
        Scene("home", page("/")),
        Scene("file", page("/file")),
        Scene("check", page("/check")),
        Scene("receipt", receipt),
        Scene("case", case(open_code)),
        Scene("decided case", case(decided_code)),
        Scene("hand-off to answer", case(handoff_code)),
        Scene("advocate consent", advocate("/review/assist")),
        Scene("advocate file", advocate("/file", consent=True)),
        Scene("hand-over", advocate("", consent=True, file=True)),
    ]


def participant_post_routes(app: Flask) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and (
            rule.endpoint.startswith("participant.")
            or rule.endpoint == "language"
            or rule.endpoint in ADVOCATE_ASSISTED
        )
    }


def test_no_participant_post_answers_5xx(app: Flask, clock: FakeClock, board: Board) -> None:
    adapter = app.url_map.bind("localhost")
    reached: set[str] = set()
    failures: list[str] = []
    for scene, language in itertools.product(scenes(app, clock, board), ("en", "es")):
        _client, html = scene.enter(language)
        found = forms_on(html)
        assert found, f"{scene.name}: no form on the page"
        for index, form in enumerate(found):
            endpoint, _args = adapter.match(form.action, method="POST")
            reached.add(endpoint)
            for button, full, with_files in itertools.product(
                form.buttons or [("", "")], (False, True), (False, True)
            ):
                # Each send starts from the page as the person sees it (some buttons end
                # the case or the session), with that page's own tokens.
                client, again = scene.enter(language)
                fresh = forms_on(again)
                same = fresh[index] if len(fresh) == len(found) else form
                response = client.post(form.action, data=body(same, button, full, with_files))
                if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
                    failures.append(
                        f"{scene.name} ({language}) {form.action} button={button} "
                        f"full={full} files={with_files}: {response.status_code}"
                    )
    assert failures == []
    missing = participant_post_routes(app) - reached
    assert not missing, f"participant POST routes no page here uses (add a scene): {missing}"


def test_the_language_button_with_a_photo_chosen_keeps_the_words(client: FlaskClient) -> None:
    person = Participant(_speaking(client, "es"))
    form = person.open_form()
    response = client.post(
        "/file",
        data={
            **form,
            "narrative": "Me quitaron el teléfono en la parada.",
            "files": [(io.BytesIO(photo("JPEG")), "IMG_2041.jpg")],
            "lang": "en",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == HTTPStatus.OK
    assert "Me quitaron el teléfono en la parada." in page
    assert "Please choose the files again; everything else you wrote is kept." in page
