"""The audit log: every board action recorded, chained, checkable, browsable, exportable."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import hmac
import io
import json
import re
from http import HTTPStatus

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text

from portal import create_app, db
from portal.board.accounts import Role
from portal.config import Config, ConfigError
from portal.figures.periods import LAST_12_MONTHS
from portal.models import AuditEvent, AuditHead, BoardKey
from portal.security import audit, auditlog
from tests.board import Board, csrf


def events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def url_for_path(app: Flask, endpoint: str, **values: str) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.fixture
def admin_client(app: Flask, board: Board):
    client = app.test_client()
    board.sign_in(client, board.member(Role.ADMIN, "chair"))
    return client


def test_a_fresh_chain_verifies(app: Flask, admin_client) -> None:
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0
    count = len(events(app))
    assert count >= 5
    assert f"Audit log intact: {count} events." in result.output


def test_each_event_links_to_the_one_before(app: Flask, admin_client) -> None:
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
    reason: str,
) -> None:
    with app.app_context():
        db.session().execute(text(statement))
        db.session().commit()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "BROKEN at event 3" in result.output
    assert reason in result.output


def _fields(event: AuditEvent) -> bytes:
    """What the chain's links cover, as the code writes it (no secret in it)."""
    return json.dumps(
        {
            "seq": event.seq,
            "at": event.at.isoformat(),
            "account_id": event.account_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "detail": event.detail,
            "prev_hash": event.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


# Links a forger holding only the database can compute.
FORGERS = {
    "plain SHA-256, the old chain": lambda _session, data: hashlib.sha256(data).hexdigest(),
    "HMAC under an empty key": lambda _session, data: hmac.new(b"", data, "sha256").hexdigest(),
    "HMAC under the board's public key": lambda session, data: hmac.new(
        session.scalars(select(BoardKey.public_key)).first(), data, "sha256"
    ).hexdigest(),
    "HMAC under the old head": lambda session, data: hmac.new(
        session.get(AuditHead, audit.HEAD_ID).hash.encode(), data, "sha256"
    ).hexdigest(),
}


def rewrite_chain(app: Flask, forge, drop: set[int]) -> None:
    """What an attacker with the database does: delete events, renumber the rest, rehash
    every link with what they can compute, and point the head at the new end."""
    with app.app_context():
        session = db.session()
        kept = [e for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        for event in kept:
            if event.seq in drop:
                session.delete(event)
        session.flush()
        kept = [e for e in kept if e.seq not in drop]
        for event in kept:
            event.seq = -event.seq
        session.flush()
        prev = audit.GENESIS
        for number, event in enumerate(kept, start=1):
            event.seq, event.prev_hash = number, prev
            event.hash = forge(session, _fields(event))
            prev = event.hash
        head = session.get(AuditHead, audit.HEAD_ID)
        head.seq, head.hash = len(kept), prev
        session.commit()


@pytest.mark.parametrize("forge", FORGERS.values(), ids=FORGERS.keys())
@pytest.mark.parametrize("drop", [set(), {2, 3}], ids=["rehashed", "deleted and rehashed"])
def test_a_chain_rewritten_with_the_database_alone_fails_the_check(
    app: Flask,
    admin_client,
    forge,
    drop: set[int],
) -> None:
    rewrite_chain(app, forge, drop)
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "BROKEN at event 1: was changed after it was written" in result.output


def shown_head(client: FlaskClient, path: str) -> str:
    found = re.search(r'<code class="anchor" id="audit-head">([^<]+)</code>', client.get(path).text)
    assert found, f"no audit head on {path}"
    return found.group(1)


def test_the_admin_home_page_and_the_packet_show_the_current_head(
    app: Flask,
    admin_client,
) -> None:
    on_home = shown_head(admin_client, url_for_path(app, "review.home"))
    with app.app_context():
        assert on_home == auditlog.head(db.session()).text
    packet = url_for_path(app, "review.packet_page", period=LAST_12_MONTHS)
    on_packet = shown_head(admin_client, packet)
    with app.app_context():
        # Opening the packet is itself recorded; the packet shows the head after it.
        assert on_packet == auditlog.head(db.session()).text
        assert events(app)[-1].action == "report.packet"
    assert int(on_packet.split("-")[0]) > int(on_home.split("-")[0])


def test_a_reviewer_home_page_shows_no_head(app: Flask, board: Board) -> None:
    client = app.test_client()
    board.sign_in(client, board.member(Role.REVIEWER, "rev"))
    assert 'id="audit-head"' not in client.get(url_for_path(app, "review.home")).text


@pytest.mark.parametrize("forge", [None, *FORGERS.values()], ids=["kept", *FORGERS.keys()])
def test_cutting_off_events_after_a_head_written_down_is_caught(
    app: Flask,
    admin_client,
    board: Board,
    forge,
) -> None:
    """The head an admin saw earlier: cutting the log back to before it, with or without
    rehashing what is left, fails `audit-verify --head`."""
    written_down = shown_head(admin_client, url_for_path(app, "review.home"))
    board.sign_in(app.test_client(), board.member(Role.REVIEWER, "later"))
    before = int(written_down.split("-")[0])
    with app.app_context():
        session = db.session()
        session.execute(delete(AuditEvent).where(AuditEvent.seq >= before))
        newest = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        head = session.get(AuditHead, audit.HEAD_ID)
        head.seq, head.hash = newest.seq, newest.hash
        # The head row as it was back then (its seal too): a copy of an older database.
        head.seal = audit._seal(audit.key_of(session), head)
        session.commit()
    if forge is None:
        # Without the head written down, putting back an older head row after the cut is
        # not seen: that is why the head is shown outside the database.
        assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0
    else:
        rewrite_chain(app, forge, set())
    result = app.test_cli_runner().invoke(args=["audit-verify", "--head", written_down])
    assert result.exit_code == 1
    assert "BROKEN" in result.output


def test_cutting_off_the_newest_events_without_an_old_head_row_is_caught(
    app: Flask,
    board: Board,
) -> None:
    """The head row is sealed under the key: pointing it back at an earlier event after
    cutting the newest ones fails `audit-verify` even with no head written down."""
    board.sign_in(app.test_client(), board.member(Role.REVIEWER, "later"))
    with app.app_context():
        session = db.session()
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        session.execute(delete(AuditEvent).where(AuditEvent.seq == last.seq))
        head = session.get(AuditHead, audit.HEAD_ID)
        head.seq, head.hash = last.seq - 1, last.prev_hash
        session.commit()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert "the head row was changed outside the portal" in result.output


def test_the_head_written_down_verifies_while_the_log_grows(
    app: Flask,
    admin_client,
    board: Board,
) -> None:
    written_down = shown_head(admin_client, url_for_path(app, "review.home"))
    board.sign_in(app.test_client(), board.member(Role.REVIEWER, "later"))
    typed = " " + written_down.upper() + " "  # copied by hand: case and spaces do not matter
    result = app.test_cli_runner().invoke(args=["audit-verify", "--head", typed])
    assert result.exit_code == 0, result.output
    assert f"It still holds event {written_down}." in result.output


@pytest.mark.parametrize("typed", ["12", "12-xyz", "abc-0123456789abcdef0123"])
def test_a_mistyped_head_is_explained(app: Flask, admin_client, typed: str) -> None:
    result = app.test_cli_runner().invoke(args=["audit-verify", "--head", typed])
    assert result.exit_code == 2
    assert "an anchor looks like 1234-3f9a0c" in result.output


def test_dropping_the_newest_events_is_noticed(app: Flask, admin_client) -> None:
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


def test_sign_in_and_sign_out_are_recorded(app: Flask, board: Board, client) -> None:
    board.sign_in(client, board.member(Role.ADVOCATE, "peer"))
    client.post("/review/sign-out", data={"csrf_token": csrf(client, "/review/")})
    assert [e.action for e in events(app)][-2:] == ["signin", "signout"]


def test_admins_browse_and_filter_the_log(admin_client) -> None:
    page = admin_client.get("/review/admin/audit").get_data(as_text=True)
    assert "account.enroll" in page
    assert "totp.enroll" in page
    filtered = admin_client.get("/review/admin/audit?action=signin").get_data(as_text=True)
    assert "<td>signin</td>" in filtered
    assert "<td>account.enroll</td>" not in filtered


def test_the_csv_export_is_complete_and_itself_recorded(app: Flask, admin_client) -> None:
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
    assert auditlog._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert auditlog._cell("+1") == "'+1"
    assert auditlog._cell("signin") == "signin"


def test_the_chain_verifies_only_under_the_key_it_was_written_with(
    app: Flask,
    admin_client,
    config: Config,
    site,
    clock,
) -> None:
    """The key is configuration, not data: the same database under another secret key (or
    another PORTAL_AUDIT_KEY) fails the check, and a dedicated PORTAL_AUDIT_KEY is used."""
    assert app.test_cli_runner().invoke(args=["audit-verify"]).exit_code == 0
    for other in (
        dataclasses.replace(config, audit_key=b"another key " * 3),
        Config.from_env(
            {"PORTAL_ENV": "test", "PORTAL_AUDIT_KEY": "a dedicated audit key " * 2},
            instance_path=config.instance_path,
            secret_key=config.secret_key,
            claim_pepper=config.claim_pepper,
            database_url=config.database_url,
        ),
    ):
        assert other.audit_key != config.audit_key
        elsewhere = create_app(other, site=site, now=clock)
        result = elsewhere.test_cli_runner().invoke(args=["audit-verify"])
        elsewhere.extensions["portal.db"].engine.dispose()
        assert result.exit_code == 1
        assert "BROKEN at event 1" in result.output


def test_production_refuses_a_short_audit_key(tmp_path) -> None:
    environ = {
        "PORTAL_ENV": "production",
        "PORTAL_INSTANCE_PATH": str(tmp_path),
        "PORTAL_SECRET_KEY": "s" * 40,
        "PORTAL_CLAIM_PEPPER": "p" * 40,
        "PORTAL_AUDIT_KEY": "short",
        "PORTAL_BASE_URL": "https://portal.example.org",
    }
    with pytest.raises(ConfigError, match="PORTAL_AUDIT_KEY"):
        Config.from_env(environ)
