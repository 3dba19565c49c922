"""The filing receipt on a shared phone: the code is shown again after a lost response, but
never after "Done", never to another browser session, and never later than 15 minutes after
it was first shown. What arrived is counted, never named."""

from __future__ import annotations

import datetime as dt
import io
import os
from http import HTTPStatus

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask.testing import FlaskClient

from portal.board.accounts import Role
from portal.models import Complaint
from portal.security import receipts
from tests.board import Board
from tests.builders import count, pdf_with_author, photo, signed_in
from tests.conftest import FakeClock, Participant, code_on_page, code_shown, hidden_value

ALREADY = "We already have this complaint"
WORDS = "PLANTED-RECEIPT-WORDS they took my bag"


def filed(participant: Participant, **fields: object) -> tuple[str, str]:
    """File a complaint; return its code and the receipt page."""
    page = participant.file(narrative=WORDS, **fields).get_data(as_text=True)
    return code_on_page(page), page


def done(client: FlaskClient, receipt: str):
    return client.post("/file/done", data={"form_token": hidden_value(receipt, "form_token")})


def shows_nothing(response, code: str) -> bool:
    page = response.get_data(as_text=True)
    return not code_shown(page, code) and WORDS not in page


def test_done_is_a_button_that_ends_the_session(participant: Participant) -> None:
    code, receipt = filed(participant)
    assert 'action="/file/done"' in receipt
    response = done(participant.client, receipt)
    assert response.status_code == HTTPStatus.SEE_OTHER
    assert response.headers["Location"] == "/"
    with participant.client.session_transaction() as session:
        assert dict(session) == {}
    assert shows_nothing(participant.client.get("/", follow_redirects=True), code)


def test_a_resend_after_done_says_already_sent_without_the_code(
    participant: Participant, app: Flask
) -> None:
    code, receipt = filed(participant)
    done(participant.client, receipt)
    again = participant.resend()
    assert ALREADY in again.get_data(as_text=True)
    assert shows_nothing(again, code)
    assert count(app, Complaint) == 1


def test_done_ends_the_receipt_on_the_server_even_for_the_old_session_cookie(
    participant: Participant,
) -> None:
    # Someone who kept the session cookie from before "Done" (or a browser that restores
    # it) still gets no code: the receipt itself is gone.
    code, receipt = filed(participant)
    old_cookie = participant.client.get_cookie("session")
    assert old_cookie is not None
    done(participant.client, receipt)
    participant.client.set_cookie("session", old_cookie.value)
    again = participant.resend()
    assert ALREADY in again.get_data(as_text=True)
    assert shows_nothing(again, code)
    switched = participant.client.post(
        "/file/receipt",
        data={
            "csrf_token": hidden_value(receipt, "csrf_token"),
            "form_token": hidden_value(receipt, "form_token"),
            "lang": "es",
        },
    )
    assert shows_nothing(switched, code)


@pytest.mark.parametrize("way_out", ["/leave", "/exit"])
def test_leave_and_the_quick_exit_end_the_receipt_on_the_server_too(
    participant: Participant, way_out: str
) -> None:
    # The next person on a shared phone, even one who put the old session cookie back,
    # gets no code after the person left by Leave or the quick exit instead of "Done".
    code, _receipt = filed(participant)
    old_cookie = participant.client.get_cookie("session")
    assert old_cookie is not None
    assert participant.client.post(way_out).status_code == HTTPStatus.SEE_OTHER
    participant.client.set_cookie("session", old_cookie.value)
    assert shows_nothing(participant.resend(), code)


def test_a_resend_from_another_browser_session_shows_no_code(app: Flask, client) -> None:
    person = Participant(client)
    code, _receipt = filed(person)
    # Another browser with a form of its own, sending the first form's token.
    other = Participant(app.test_client())
    stolen = {**person.form, "csrf_token": other.open_form()["csrf_token"]}
    again = other.client.post("/file", data=stolen)
    assert ALREADY in again.get_data(as_text=True)
    assert shows_nothing(again, code)
    assert count(app, Complaint) == 1


def test_the_language_button_after_done_shows_no_code(participant: Participant) -> None:
    code, receipt = filed(participant)
    done(participant.client, receipt)
    switched = participant.client.post(
        "/file/receipt",
        data={
            "csrf_token": hidden_value(receipt, "csrf_token"),
            "form_token": hidden_value(receipt, "form_token"),
            "lang": "es",
        },
    )
    assert shows_nothing(switched, code)


def _resend(participant: Participant, receipt: str):
    return participant.resend()


