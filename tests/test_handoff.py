"""The hand-off: the person sees every word and file that would leave, and nothing leaves
without their yes to exactly that; the PDF says nothing about who made it, where or when."""

from __future__ import annotations

import io
import socket
from http import HTTPStatus

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select, update

from portal import db
from portal.board.accounts import Role
from portal.models import AuditEvent, Complaint, Handoff, Referral
from tests import mailbox
from tests.board import Board, csrf
from tests.builders import act, dump_database, long_pdf, pdf_contents, signed_in
from tests.conftest import Participant

NARRATIVE = "Officer Reyes took my phone outside the shelter. My sister Ana saw it."
CLEANED = "An officer took my phone outside the shelter. A relative saw it."


@pytest.fixture
def reviewer(app: Flask, board: Board) -> FlaskClient:
    return signed_in(app, board, Role.REVIEWER, "rev")


def _png() -> io.BytesIO:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, format="PNG")
    picture.seek(0)
    return picture


def file_with_files(participant: Participant) -> str:
    return participant.file_and_get_code(
        narrative=NARRATIVE,
        files=[(_png(), "photo.png"), (io.BytesIO(long_pdf(2)), "paper.pdf")],
    )


def agreed_referral(app: Flask, reviewer: FlaskClient, person: FlaskClient, code: str) -> str:
    """A referral to the oversight office the person said yes to; returns the locator."""
    locator = code[:4]
    act(reviewer, locator, "status", target="in_review", reason="Reading it.")
    act(reviewer, locator, "refer", body="oversight", explanation="They can discipline officers.")
    Participant(person).check(code)
    answered = person.post(
        "/case/referral",
        data={"csrf_token": csrf(person, "/case"), "question": referral_id(app), "answer": "yes"},
    )
    assert answered.status_code == HTTPStatus.SEE_OTHER
    return locator


def referral_id(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(Referral.id))


def handoff_path(app: Flask, locator: str) -> str:
    return f"/review/cases/{locator}/referrals/{referral_id(app)}/handoff"


def file_ids(app: Flask) -> list[str]:
    from portal.models import Attachment

    with app.app_context():
        return [str(i) for i in db.session().scalars(select(Attachment.id).order_by(Attachment.id))]


def prepare(client: FlaskClient, app: Flask, locator: str, text: str = CLEANED, **extra):
    path = handoff_path(app, locator)
    data = {
        "csrf_token": csrf(client, "/review/account"),
        "text": text,
        "recipient": "Civilian Review Office",
    }
    data.update(extra)
    if "files" not in extra:
        data["files"] = file_ids(app)
    return client.post(f"{path}/save", data=data)


def download(client: FlaskClient, app: Flask, locator: str):
    path = handoff_path(app, locator)
    return client.post(f"{path}/pdf", data={"csrf_token": csrf(client, "/review/account")})


def answer(person: FlaskClient, app: Flask, agree: bool, version: int | None = None):
    with app.app_context():
        row = db.session().scalars(select(Handoff)).one()
    return person.post(
        "/case/handoff",
        data={
            "csrf_token": csrf(person, "/case"),
            "question": str(row.id),
            "version": str(version or row.version),
            "answer": "yes" if agree else "no",
        },
    )


