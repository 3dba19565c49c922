"""Alembic's migrations build exactly the tables the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portal import migrate
from portal.db import Base
from portal.migrate import include_object
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

    migrate.upgrade(url, "0019_queue")
    assert "ix_complaint_held_status" in indexes()
    migrate.downgrade(url, "0018")
    assert "ix_complaint_held_status" not in indexes()
    assert "ix_complaint_held_queue" in indexes()
    migrate.upgrade(url, "0019_queue")
    assert "ix_complaint_held_status" in indexes()


def _triggers(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
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
