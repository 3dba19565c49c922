"""Telling a person that there is news (issue 17): opt-in, content-free, never readable at rest.

A real SMTP server (aiosmtpd) runs on 127.0.0.1, as in tests/test_notices.py.
"""

from __future__ import annotations

import dataclasses
import email
import logging
import re
from collections.abc import Iterator
from email import policy
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.casework import news, retention
from portal.figures import answertime
from portal.models import Complaint, NewsContact
from portal.security import crypto, sealing
from tests import mailbox
from tests.board import Board, csrf
from tests.builders import act, dump_database, signed_in
from tests.conftest import Participant, board_keyring, give_board_key, hidden_value
from tests.mailbox import Inbox

ADDRESS = "river.sparrow.77@mail.example"
NARRATIVE = "Officer Quillfeather took my phone near the ZEBRAPLUM laundromat"
OFFICER = "Badge 40417"
WANTS = "I want my phone back, MANGOSTEEN"
QUESTION = "Can you tell us more about the GRAPEVINE corner?"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with mailbox.running() as box:
        yield box


def _app(config, site, clock, port: int) -> Flask:
    from portal import create_app

    mailing = dataclasses.replace(
        site, smtp_host="127.0.0.1", smtp_port=port, smtp_from="hello@notes.example"
    )
    application = create_app(config, site=mailing, now=clock)
    give_board_key(application, clock.moment)
    return application


@pytest.fixture
def mail_app(config, site, clock, inbox) -> Iterator[Flask]:
    application = _app(config, site, clock, inbox.port)
    yield application
    application.extensions["portal.notifier"].wait()
    application.extensions["portal.db"].engine.dispose()


@pytest.fixture
def dead_mail_app(config, site, clock) -> Iterator[Flask]:
    """A site whose mail server does not answer."""
    application = _app(config, site, clock, mailbox.free_port())
    yield application
    application.extensions["portal.notifier"].wait()
    application.extensions["portal.db"].engine.dispose()


def file_and_ask_for_news(
    app: Flask, address: str = ADDRESS, language: str = "en", **fields: str
) -> tuple[str, FlaskClient]:
    """File a complaint and, on its receipt, ask to be told of news. Returns the code."""
    client = app.test_client()
    if language != "en":
        client.post("/language", data={"lang": language, "next": "/"})
    person = Participant(client)
    receipt = person.file(
        narrative=fields.pop("narrative", NARRATIVE),
        officer=OFFICER,
        wants=WANTS,
        **fields,
    ).get_data(as_text=True)
    code = re.search(r'class="code" aria-label="([0-9A-Z ]{24})"', receipt).group(1)
    answer = client.post(
        "/file/news",
        data={
            "csrf_token": hidden_value(receipt, "csrf_token"),
            "form_token": hidden_value(receipt, "form_token"),
            "email": address,
        },
    )
    assert answer.status_code == HTTPStatus.OK
    page = answer.get_data(as_text=True)
    assert 'class="news-saved" role="status"' in page
    assert code in page  # the receipt, still with its code
    return code.replace(" ", "-"), client


def decoded(raw: bytes) -> str:
    """The email as a reader sees it: every header decoded, every MIME part's content."""
    message = email.message_from_bytes(raw, policy=policy.default)
    pieces = []
    for part in message.walk():
        pieces += [f"{name}: {value}" for name, value in part.items()]
        if not part.is_multipart():
            pieces.append(part.get_content())
    return "\n".join(pieces)


def everything_in(raw: bytes) -> str:
    """The raw bytes as sent, and the same decoded."""
    return raw.decode("latin-1") + "\n" + decoded(raw)


def words_of(raw: bytes) -> tuple[str, str, str]:
    message = email.message_from_bytes(raw, policy=policy.default)
    return str(message["Subject"]), str(message["From"]), message.get_content()


def secrets_of(code: str) -> list[str]:
    return [
        code,
        code.replace("-", ""),
        code.replace("-", " "),
        code[5:],
        "ZEBRAPLUM",
        "laundromat",
        OFFICER,
        "40417",
        "MANGOSTEEN",
        "GRAPEVINE",
        "Quillfeather",
        "complaint",
        "queja",
        "police",
    ]