def downloads(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(
            select(func.count()).where(AuditEvent.action == "case.handoff_download")
        )


def is_pdf(response) -> bool:
    return response.status_code == HTTPStatus.OK and response.data.startswith(b"%PDF")


def test_the_person_sees_what_will_be_sent_and_nothing_goes_without_their_yes(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    page = reviewer.get(handoff_path(app, locator)).get_data(as_text=True)
    assert "Officer Reyes took my phone" in page  # it starts from the person's own words
    assert not is_pdf(download(reviewer, app, locator))  # nothing prepared, nothing to send

    assert prepare(reviewer, app, locator).status_code == HTTPStatus.SEE_OTHER
    mine = client.get("/case").get_data(as_text=True)
    assert "Is it OK to send this?" in mine
    assert CLEANED in mine
    assert "1 photo, 1 PDF" in mine
    assert "The police oversight office: Civilian Review Office" in mine
    refused = download(reviewer, app, locator)
    assert not is_pdf(refused)
    assert "has not said yes" in reviewer.get(handoff_path(app, locator)).get_data(as_text=True)

    answer(client, app, agree=False)
    assert not is_pdf(download(reviewer, app, locator))
    assert "You said no" in client.get("/case").get_data(as_text=True)

    answer(client, app, agree=True)
    sent = download(reviewer, app, locator)
    assert is_pdf(sent)
    assert sent.headers["Content-Disposition"] == 'attachment; filename="referral.pdf"'
    assert downloads(app) == 1
    with app.app_context():
        assert db.session().scalar(select(Complaint.status)) == "referred"
        assert db.session().scalar(select(Referral.state)) == "sent"
    mine = client.get("/case").get_data(as_text=True)
    assert "Sent on" in mine
    assert "to The police oversight office" in mine
    # Sent is final: the board can download it again (audited) but not change it.
    assert (
        prepare(reviewer, app, locator, text="Something else").status_code != HTTPStatus.SEE_OTHER
    )
    assert is_pdf(download(reviewer, app, locator))
    assert downloads(app) == 2


def test_a_member_who_changes_it_after_the_yes_cannot_download_it(
    app: Flask, board: Board, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    """A board member turned bad waits for the yes, puts the name back in, and downloads."""
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator)
    answer(client, app, agree=True)
    bad = signed_in(app, board, Role.REVIEWER, "bad")
    assert prepare(bad, app, locator, text=NARRATIVE).status_code == HTTPStatus.SEE_OTHER
    for member in (bad, reviewer):
        assert not is_pdf(download(member, app, locator))
    assert downloads(app) == 0
    mine = client.get("/case").get_data(as_text=True)
    assert "Is it OK to send this?" in mine
    assert "Officer Reyes" in mine
    with app.app_context():
        assert db.session().scalar(select(Referral.state)) == "agreed"
        events = db.session().scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "case.handoff_prepare")
        )
        assert any("voided_yes" in detail and "true" in detail for detail in events)


def test_a_row_changed_behind_the_portals_back_is_not_agreed(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    """Someone writing to the database puts back the earlier draft, keeping the yes."""
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator, text=NARRATIVE)
    with app.app_context():
        first = db.session().scalar(select(Handoff.content))
    prepare(reviewer, app, locator)
    answer(client, app, agree=True)
    with app.app_context():
        db.session().execute(update(Handoff).values(content=first))
        db.session().commit()
    assert not is_pdf(download(reviewer, app, locator))
    assert downloads(app) == 0


