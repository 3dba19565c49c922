"""Alembic's migrations build exactly the tables the models describe."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from portal import migrate
from portal.db import Base
from portal.figures import figuretally
from portal.migrate import include_object
from portal.models import Attachment
from portal.security import crypto, filestore
from portal.security.attachments import PNG
from tests.builders import insert_row


def test_migrations_match_the_models(database_url: str) -> None:
    # database_url is migrated by Alembic (tests/conftest.py), never by create_all.
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_the_queue_index_exists_in_urgent_first_order(database_url: str) -> None:
    engine = create_engine(database_url)
    indexes = {index["name"] for index in inspect(engine).get_indexes("complaint")}
    engine.dispose()
    assert "ix_complaint_queue" in indexes


def test_the_held_count_index_comes_and_goes_with_its_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'held.sqlite3'}"

    def indexes() -> set[str]:
        engine = create_engine(url)
        found = {index["name"] for index in inspect(engine).get_indexes("complaint")}
        engine.dispose()
        return found

    migrate.upgrade(url, "0025")
    assert "ix_complaint_held_status" in indexes()
    migrate.downgrade(url, "0024")
    assert "ix_complaint_held_status" not in indexes()
    assert "ix_complaint_held_queue" in indexes()
    migrate.upgrade(url, "0025")
    assert "ix_complaint_held_status" in indexes()


def _triggers(engine) -> int:
    """The status-count triggers of 0005 (a table rebuild on SQLite would lose them)."""
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'status_count%'"
            )
        ).scalar_one()


def test_upgrading_holds_and_approves_only_whom_it_should(tmp_path: Path) -> None:
    """On SQLite: the data the upgrades to 0011 and 0012 change, and the triggers kept."""
    url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    triggers = _triggers(engine)
    assert triggers > 0
    insert_row(engine, "complaint", id=1, locator="AAAA", keep_away="sealed", status="received")
    insert_row(engine, "complaint", id=2, locator="BBBB", keep_away="sealed", status="in_review")
    insert_row(engine, "complaint", id=3, locator="CCCC", keep_away="sealed", status="closed")
    insert_row(engine, "complaint", id=4, locator="DDDD", status="received")
    insert_row(engine, "account", id=1, username="chair", role="admin", disabled=False)
    insert_row(engine, "account", id=2, username="gone", role="reviewer", disabled=True)
    insert_row(engine, "account", id=3, username="waiting", role="reviewer", disabled=False)
    insert_row(engine, "account", id=4, username="gone-with-key", role="reviewer", disabled=True)
    insert_row(engine, "recusal", complaint_id=2, account_id=3, reason="complainant")
    insert_row(engine, "board_key", version=1)
    insert_row(engine, "member_key", account_id=1, version=1)
    insert_row(engine, "member_key", account_id=4, version=1)
    engine.dispose()

    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        held = dict(connection.execute(text("SELECT locator, held_for_chair FROM complaint")).all())
        approved = dict(
            connection.execute(text("SELECT username, key_approved FROM account")).all()
        )
    # Only the open request the chair has not acted on waits for the chair.
    assert held == {"AAAA": 1, "BBBB": 0, "CCCC": 0, "DDDD": 0}
    # Only active members who already held the key stay let in.
    assert approved == {"chair": 1, "gone": 0, "waiting": 0, "gone-with-key": 0}
    assert _triggers(engine) == triggers
    engine.dispose()

    migrate.downgrade(url, "0010")
    engine = create_engine(url)
    assert _triggers(engine) == triggers
    engine.dispose()


def test_upgrading_takes_the_earlier_key_away_from_links(tmp_path: Path) -> None:
    """A link used to hold the earlier complaint's key for the new code: it goes, and a link
    confirmed without a second member's approval no longer counts (portal.casework.linkrule)."""
    url = f"sqlite:///{tmp_path / 'links.sqlite3'}"
    migrate.upgrade(url, "0014")
    engine = create_engine(url)
    triggers = _triggers(engine)
    insert_row(engine, "complaint", id=1, locator="AAAA", status="received")
    insert_row(engine, "complaint", id=2, locator="BBBB", status="received")
    insert_row(engine, "account", id=1, username="rev", role="reviewer", disabled=False)
    insert_row(
        engine,
        "case_link",
        new_id=2,
        earlier_id=1,
        state="confirmed",
        proposed_by=1,
        earlier_dk_sealed=b"the earlier complaint's key",
    )
    engine.dispose()

    migrate.upgrade(url)
    engine = create_engine(url)
    columns = {column["name"] for column in inspect(engine).get_columns("case_link")}
    assert "earlier_dk_sealed" not in columns
    with engine.connect() as connection:
        link = connection.execute(text("SELECT state, approved_by FROM case_link")).one()
    assert tuple(link) == ("confirmed", None)
    assert _triggers(engine) == triggers
    engine.dispose()

    migrate.downgrade(url, "0014")
    engine = create_engine(url)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT earlier_dk_sealed FROM case_link")).scalar_one()
    assert kept is None
    assert _triggers(engine) == triggers
    engine.dispose()