def test_a_message_from_the_board_tells_the_person_and_nothing_more(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    code, _client = file_and_ask_for_news(mail_app, kind="police")
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    answer = act(reviewer, code[:4], "message", body=QUESTION)
    assert answer.status_code == HTTPStatus.SEE_OTHER
    sent = inbox.to(ADDRESS)
    assert len(sent) == 1
    subject, sender, body = words_of(sent[0])
    assert subject == "There is news for you"
    assert "Community notes" in sender  # the site's neutral name
    assert "type your code" in body
    text = everything_in(sent[0])
    for secret in secrets_of(code):
        assert secret.lower() not in text.lower(), secret
    # The reference (the code's first group) is in no header and no part either.
    assert code[:4] not in decoded(sent[0])


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("status", {"target": "in_review", "reason": "We are reading it GRAPEVINE."}),
        ("refer", {"body": "oversight", "explanation": "They can help GRAPEVINE."}),
        ("status", {"target": "closed", "reason": "Closing it GRAPEVINE."}),
    ],
    ids=["status change", "referral to agree to", "closed"],
)
def test_each_kind_of_news_tells_the_person(
    mail_app: Flask, clock, inbox: Inbox, action: str, data: dict[str, str]
) -> None:
    code, _client = file_and_ask_for_news(mail_app)
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    if action == "refer":
        act(reviewer, code[:4], "status", target="in_review", reason="Reading.")
        inbox.messages.clear()
    assert act(reviewer, code[:4], action, **data).status_code == HTTPStatus.SEE_OTHER
    assert len(inbox.to(ADDRESS)) == 1
    assert "GRAPEVINE" not in everything_in(inbox.to(ADDRESS)[0])


def test_the_outcome_letter_tells_the_person(mail_app: Flask, clock, inbox: Inbox) -> None:
    code, _client = file_and_ask_for_news(mail_app)
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    act(reviewer, code[:4], "status", target="in_review", reason="Reading.")
    inbox.messages.clear()
    decided = act(
        reviewer,
        code[:4],
        "decide",
        disposition="substantiated",
        recommendation="Retrain.",
        letter="We believe you about GRAPEVINE.",
        confirm="y",
    )
    assert decided.status_code == HTTPStatus.SEE_OTHER
    assert len(inbox.to(ADDRESS)) == 1