def test_a_file_swapped_in_behind_the_portals_back_is_not_agreed(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    """Someone writing to the database, after the person said yes to sending the photo only,
    gives the photo's record the other file's sealed pieces (both are sealed under the same
    complaint's key): the yes was to the photo the person saw, not to whatever now sits under
    its number."""
    from portal.models import Attachment, AttachmentBlob

    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    photo, other = (int(i) for i in file_ids(app))
    prepare(reviewer, app, locator, files=[str(photo)])
    answer(client, app, agree=True)
    with app.app_context():
        session = db.session()
        rows = {a.id: a for a in session.scalars(select(Attachment))}
        kept = {i: (a.stored_name, a.media_type, a.size) for i, a in rows.items()}
        pieces = {
            i: session.scalar(select(AttachmentBlob.data).where(AttachmentBlob.attachment_id == i))
            for i in rows
        }
        rows[other].stored_name = "x" * 32  # names are unique: out of the way first
        session.flush()
        for mine, theirs in ((photo, other), (other, photo)):
            rows[mine].stored_name, rows[mine].media_type, rows[mine].size = kept[theirs]
            session.execute(
                update(AttachmentBlob)
                .where(AttachmentBlob.attachment_id == mine)
                .values(data=pieces[theirs])
            )
        session.commit()
    assert not is_pdf(download(reviewer, app, locator))
    assert downloads(app) == 0


def test_a_yes_to_the_version_before_a_change_does_not_count(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator)
    with app.app_context():
        shown = db.session().scalar(select(Handoff.version))
    prepare(reviewer, app, locator, text=NARRATIVE)  # while the person reads
    late = answer(client, app, agree=True, version=shown)
    assert late.status_code == HTTPStatus.SEE_OTHER
    assert "changed what would be sent" in client.get("/case").get_data(as_text=True)
    assert not is_pdf(download(reviewer, app, locator))


def test_the_pdf_holds_the_words_and_files_and_nothing_about_its_making(
    app: Flask, clock, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator)
    answer(client, app, agree=True)
    data = download(reviewer, app, locator).data
    reader = PdfReader(io.BytesIO(data))
    assert "/Info" not in reader.trailer
    assert "/ID" not in reader.trailer
    assert "/Metadata" not in reader.trailer["/Root"]
    assert reader.metadata is None
    assert len(reader.pages) == 1 + 1 + 2  # the words, the photo, the PDF's two pages
    words = reader.pages[0].extract_text()
    assert "relative saw it" in words
    assert "Reyes" not in words
    assert "Ana" not in words
    assert "1 photo, 1 PDF" in words
    everything = pdf_contents(data)
    assert "/Metadata" not in everything.names
    assert "/Info" not in everything.names
    assert "/CreationDate" not in everything.names
    assert "/ModDate" not in everything.names
    assert everything.exif == []
    moment = clock.moment
    for stamp in (
        socket.gethostname(),
        "pypdf",
        "Pillow",
        "D:",
        str(moment.year),
        moment.date().isoformat(),
        moment.strftime("%H:%M"),
        locator,
    ):
        assert stamp.encode() not in everything.text, stamp


def test_recused_members_and_members_without_the_key_cannot_prepare_or_download(
    app: Flask, board: Board, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator)
    answer(client, app, agree=True)
    stepped_away = signed_in(app, board, Role.REVIEWER, "knows-them")
    act(stepped_away, locator, "recuse", confirm="y")
    keyless = app.test_client()
    board.enroll(keyless, Role.REVIEWER, "no-key-yet")
    path = handoff_path(app, locator)
    assert stepped_away.get(path).status_code == HTTPStatus.NOT_FOUND
    for attempt in (prepare(stepped_away, app, locator), download(stepped_away, app, locator)):
        assert attempt.status_code == HTTPStatus.NOT_FOUND
    for attempt in (
        keyless.get(path),
        prepare(keyless, app, locator, text=NARRATIVE),
        download(keyless, app, locator),
    ):
        assert attempt.status_code == HTTPStatus.SEE_OTHER
        assert attempt.headers["Location"] == f"/review/cases/{locator}"
    assert downloads(app) == 0
    assert is_pdf(download(reviewer, app, locator))  # the yes still holds: nothing changed


def test_the_hand_off_is_sealed_and_goes_when_the_person_deletes_their_words(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator, recipient="Unusual Office Name")
    dump = dump_database(app)
    assert "relative saw it" not in dump
    assert "Unusual Office Name" not in dump
    token = csrf(client, "/case")
    client.post("/case/withdraw", data={"csrf_token": token, "how": "delete", "confirm": "yes"})
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Handoff)) == 0
    assert not is_pdf(download(reviewer, app, locator))


BAD_BOARD_INPUT = [
    {"text": ""},
    {"text": " \n "},
    {"text": "x" * 10_001},
    {"recipient": "r" * 5000},
    {"files": ["abc"]},
    {"files": ["-1"]},
    {"files": ["99999999999999999999999"]},
    {"files": ["1"]},
    # Hand-edited ids that look like digits to Python but are no number it can read.
    {"files": ["\u00b2"]},
    {"files": ["9" * 5000]},
    {"text": "my code is <code>"},
    {"csrf_token": "wrong"},
]


@pytest.mark.parametrize("bad", BAD_BOARD_INPUT)
def test_bad_board_input_is_refused_kindly_and_keeps_what_was_typed(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient, bad
) -> None:
    code = participant.file_and_get_code(narrative=NARRATIVE)
    locator = agreed_referral(app, reviewer, client, code)
    bad = {k: v.replace("<code>", code) if isinstance(v, str) else v for k, v in bad.items()}
    response = prepare(reviewer, app, locator, **{"text": "Kept words here.", **bad})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.get_data(as_text=True)
    if "csrf_token" not in bad:
        assert 'class="error-summary"' in page
    if "text" not in bad and "csrf_token" not in bad:
        assert "Kept words here." in page
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Handoff)) == 0


BAD_ANSWERS = [
    {},
    {"question": "x", "version": "1", "answer": "yes"},
    {"question": "99999999999999", "version": "1", "answer": "yes"},
    {"question": "1", "version": "-5", "answer": "yes"},
    {"question": "1", "version": "1", "answer": "maybe"},
    {"question": "\x00", "version": "\ufffe", "answer": "yes"},
    {"question": "12345", "version": "1", "answer": "yes"},
]


