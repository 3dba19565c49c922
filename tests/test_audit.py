"""The audit log: every board action recorded, chained, checkable, browsable, exportable."""

from __future__ import annotations

import csv
import io
import json
from http import HTTPStatus

import pytest
from flask import Flask
from sqlalchemy import select, text

from portal import audit, db
from portal.accounts import Role
from portal.models import AuditEvent
from tests.board import Board, csrf


def events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).order_by(AuditEvent.seq)))


@pytest.fixture
def admin_client(app: Flask, board: Board):  # noqa: ANN201
    client = app.test_client()
    board.sign_in(client, board.member(Role.ADMIN, "chair"))
    return client


def test_a_fresh_chain_verifies(app: Flask, admin_client) -> None:  # noqa: ANN001
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0
    count = len(events(app))
    assert count >= 5
    assert f"Audit log intact: {count} events." in result.output


def test_each_event_links_to_the_one_before(app: Flask, admin_client) -> None:  # noqa: ANN001
    chain = events(app)
    assert chain[0].prev_hash == audit.GENESIS
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE audit_event SET action = 'signout' WHERE seq = 3", "was changed"),
        ("UPDATE audit_event SET account_id = 7 WHERE seq = 3", "was changed"),
        ("DELETE FROM audit_event WHERE seq = 3", "missing"),
    ],
)
def test_an_edited_row_is_reported_at_the_first_broken_link(
    app: Flask,
    admin_client,
    statement: str,
    reason: str,  # noqa: ANN001
) -> None:
    with app.app_context():
        db.session().execute(text(statement))
        db.session().commit()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "BROKEN at event 3" in result.output
    assert reason in result.output


def test_rewriting_a_row_and_its_hash_still_breaks_the_next_link(app: Flask, admin_client) -> None:  # noqa: ANN001
    with app.app_context():
        session = db.session()
        event = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        event.action = "account.disable"
        event.hash = audit._digest(event)  # noqa: SLF001  (a forger who knows the scheme)
        session.commit()
        report = audit.verify(session)
    assert report.first_broken_seq == 3


def test_dropping_the_newest_events_is_noticed(app: Flask, admin_client) -> None:  # noqa: ANN001
    newest = events(app)[-1].seq
    with app.app_context():
        db.session().execute(text(f"DELETE FROM audit_event WHERE seq = {int(newest)}"))  # noqa: S608
        db.session().commit()
        report = audit.verify(db.session())
    assert report.first_broken_seq == newest


def test_failed_sign_ins_are_recorded_without_what_was_typed(app: Flask, board: Board) -> None:
    member = board.member(Role.ADVOCATE, "peer")
    client = app.test_client()
    client.post(
        "/review/sign-in",
        data={
            "csrf_token": csrf(client, "/review/sign-in"),
            "username": "peer",
            "password": "my-secret-guess-123",
        },
        environ_base={"REMOTE_ADDR": "203.0.113.44"},
    )
    failure = events(app)[-1]
    assert failure.action == "signin.fail"
    assert failure.account_id is not None
    everything = " ".join(repr(vars(e)) for e in events(app))
    assert "my-secret-guess-123" not in everything
    assert "203.0.113.44" not in everything
    del member


def test_sign_in_and_sign_out_are_recorded(app: Flask, board: Board, client) -> None:  # noqa: ANN001
    board.sign_in(client, board.member(Role.ADVOCATE, "peer"))
    client.post("/review/sign-out", data={"csrf_token": csrf(client, "/review/")})
    assert [e.action for e in events(app)][-2:] == ["signin", "signout"]


def test_admins_browse_and_filter_the_log(admin_client) -> None:  # noqa: ANN001
    page = admin_client.get("/review/admin/audit").get_data(as_text=True)
    assert "account.enroll" in page
    assert "totp.enroll" in page
    filtered = admin_client.get("/review/admin/audit?action=signin").get_data(as_text=True)
    assert "<td>signin</td>" in filtered
    assert "<td>account.enroll</td>" not in filtered


def test_the_csv_export_is_complete_and_itself_recorded(app: Flask, admin_client) -> None:  # noqa: ANN001
    before = len(events(app))
    response = admin_client.get("/review/admin/audit.csv")
    assert response.status_code == HTTPStatus.OK
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == before + 1  # the export's own event is in it
    assert rows[-1]["action"] == "audit.export"
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert json.loads(rows[1]["detail"])["role"] == "admin"


def test_a_spreadsheet_will_not_run_a_value_as_a_formula() -> None:
    assert audit._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"  # noqa: SLF001
    assert audit._cell("+1") == "'+1"  # noqa: SLF001
    assert audit._cell("signin") == "signin"  # noqa: SLF001