def test_every_notice_is_the_same_but_for_its_language(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    first, _ = file_and_ask_for_news(mail_app, "one@mail.example", kind="police")
    second, _ = file_and_ask_for_news(
        mail_app, "two@mail.example", narrative="A landlord shouted at me", kind="provider"
    )
    third, _ = file_and_ask_for_news(mail_app, "tres@mail.example", language="es")
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    for code in (first, second, third):
        act(reviewer, code[:4], "message", body=f"A question for {code[:4]}")
    one, two, three = (
        words_of(inbox.to(address)[0])
        for address in ("one@mail.example", "two@mail.example", "tres@mail.example")
    )
    assert one == two
    assert three != one
    assert three[0] == "Hay novedades para ti"
    assert "escribe tu código" in three[2]


def test_no_copy_of_the_database_or_the_logs_holds_the_address(
    mail_app: Flask, clock, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code, client = file_and_ask_for_news(mail_app)
    # Asked again on the case page, with another address, and told of news.
    Participant(client).check(code)
    page = client.get("/case").get_data(as_text=True)
    client.post("/case/news", data={"csrf_token": csrf(client, "/case"), "email": ADDRESS})
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    act(reviewer, code[:4], "message", body=QUESTION)
    assert inbox.to(ADDRESS)
    dump = dump_database(mail_app).lower()
    for piece in (ADDRESS, "river.sparrow", "mail.example"):
        assert piece.lower() not in dump
    # What the portal logged (the test's own mail server, "mail.log", logs what it received).
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail.")
    )
    assert "river.sparrow" not in logged
    assert "mail.example" not in logged
    audit_page = signed_in(mail_app, Board(mail_app, clock), Role.ADMIN, "chair")
    assert "river.sparrow" not in audit_page.get("/review/admin/audit").get_data(as_text=True)
    assert page  # the person's page was open


def test_a_long_and_a_short_address_look_the_same_at_rest(mail_app: Flask) -> None:
    file_and_ask_for_news(mail_app, "a@b.co")
    file_and_ask_for_news(mail_app, "a.very.long.address." * 10 + "x@mail.example")
    with mail_app.app_context():
        stored = db.session().scalars(select(NewsContact.address)).all()
    assert len({len(value) for value in stored}) == 1


def test_the_board_sees_only_that_the_person_asked(mail_app: Flask, clock) -> None:
    code, _client = file_and_ask_for_news(mail_app)
    chair = signed_in(mail_app, Board(mail_app, clock), Role.ADMIN, "chair")
    page = chair.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert "asked to be told by email when there is news" in page
    assert "river" not in page
    assert "mail.example" not in page


def test_the_person_removes_the_address_on_the_case_page(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    code, client = file_and_ask_for_news(mail_app)
    Participant(client).check(code)
    page = client.get("/case").get_data(as_text=True)
    assert "We will email r•••@mail.example when there is news." in page
    removed = client.post("/case/news", data={"csrf_token": csrf(client, "/case"), "erase": "1"})
    assert removed.status_code == HTTPStatus.SEE_OTHER
    page = client.get("/case").get_data(as_text=True)
    assert "your address is erased" in page
    assert "Get an email when there is news" in page
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    act(reviewer, code[:4], "message", body=QUESTION)
    assert inbox.to(ADDRESS) == []
    with mail_app.app_context():
        assert db.session().scalars(select(NewsContact)).all() == []


def test_the_person_gives_an_address_on_the_case_page_and_a_bad_one_is_kept(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    client = mail_app.test_client()
    person = Participant(client)
    code = person.file_and_get_code()
    person.check(code)
    page = client.get("/case").get_data(as_text=True)
    assert "Anyone who can read your email will see that this site wrote to you." in page
    refused = client.post(
        "/case/news", data={"csrf_token": csrf(client, "/case"), "email": "river at home"}
    )
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    text = refused.get_data(as_text=True)
    assert "Please check the email address." in text
    assert 'value="river at home"' in text
    saved = client.post("/case/news", data={"csrf_token": csrf(client, "/case"), "email": ADDRESS})
    assert saved.status_code == HTTPStatus.SEE_OTHER
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    act(reviewer, code[:4], "message", body=QUESTION)
    assert len(inbox.to(ADDRESS)) == 1


def test_a_bad_address_on_the_receipt_keeps_the_code_and_the_words(mail_app: Flask) -> None:
    client = mail_app.test_client()
    receipt = Participant(client).file().get_data(as_text=True)
    code = re.search(r'class="code" aria-label="([0-9A-Z ]{24})"', receipt).group(1)
    answer = client.post(
        "/file/news",
        data={
            "csrf_token": hidden_value(receipt, "csrf_token"),
            "form_token": hidden_value(receipt, "form_token"),
            "email": "not-an-address",
        },
    )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    page = answer.get_data(as_text=True)
    assert code in page
    assert 'value="not-an-address"' in page
    assert "Please check the email address." in page


def test_withdrawing_erases_the_address(mail_app: Flask, inbox: Inbox) -> None:
    code, client = file_and_ask_for_news(mail_app)
    Participant(client).check(code)
    client.post("/case/withdraw", data={"csrf_token": csrf(client, "/case"), "how": "stop"})
    with mail_app.app_context():
        assert db.session().scalars(select(NewsContact)).all() == []


def test_the_address_goes_the_set_days_after_the_case_closed(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    code, _client = file_and_ask_for_news(mail_app)
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    act(reviewer, code[:4], "status", target="closed", reason="Done.")
    site = mail_app.extensions["portal.site"]
    with mail_app.app_context():
        session = db.session()
        clock.advance(days=site.news_erase_days - 1)
        assert retention.purge(session, site, clock()).news_addresses == 0
        clock.advance(days=1)
        assert retention.purge(session, site, clock()).news_addresses == 1
        assert session.scalars(select(NewsContact)).all() == []
        assert session.scalar(select(Complaint.id)) is not None  # the case itself stays


def test_a_mail_server_that_fails_never_blocks_the_board(dead_mail_app: Flask, clock) -> None:
    code, _client = file_and_ask_for_news(dead_mail_app)
    reviewer = signed_in(dead_mail_app, Board(dead_mail_app, clock), Role.REVIEWER, "rev")
    answer = act(reviewer, code[:4], "message", body=QUESTION)
    assert answer.status_code == HTTPStatus.SEE_OTHER
    page = reviewer.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    assert QUESTION.replace("?", "") in page.replace("?", "")
    assert "Could not tell the person about the latest news." in page


def test_a_member_without_the_board_key_cannot_reach_the_address(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    """Someone who has the database and the server but no board key, nor the code."""
    code, _client = file_and_ask_for_news(mail_app)
    with mail_app.app_context():
        session = db.session()
        complaint = session.scalar(select(Complaint).where(Complaint.locator == code[:4]))
        stored = session.get(NewsContact, complaint.id).address
        wrong_key = b"\0" * 32
        with pytest.raises(crypto.DecryptionFailed):
            sealing.unlock(wrong_key, stored, sealing.NEWS_EMAIL)
        # News without the key: only a flag is kept; nothing is sent.
        news.tell(session, complaint.id, None)
        assert session.get(NewsContact, complaint.id).waiting is True
    assert inbox.to(ADDRESS) == []
    # The next member holding the key who opens the case tells the person.
    reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
    reviewer.get(f"/review/cases/{code[:4]}")
    assert len(inbox.to(ADDRESS)) == 1
    with mail_app.app_context():
        session = db.session()
        row = session.scalars(select(NewsContact)).one()
        assert row.waiting is False
        complaint = session.get(Complaint, row.complaint_id)
        data_key = sealing.key_for_board(complaint, board_keyring(mail_app))
        assert news._unlock(data_key, row.address) == ADDRESS


def test_no_mail_server_means_no_email_box(app: Flask) -> None:
    receipt = Participant(app.test_client()).file().get_data(as_text=True)
    assert "Get an email when there is news" not in receipt


def test_the_receipt_says_when_the_board_usually_answers(app: Flask) -> None:
    receipt = Participant(app.test_client()).file().get_data(as_text=True)
    assert "The board usually answers within 14 days." in receipt


def test_an_admin_sets_the_days_before_there_are_figures(app: Flask, clock) -> None:
    from tests.builders import save

    chair = signed_in(app, Board(app, clock), Role.ADMIN, "chair")
    assert save(chair, typical_answer_days="9", news_erase_days="45").status_code == 303
    receipt = Participant(app.test_client()).file().get_data(as_text=True)
    assert "The board usually answers within 9 days." in receipt


def test_the_receipt_uses_the_published_median_when_there_is_one(app: Flask) -> None:
    from tests.builders import fill

    fill(app)
    assert app.test_client().get("/figures").status_code == HTTPStatus.OK
    receipt = Participant(app.test_client()).file().get_data(as_text=True)
    assert "The board usually answers within 2 days." in receipt


def test_a_hidden_median_is_not_used() -> None:
    @dataclasses.dataclass
    class Cell:
        value: float | None
        mark: str

    @dataclasses.dataclass
    class Table:
        shown: Cell

        def cell(self, _row: str, _column: str) -> Cell:
            return self.shown

    def cache(cell: Cell) -> dict:
        figures = type("F", (), {"tables": {"timeliness": Table(cell)}})
        return {("last-12-months", 10): type("B", (), {"figures": figures})}

    assert answertime.from_figures({}, 10) is None
    assert answertime.from_figures(cache(Cell(None, "too_few")), 10) is None
    assert answertime.from_figures(cache(Cell(2.5, "shown")), 10) == 3
    assert answertime.from_figures(cache(Cell(0, "shown")), 10) == 1


def test_a_member_not_yet_given_the_board_key_tells_nobody_and_sees_no_address(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    code, _client = file_and_ask_for_news(mail_app)
    newcomer = mail_app.test_client()
    Board(mail_app, clock).enroll(newcomer, Role.REVIEWER, "newcomer")  # no key granted
    refused = act(newcomer, code[:4], "message", body=QUESTION)
    page = refused.get_data(as_text=True)
    assert "You cannot read or write this case" in page
    assert "asked to be told by email when there is news" in page
    assert "river" not in page
    assert inbox.to(ADDRESS) == []


def test_the_receipt_in_the_other_language_still_says_the_person_asked(mail_app: Flask) -> None:
    client = mail_app.test_client()
    receipt = Participant(client).file().get_data(as_text=True)
    tokens = {
        "csrf_token": hidden_value(receipt, "csrf_token"),
        "form_token": hidden_value(receipt, "form_token"),
    }
    client.post("/file/news", data={**tokens, "email": ADDRESS})
    again = client.post("/file/receipt", data={**tokens, "lang": "es"}).get_data(as_text=True)
    assert "Te vamos a escribir cuando haya novedades." in again
    assert 'name="email"' not in again


def test_the_retention_purge_takes_the_address_with_the_case(mail_app: Flask, clock) -> None:
    file_and_ask_for_news(mail_app)
    site = mail_app.extensions["portal.site"]
    clock.advance(days=site.retention_unopened_days + 1)
    with mail_app.app_context():
        session = db.session()
        assert retention.purge(session, site, clock()).cases == 1
        assert session.scalars(select(NewsContact)).all() == []


def test_an_admin_who_points_the_mail_settings_at_their_own_server_learns_no_address(
    mail_app: Flask, clock, inbox: Inbox
) -> None:
    """A chair turned bad saves their own mail server and a look-alike site address on the
    settings page, then acts on a case: the person's address would arrive at their server
    beside the case they just acted on, and the email would send the person to type their
    code into the look-alike site. The person's news goes only through the mail server and
    to the address in site.toml, which the board's pages cannot change."""
    from tests.builders import save

    code, _client = file_and_ask_for_news(mail_app)
    with mailbox.running() as theirs:
        board = Board(mail_app, clock)
        chair = signed_in(mail_app, board, Role.ADMIN, "chair")
        saved = save(
            chair,
            smtp_host="127.0.0.1",
            smtp_port=str(theirs.port),
            public_address="https://look-alike.example/",
        )
        assert saved.status_code == HTTPStatus.SEE_OTHER
        assert act(chair, code[:4], "message", body=QUESTION).status_code == HTTPStatus.SEE_OTHER
        mail_app.extensions["portal.notifier"].wait()
    assert theirs.to(ADDRESS) == []
    sent = inbox.to(ADDRESS)
    assert len(sent) == 1
    assert "look-alike" not in everything_in(sent[0])


@pytest.mark.parametrize(
    "address",
    [
        "postmaster,me@mail.example",
        "root;me@mail.example",
        '"x"me@mail.example',
        "me@mail.example>",
        "me\x00@mail.example",
        "group:me@mail.example",
    ],
)
def test_an_address_that_would_also_mail_someone_else_is_refused(address: str) -> None:
    """A script leaves "postmaster,me@mail.example": every notice would go to the mail
    server's own postmaster too (an email header reads the comma as a second recipient)."""
    with pytest.raises(news.BadAddress):
        news.clean(address)
    assert news.clean(" río.sparrow+news@mail.example ") == "río.sparrow+news@mail.example"


def test_a_closed_or_stopped_complaint_keeps_no_new_address(mail_app: Flask, inbox: Inbox) -> None:
    """The page offers no email box once a complaint is stopped; a hand-made POST that asks
    anyway keeps nothing, and says so kindly."""
    code, client = file_and_ask_for_news(mail_app)
    Participant(client).check(code)
    token = csrf(client, "/case")  # the session's token, kept from before the case stopped
    client.post("/case/withdraw", data={"csrf_token": token, "how": "stop"})
    page = client.get("/case").get_data(as_text=True)
    assert "Email me when there is news" not in page
    answer = client.post(
        "/case/news",
        data={"csrf_token": token, "email": ADDRESS},
        follow_redirects=True,
    )
    assert answer.status_code == HTTPStatus.OK
    assert "there will be no news to tell you" in answer.get_data(as_text=True)
    with mail_app.app_context():
        assert db.session().scalars(select(NewsContact)).all() == []