@pytest.mark.parametrize("bad", BAD_ANSWERS)
def test_bad_answers_from_the_person_change_nothing_and_never_fail(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient, bad
) -> None:
    code = participant.file_and_get_code(narrative=NARRATIVE)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator, files=[])
    response = client.post("/case/handoff", data={"csrf_token": csrf(client, "/case"), **bad})
    assert response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.SEE_OTHER)
    with app.app_context():
        assert db.session().scalar(select(Handoff.answer)) is None


def test_another_persons_hand_off_cannot_be_answered(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    code = participant.file_and_get_code(narrative=NARRATIVE)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator, files=[])
    other = app.test_client()
    Participant(other).check(Participant(other).file_and_get_code(narrative="Mine."))
    answer(other, app, agree=True)
    with app.app_context():
        assert db.session().scalar(select(Handoff.answer)) is None


def test_any_words_make_a_readable_pdf() -> None:
    from portal.casework import handoffpdf

    odd = "\x00 (paren \\ back) ñandú 😀 ﬁn " + "x" * 300 + "\n\n" + "palabra " * 2000
    lines = [(False, line) for line in handoffpdf.wrap(odd)]
    data = handoffpdf.build("Título", lines, [])
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 1
    assert all(len(line) <= handoffpdf.COLUMNS for _bold, line in lines)
    first = reader.pages[0].extract_text()
    assert "(paren \\ back) ñandú ? fin" in first


def test_the_person_sees_small_pictures_of_the_photos_that_would_go(
    app: Flask, reviewer: FlaskClient, participant: Participant, client: FlaskClient
) -> None:
    code = file_with_files(participant)
    locator = agreed_referral(app, reviewer, client, code)
    prepare(reviewer, app, locator)
    mine = client.get("/case").get_data(as_text=True)
    assert "/case/handoff/photo/1" in mine
    assert "/case/handoff/photo/2" not in mine  # the PDF has no picture
    picture = client.get("/case/handoff/photo/1")
    assert picture.status_code == HTTPStatus.OK
    assert picture.mimetype == "image/jpeg"
    assert picture.headers["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(picture.data)) as shown:
        assert max(shown.size) <= 120
    assert client.get("/case/handoff/photo/2").status_code == HTTPStatus.NOT_FOUND
    # Another code, or no code at all, sees none of it.
    other = app.test_client()
    Participant(other).check(Participant(other).file_and_get_code(narrative="Mine."))
    assert other.get("/case/handoff/photo/1").status_code == HTTPStatus.NOT_FOUND
    assert app.test_client().get("/case/handoff/photo/1").status_code == HTTPStatus.NOT_FOUND
    answer(client, app, agree=True)
    download(reviewer, app, locator)
    assert client.get("/case/handoff/photo/1").status_code == HTTPStatus.NOT_FOUND


def test_a_prepared_hand_off_and_its_sending_are_news_for_a_person_who_asked(
    config, site, clock
) -> None:
    """The person who left an address hears that there is something to say yes to, and again
    when it went; the emails hold none of the hand-off's words."""
    from tests.test_news_email import _app, file_and_ask_for_news, secrets_of

    with mailbox.running() as inbox:
        mail_app = _app(config, site, clock, inbox.port)
        try:
            code, person = file_and_ask_for_news(mail_app)
            reviewer = signed_in(mail_app, Board(mail_app, clock), Role.REVIEWER, "rev")
            locator = agreed_referral(mail_app, reviewer, person, code)
            before = len(inbox.messages)
            assert prepare(reviewer, mail_app, locator).status_code == HTTPStatus.SEE_OTHER
            assert len(inbox.messages) == before + 1
            assert answer(person, mail_app, agree=True).status_code == HTTPStatus.SEE_OTHER
            assert is_pdf(download(reviewer, mail_app, locator))
            assert len(inbox.messages) == before + 2
            for _to, raw in inbox.messages[before:]:
                text = raw.decode("latin-1").lower()
                for secret in [*secrets_of(code), CLEANED, "Civilian Review Office"]:
                    assert secret.lower() not in text, secret
        finally:
            mail_app.extensions["portal.notifier"].wait()
            mail_app.extensions["portal.db"].engine.dispose()
