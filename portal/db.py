"""The database: engine, sessions, and SQLite settings that make writes durable.

One engine per app (kept in `app.extensions`), one session per request (kept on `g`, closed
at teardown). Domain modules take a `Session` argument and never reach for globals.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import Flask, current_app, g
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

EXTENSION_KEY = "portal.db"
AUDIT_KEY = "portal.audit_key"

# Execution option asking SQLite for BEGIN IMMEDIATE: the write lock is taken at the start of
# the transaction, so two writers never both read and then fail at commit.
IMMEDIATE = {"portal_immediate": True}


class Base(DeclarativeBase):
    # Named constraints, so later migrations can drop or change them on SQLite too.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Never put statement parameters (a narrative, a message) into logs or error text.
PRIVATE = {"hide_parameters": True}
# Seconds to wait for PostgreSQL to answer a new connection: during an outage a person should
# get the "could not save, your words are below" page soon, not a worker timeout.
PG_CONNECT_TIMEOUT = 5


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15}, **PRIVATE)
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql"):
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": PG_CONNECT_TIMEOUT},
            **PRIVATE,
        )
    return create_engine(url, pool_pre_ping=True, **PRIVATE)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's own guesswork.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted text is overwritten, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get("portal_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class Database:
    """What the app holds: an engine and a session factory bound to it."""

    def __init__(self, url: str, audit_key: bytes = b"") -> None:
        self.url = url
        self.engine = make_engine(url)
        # The audit chain's key rides on each session (portal.security.audit reads it there), so
        # domain functions record events without reaching for the app's configuration.
        self.sessions = sessionmaker(
            self.engine, expire_on_commit=False, info={AUDIT_KEY: audit_key}
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def init_app(app: Flask, url: str, audit_key: bytes = b"") -> Database:
    database = Database(url, audit_key)
    app.extensions[EXTENSION_KEY] = database
    app.teardown_appcontext(_close_session)
    return database


def database() -> Database:
    return current_app.extensions[EXTENSION_KEY]


def session() -> Session:
    """The request's session, made on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


@contextlib.contextmanager
def write_transaction(db_session: Session) -> Iterator[Session]:
    """Run a block as one transaction that commits whole or not at all.

    On SQLite the transaction starts with BEGIN IMMEDIATE. The session must not already be in
    a transaction, so the caller's earlier reads cannot go stale under the write.
    """
    if db_session.in_transaction():
        db_session.commit()
    db_session.connection(execution_options=IMMEDIATE)
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise
