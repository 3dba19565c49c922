"""The complaint's text-field registry (portal.security.sealing.TEXT_FIELDS) is the one list:
withdrawal with deletion erases every field it names, so a field added later is covered."""

from __future__ import annotations

import dataclasses
import re
from http import HTTPStatus

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import db
from portal.board.accounts import Role
from portal.casework import complainant
from portal.choices import Disposition
from portal.models import Complaint
from portal.security import sealing
from tests.board import Board, csrf
from tests.builders import dump_database
from tests.conftest import Participant, board_keyring

ERASED = [field for field in sealing.TEXT_FIELDS if field.deleted_on_withdrawal]


def marker(field: sealing.TextField) -> str:
    return f"PLANTED-{field.name.upper()}-4471"


def test_every_registered_field_is_known_to_the_complaint_row_and_the_case_text() -> None:
    columns = Complaint.__table__.columns
    assert [field.name for field in sealing.TEXT_FIELDS if field.name not in columns] == []
    shown = tuple(field.name for field in dataclasses.fields(sealing.CaseText))
    assert shown == sealing.COMPLAINT_FIELDS


def plant_every_field(app: Flask, client: FlaskClient) -> tuple[str, dict[str, str | None]]:
    """A complaint with a marker in every registered field: what the person writes through the
    real filing form, the rest as the board (or the filing) would write it, sealed or plain.
    Returns its code and what the database holds for each field."""
    typed = {field.name: marker(field) for field in sealing.TEXT_FIELDS if field.written_by_person}
    code = Participant(client).file_and_get_code(**typed)
    keyring = board_keyring(app)
    with app.app_context():
        session = db.session()
        complaint = session.scalars(select(Complaint)).one()
        data_key = sealing.key_for_board(complaint, keyring)
        for field in sealing.TEXT_FIELDS:
            if field.name in typed:
                continue
            value = marker(field)
            setattr(
                complaint,
                field.name,
                sealing.lock(data_key, value, field.label) if field.sealed else value,
            )
        # Decided, so the board's page shows the decision's words too.
        complaint.disposition = Disposition.UNDETERMINED.value
        session.commit()
        stored = {field.name: getattr(complaint, field.name) for field in sealing.TEXT_FIELDS}
        # Planted as the registry says: readable with the case's key, or plainly.
        for field in sealing.TEXT_FIELDS:
            read = (
                sealing.unlock(data_key, stored[field.name], field.label)
                if field.sealed
                else stored[field.name]
            )
            assert read == marker(field), field.name
    return code, stored


def test_the_chairs_case_page_shows_every_listed_field_under_its_label(
    app: Flask, client: FlaskClient, board: Board
) -> None:
    code, _stored = plant_every_field(app, client)
    chair = app.test_client()
    board.sign_in(chair, board.member(Role.ADMIN, "chair"))
    page = chair.get(f"/review/cases/{code[:4]}").get_data(as_text=True)
    listed = [field for field in sealing.TEXT_FIELDS if field.board_section]
    assert {field.board_section for field in listed} == {sealing.FILED, sealing.DECISION}
    missing = [
        field.name
        for field in listed
        if not re.search(
            rf"<dt>{re.escape(str(field.board_label))}</dt><dd[^>]*>{marker(field)}</dd>", page
        )
    ]
    assert missing == []


def test_withdrawal_with_deletion_leaves_nothing_of_any_registered_text_field(
    app: Flask, client: FlaskClient
) -> None:
    code, stored = plant_every_field(app, client)
    locator = code[:4]

    Participant(client).check(code)
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
