"""The complaint's text-field registry (portal.security.sealing.TEXT_FIELDS) is the one list:
withdrawal with deletion erases every field it names, so a field added later is covered."""

from __future__ import annotations

import dataclasses
from http import HTTPStatus

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.casework import complainant
from portal.models import Complaint
from portal.security import sealing
from tests.board import csrf
from tests.conftest import Participant, board_keyring
from tests.test_cases import dump_database

ERASED = [field for field in sealing.TEXT_FIELDS if field.deleted_on_withdrawal]


def marker(field: sealing.TextField) -> str:
    return f"PLANTED-{field.name.upper()}-4471"


def test_every_registered_field_is_known_to_the_complaint_row_and_the_case_text() -> None:
    columns = Complaint.__table__.columns
    assert [field.name for field in sealing.TEXT_FIELDS if field.name not in columns] == []
    shown = tuple(field.name for field in dataclasses.fields(sealing.CaseText))
    assert shown == sealing.COMPLAINT_FIELDS


def test_withdrawal_with_deletion_leaves_nothing_of_any_registered_text_field(
    app: Flask, client: FlaskClient
) -> None:
    # What the person writes goes through the real filing form.
    typed = {field.name: marker(field) for field in ERASED if field.written_by_person}
    person = Participant(client)
    code = person.file_and_get_code(**typed)
    # Every other field is written as the board (or the filing) would: sealed or plain.
    keyring = board_keyring(app)
    with app.app_context():
        session = db.session()
        complaint = session.scalars(select(Complaint)).one()
        data_key = sealing.key_for_board(complaint, keyring)
        for field in ERASED:
            if field.name in typed:
                continue
            value = marker(field)
            setattr(
                complaint,
                field.name,
                sealing.lock(data_key, value, field.label) if field.sealed else value,
            )
        session.commit()
        stored = {field.name: getattr(complaint, field.name) for field in ERASED}
        # Planted as the registry says: readable with the case's key, or plainly.
        for field in ERASED:
            read = (
                sealing.unlock(data_key, stored[field.name], field.label)
                if field.sealed
                else stored[field.name]
            )
            assert read == marker(field), field.name
    locator = code[:4]

    person.check(code)
    response = client.post(
        "/case/withdraw",
        data={"csrf_token": csrf(client, "/case"), "how": "delete", "confirm": "yes"},
    )
    assert response.status_code == HTTPStatus.OK

    dump = dump_database(app)
    left = [field.name for field in ERASED if marker(field) in dump]
    assert left == [], "words left in the database"
    ciphertext_left = [
        field.name for field in ERASED if field.sealed and stored[field.name] in dump
    ]
    assert ciphertext_left == [], "sealed words left in the database"
    with app.app_context():
        complaint = db.session().scalars(select(Complaint)).one()
        assert complaint.locator == locator
        assert complaint.text_deleted
        kept = {
            field.name: getattr(complaint, field.name)
            for field in ERASED
            if getattr(complaint, field.name) not in (None, complainant.TOMBSTONE)
        }
    assert kept == {}