def test_upgrading_encrypts_a_plaintext_totp_secret_and_keeps_member_keys(tmp_path: Path) -> None:
    """A secret stored in the clear before 0016 is encrypted under the pepper's key, the
    members' keys and recovery codes survive on SQLite, and a downgrade gives it back."""
    from portal.board import totp

    url = f"sqlite:///{tmp_path / 'totp.sqlite3'}"
    pepper = b"migration-test-pepper-" + b"z" * 20
    migrate.upgrade(url, "0015")
    engine = create_engine(url)
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    insert_row(engine, "account", id=7, username="chair", role="admin", totp_secret=secret)
    insert_row(engine, "account", id=8, username="new", role="reviewer")
    insert_row(engine, "board_key", version=1)
    insert_row(engine, "member_key", account_id=7, version=1)
    insert_row(engine, "recovery_code", account_id=7)
    engine.dispose()

    migrate.upgrade(url, claim_pepper=pepper)
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT id, totp_secret FROM account")).all())
        kept = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("member_key", "recovery_code")
        ]
    engine.dispose()
    assert secret not in stored[7]
    assert totp.open_secret(totp.storage_key(pepper), 7, stored[7]) == secret
    assert stored[8] is None
    assert kept == [1, 1]

    migrate.downgrade(url, "0015", claim_pepper=pepper)
    engine = create_engine(url)
    with engine.connect() as connection:
        back = connection.execute(text("SELECT totp_secret FROM account WHERE id = 7")).scalar()
    engine.dispose()
    assert back == secret


# --- 0019: files move from the instance folder into the database -----------------------------


def _file_the_old_way(engine, folder: Path, key: bytes, file_id: int, data: bytes) -> str:
    """An attachment as version 0018 stored it: one ciphertext in <instance>/uploads/."""
    name = secrets.token_hex(16)
    (folder / "uploads").mkdir(mode=0o700, exist_ok=True)
    (folder / "uploads" / name).write_bytes(crypto.encrypt(key, data, f"attachment:{name}"))
    insert_row(
        engine,
        "attachment",
        id=file_id,
        complaint_id=1,
        stored_name=name,
        media_type="image/jpeg",
        size=len(data),
    )
    return name


def _at_0018_with_files(tmp_path: Path, key: bytes, files: dict[int, bytes]):
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'portal.sqlite3'}"
    migrate.upgrade(url, "0018")
    engine = create_engine(url)
    insert_row(engine, "complaint", id=1, locator="AAAA", status="received")
    names = {
        file_id: _file_the_old_way(engine, instance, key, file_id, data)
        for file_id, data in files.items()
    }
    engine.dispose()
    return instance, url, names


def test_upgrading_moves_attached_files_into_the_database_and_downgrading_puts_them_back(
    tmp_path: Path,
) -> None:
    key = crypto.new_key()
    # A small photo, and one of several pieces (the disk copy is one ciphertext of it all).
    files = {7: b"a small photo", 8: secrets.token_bytes(2 * filestore.CHUNK + 1000)}
    instance, url, names = _at_0018_with_files(tmp_path, key, files)
    uploads = instance / "uploads"
    before = {name: (uploads / name).read_bytes() for name in names.values()}
    # A file no record names (a filing that failed) is left for a person to judge.
    orphan = "0" * 32
    (uploads / orphan).write_bytes(b"left by a failed filing")

    migrate.upgrade(url, instance_path=instance)

    assert sorted(path.name for path in uploads.iterdir()) == [orphan]
    engine = create_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        for file_id, data in files.items():
            assert filestore.load(sessions, session.get(Attachment, file_id), key) == data
    engine.dispose()

    migrate.downgrade(url, "0018", instance_path=instance)
    for name, sealed in before.items():
        assert (uploads / name).read_bytes() == sealed
        assert (uploads / name).stat().st_mode & 0o077 == 0
    assert crypto.decrypt(key, before[names[8]], f"attachment:{names[8]}") == files[8]


def test_upgrading_stops_without_loss_when_a_file_is_cut_short(tmp_path: Path) -> None:
    key = crypto.new_key()
    instance, url, names = _at_0018_with_files(tmp_path, key, {7: b"photo one", 8: b"photo two"})
    cut = instance / "uploads" / names[8]
    cut.write_bytes(cut.read_bytes()[:-1])

    with pytest.raises(RuntimeError, match="Not upgraded"):
        migrate.upgrade(url, instance_path=instance)

    assert (instance / "uploads" / names[7]).exists()  # nothing erased
    engine = create_engine(url)
    assert not inspect(engine).has_table("attachment_blob")  # nothing half done
    engine.dispose()