def _switch_language(participant: Participant, receipt: str):
    return participant.client.post(
        "/file/receipt",
        data={
            "csrf_token": hidden_value(receipt, "csrf_token"),
            "form_token": hidden_value(receipt, "form_token"),
            "lang": "es",
        },
    )


@pytest.mark.parametrize("again", [_resend, _switch_language])
@pytest.mark.parametrize(("minutes", "shown"), [(14, True), (15, False), (16, False), (50, False)])
def test_the_code_is_never_shown_again_later_than_15_minutes(
    participant: Participant,
    clock: FakeClock,
    again,
    minutes: int,
    shown: bool,
) -> None:
    code, receipt = filed(participant)
    clock.advance(minutes=minutes)
    response = again(participant, receipt)
    assert response.status_code == HTTPStatus.OK
    page = response.get_data(as_text=True)
    assert code_shown(page, code) is shown
    if not shown:
        assert ALREADY in page or "Ya tenemos esta queja" in page


def test_finish_and_clear_ends_the_hand_over_receipt(app: Flask, board: Board) -> None:
    from tests.test_advocates import assisted_filing

    advocate = signed_in(app, board, Role.ADVOCATE, "peer")
    handover = assisted_filing(advocate)
    page = handover.get_data(as_text=True)
    code = code_on_page(page)
    resend = {
        "csrf_token": hidden_value(page, "csrf_token"),
        "form_token": hidden_value(page, "form_token"),
        "narrative": "anything",
    }
    old_cookie = advocate.get_cookie("session")
    assert old_cookie is not None
    advocate.post("/finish", data={"form_token": hidden_value(page, "form_token")})
    advocate.set_cookie("session", old_cookie.value)
    again = advocate.post("/file", data=resend)
    assert not code_shown(again.get_data(as_text=True), code)


@pytest.mark.parametrize(
    ("files", "english", "spanish"),
    [
        ([], None, None),
        ([("JPEG", "IMG_2041.jpg")], "Files received: 1 photo.", "Archivos recibidos: 1 foto."),
        (
            [("PNG", "mine.png"), ("JPEG", "IMG_2041.jpg"), ("PDF", "letter-to-judge.pdf")],
            "Files received: 2 photos, 1 PDF.",
            "Archivos recibidos: 2 fotos, 1 PDF.",
        ),
    ],
)
def test_the_receipt_and_case_page_count_the_files_but_never_name_them(
    participant: Participant,
    files,
    english,
    spanish,
) -> None:
    chosen = [
        (io.BytesIO(pdf_with_author() if kind == "PDF" else photo(kind)), name)
        for kind, name in files
    ]
    code, receipt = filed(participant, files=chosen)
    participant.check(code)
    case = participant.client.get("/case").get_data(as_text=True)
    with participant.client.session_transaction() as session:
        session["lang"] = "es"
    caso = participant.client.get("/case").get_data(as_text=True)
    for page, expected in ((receipt, english), (case, english), (caso, spanish)):
        for _kind, name in files:
            assert name not in page
            assert name.rsplit(".", 1)[0] not in page
        if expected is None:
            assert "files-received" not in page
        else:
            assert expected in page


def sealed_before_the_crypto_module(token: str, holder: str, code: str, until) -> bytes:
    """A receipt as receipts.seal made it with its own AES-GCM and HKDF (until issue 15)."""
    key = HKDF(hashes.SHA256(), 32, salt=None, info=b"filing-receipt-key").derive(
        token.encode() + b"\0" + holder.encode()
    )
    nonce = os.urandom(12)
    plain = f"{code}\n{until.isoformat()}".encode()
    return nonce + AESGCM(key).encrypt(nonce, plain, receipts.token_hash(token))


def test_a_receipt_sealed_before_an_upgrade_still_opens_only_for_its_form_and_session() -> None:
    token, holder, now = receipts.new_token(), receipts.new_holder(), dt.datetime(2026, 11, 2)
    old = sealed_before_the_crypto_module(token, holder, "CODE", now + receipts.SHOW_FOR)
    assert receipts.unseal(token, holder, old, now) == "CODE"
    assert receipts.unseal(token, receipts.new_holder(), old, now) is None
    assert receipts.unseal(receipts.new_token(), holder, old, now) is None
    assert receipts.unseal(token, holder, old, now + receipts.SHOW_FOR) is None
    fresh = receipts.seal(token, holder, "CODE", now + receipts.SHOW_FOR)
    assert receipts.unseal(token, holder, fresh, now) == "CODE"