def test_a_file_already_lost_keeps_its_record_and_the_others_move(tmp_path: Path) -> None:
    key = crypto.new_key()
    instance, url, names = _at_0018_with_files(tmp_path, key, {7: b"photo one", 8: b"photo two"})
    (instance / "uploads" / names[8]).unlink()

    migrate.upgrade(url, instance_path=instance)

    assert not (instance / "uploads").exists()
    engine = create_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        assert filestore.load(sessions, session.get(Attachment, 7), key) == b"photo one"
        assert not filestore.has_bytes(session, 8)
    engine.dispose()
    migrate.downgrade(url, "0018", instance_path=instance)
    assert [path.name for path in (instance / "uploads").iterdir()] == [names[7]]


def test_downgrading_refuses_files_the_earlier_version_could_not_read(tmp_path: Path) -> None:
    instance, url, _names = _at_0018_with_files(tmp_path, crypto.new_key(), {})
    migrate.upgrade(url, instance_path=instance)
    engine = create_engine(url)
    insert_row(engine, "complaint", id=2, locator="BBBB", status="received")
    with sessionmaker(engine)() as session, session.begin():
        session.add(Attachment(id=9, complaint_id=2, stored_name="n", media_type=PNG, size=3))
        session.flush()
        filestore.store(session, 9, "n", crypto.new_key(), b"new")
    engine.dispose()

    with pytest.raises(RuntimeError, match="sealed piece by piece"):
        migrate.downgrade(url, "0018", instance_path=instance)


def test_upgrading_keeps_only_the_day_the_board_read_a_message(database_url: str) -> None:
    """0019: the time a member read a person's message is cut to its day (the person is shown
    the day, and a time of day would tell which member reads when); the board's messages to
    the person keep their hour. Downgrading and upgrading again works, on SQLite and
    PostgreSQL alike."""
    migrate.downgrade(database_url, "0018")
    try:
        engine = create_engine(database_url)
        insert_row(engine, "complaint", id=1, locator="AAAA", status="received")
        read, sent = dt.datetime(2026, 11, 30, 14, 37, 12), dt.datetime(2026, 11, 30, 9)
        for number, direction, read_at in [
            (1, "from_complainant", read),
            (2, "from_complainant", None),
            (3, "to_complainant", sent),
        ]:
            insert_row(
                engine,
                "message",
                id=number,
                complaint_id=1,
                seq=number,
                direction=direction,
                body="sealed",
                created_at=sent,
                read_at=read_at,
            )
        engine.dispose()

        migrate.upgrade(database_url, "0020")
        engine = create_engine(database_url)
        messages = Table("message", MetaData(), autoload_with=engine)
        with engine.connect() as connection:
            kept = dict(connection.execute(select(messages.c.id, messages.c.read_at)).all())
        engine.dispose()
        assert kept == {1: dt.datetime(2026, 11, 30), 2: None, 3: sent}

        migrate.downgrade(database_url, "0018")
    finally:
        migrate.upgrade(database_url)


def test_news_addresses_come_and_go_with_their_table(tmp_path: Path) -> None:
    """0021 adds only the news_contact table: a complaint's address goes with the
    complaint, the triggers stay, and a downgrade takes the table away."""
    url = f"sqlite:///{tmp_path / 'news.sqlite3'}"
    migrate.upgrade(url, "0018")
    engine = create_engine(url)
    triggers = _triggers(engine)
    insert_row(engine, "complaint", id=1, locator="AAAA", status="received")
    engine.dispose()

    migrate.upgrade(url)
    engine = create_engine(url)
    insert_row(engine, "news_contact", complaint_id=1, address="v1:sealed", language="es")
    with engine.begin() as connection:
        flags = connection.execute(text("SELECT waiting, failed FROM news_contact")).one()
        connection.execute(text("PRAGMA foreign_keys = ON"))
        connection.execute(text("DELETE FROM complaint"))
    with engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM news_contact")).scalar_one()
    assert tuple(flags) == (0, 0)
    assert left == 0
    assert _triggers(engine) == triggers
    engine.dispose()

    migrate.downgrade(url, "0018")
    engine = create_engine(url)
    assert "news_contact" not in inspect(engine).get_table_names()
    assert _triggers(engine) == triggers
    engine.dispose()


def test_asking_again_upgrades_and_downgrades_keeping_the_status_counts(tmp_path: Path) -> None:
    """0023 adds its columns in place (the status-count triggers stay), and a
    downgrade puts a case waiting for its new decision back to decided, counted there."""
    url = f"sqlite:///{tmp_path / 'reconsider.sqlite3'}"
    migrate.upgrade(url, "0018")
    engine = create_engine(url)
    triggers = _triggers(engine)
    insert_row(engine, "complaint", id=1, locator="AAAA", status="resolved")
    insert_row(engine, "complaint", id=2, locator="BBBB", status="in_review")
    engine.dispose()

    migrate.upgrade(url, "0023")
    engine = create_engine(url)
    assert _triggers(engine) == triggers
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE complaint SET status = 'reconsideration', reconsider_reason = 'sealed', "
                "reconsider_asked_on = '2026-07-01', mediation_asked_on = '2026-07-02' "
                "WHERE id = 1"
            )
        )
    counts = _status_counts(engine)
    assert counts["reconsideration"] == 1
    assert counts["resolved"] == 0
    indexes = {index["name"] for index in inspect(engine).get_indexes("complaint")}
    assert "ix_complaint_reconsider_asked_on" in indexes
    engine.dispose()

    migrate.downgrade(url, "0018")
    engine = create_engine(url)
    assert _triggers(engine) == triggers
    columns = {column["name"] for column in inspect(engine).get_columns("complaint")}
    assert not {c for c in columns if c.startswith(("reconsider_", "mediation_"))}
    with engine.connect() as connection:
        status = connection.execute(text("SELECT status FROM complaint WHERE id = 1")).scalar()
    assert status == "resolved"
    counts = _status_counts(engine)
    assert (counts["resolved"], counts.get("reconsideration", 0)) == (1, 0)
    engine.dispose()

    migrate.upgrade(url)  # and up again
    engine = create_engine(url)
    assert _triggers(engine) == triggers
    engine.dispose()


def test_the_handoff_table_comes_and_goes_and_a_deleted_referral_takes_its_handoff(
    tmp_path: Path,
) -> None:
    """0022 adds the hand-off table (portal.casework.handoff); downgrading drops it
    and keeps the referrals and the status-count triggers."""
    url = f"sqlite:///{tmp_path / 'handoff.sqlite3'}"
    migrate.upgrade(url, "0018")
    engine = create_engine(url)
    triggers = _triggers(engine)
    assert "handoff" not in inspect(engine).get_table_names()
    engine.dispose()

    migrate.upgrade(url, "0022")
    engine = create_engine(url)
    assert "handoff" in inspect(engine).get_table_names()
    insert_row(engine, "complaint", id=1, locator="AAAA", status="referred")
    insert_row(
        engine, "referral", id=1, complaint_id=1, body="oversight", explanation="", state="agreed"
    )
    insert_row(engine, "handoff", referral_id=1, complaint_id=1, content="v1:sealed", version=1)
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys = ON"))
        connection.execute(text("DELETE FROM referral"))
        assert connection.execute(text("SELECT count(*) FROM handoff")).scalar_one() == 0
    assert _triggers(engine) == triggers
    engine.dispose()

    migrate.downgrade(url, "0018")
    engine = create_engine(url)
    assert "handoff" not in inspect(engine).get_table_names()
    assert _triggers(engine) == triggers
    engine.dispose()


def _status_counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT status, sum(n) FROM status_count GROUP BY status"))
        return {status: int(n) for status, n in rows}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_0024_counts_the_cases_already_there_and_goes_away_on_downgrade(
    database_url: str, tmp_path: Path
) -> None:
    """The quarters' sums start from the cases there at the upgrade (on PostgreSQL too, in
    the shared schema, which ends migrated again), and a downgrade takes tables and triggers
    away, leaving cases to change freely."""
    url = (
        database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'f.db'}"
    )
    migrate.upgrade(url)
    migrate.downgrade(url, "0018")
    engine = create_engine(url)
    assert "figure_tally" not in _tables(engine)
    day = dt.date(2026, 2, 3)
    for id_, status in ((1, "in_review"), (2, "resolved"), (3, "withdrawn")):
        insert_row(
            engine,
            "complaint",
            id=id_,
            locator=f"A{id_:03}",
            status=status,
            kind="police",
            created_on=day,
            first_response_on=day,
            resolved_on=None if id_ == 1 else day,
        )
    insert_row(engine, "demographics", complaint_id=1, race="black", gender="woman")
    insert_row(engine, "referral", complaint_id=2, body="oversight", state="sent", seq=1)
    engine.dispose()

    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        kept = figuretally.read(session).without_zeros()
        assert kept == figuretally.scan(session)
        assert kept.complaints() == 3
        assert sum(kept.referrals.values()) == 1
    engine.dispose()

    migrate.downgrade(url, "0018")
    engine = create_engine(url)
    assert not {"figure_tally", "figure_tally_days", "figure_tally_referral"} & _tables(engine)
    with engine.begin() as connection:  # no trigger left to fail on the missing tables
        connection.execute(text("UPDATE complaint SET status = 'closed'"))
        connection.execute(text("DELETE FROM complaint"))
    engine.dispose()
    migrate.upgrade(url)
