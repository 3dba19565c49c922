"""audit chain keyed with HMAC; participant events and rows that do not tell their time

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

- `audit_pending` holds participants' events until their hour is over (portal.security.audit);
  `audit_head` counts them (`pending`, the XOR of their HMACs in `pending_sum`) under a
  keyed `seal`, so one deleted shows.
- Each case's timeline gets an order key, `seq`, on messages, status changes, notes and
  referrals, counted on `complaint.timeline_seq`. Existing rows are numbered by their stored
  time, then their kind, then their id (ids were counters, so within one table that is the
  order they were written).
- Existing complaints, messages, status changes, attachments and survey answers get random
  ids, as new ones do (references to a complaint follow it; open case pages close, since
  `case_access` holds sealed complaint ids; old audit details naming an attachment's id no
  longer match a file).
- `figure_release.stories` (JSON lists of complaint ids, no foreign key) follow their
  complaints' new ids, so published stories stay published and never point at another case.
- The audit chain is re-keyed: the plain SHA-256 chain is first checked, then every link is
  recomputed as an HMAC under the audit key, the participants' events are moved to the end in
  shuffled order (their old places told their time), and a last event says what was done,
  with the old head and whether the old chain was intact. Re-keying, rather than checking two
  eras, leaves one rule for `audit-verify`; the old chain's state is kept in that last event,
  so a chain that was already broken is not laundered.
"""

import datetime as dt
import hashlib
import hmac
import json
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
TIMELINE = (
    # table, time column, tie rank
    ("status_change", "at", 0),
    ("message", "created_at", 1),
    ("note", "created_at", 2),
    ("referral", "proposed_on", 3),
)
RANDOM_IDS = ("message", "status_change", "attachment", "survey_answer")
ID_LIMIT = 2**31 - 1
FIELDS = ("seq", "at", "account_id", "action", "object_type", "object_id", "detail", "prev_hash")


def _is_participant(action: str) -> bool:
    return action.startswith("complainant.") or action == "assist.file"


def _audit_key() -> bytes:
    given = op.get_context().config.attributes.get("audit_key")
    if given:
        return given
    from portal.config import Config  # only when there is a chain to re-key

    return Config.from_env().audit_key


def _canonical(row: dict) -> bytes:
    fields = {name: row[name] for name in FIELDS}
    fields["at"] = row["at"].isoformat()
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def _plain(row: dict) -> str:
    return hashlib.sha256(_canonical(row)).hexdigest()


def _keyed(key: bytes):
    return lambda row: hmac.new(key, _canonical(row), hashlib.sha256).hexdigest()


def _seal(key: bytes, seq: int, head: str) -> str:
    """portal.security.audit._seal for a head with nothing waiting."""
    fields = {"head": seq, "hash": head, "pending": 0, "pending_sum": "0" * 64}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def _events(connection) -> list[dict]:
    result = connection.execute(
        sa.text("SELECT * FROM audit_event ORDER BY seq").columns(at=sa.DateTime())
    )
    return [{**row._mapping, "old": -row.id} for row in result]


def _first_break(events: list[dict], digest) -> int | None:
    prev = GENESIS
    for number, event in enumerate(events, start=1):
        if event["seq"] != number or event["prev_hash"] != prev or digest(event) != event["hash"]:
            return number
        prev = event["hash"]
    return None


def _rewrite_chain(connection, events: list[dict], digest) -> None:
    """Renumber `events` 1, 2, 3 in the order given (ids too) and link them with `digest`."""
    # Every row moves to a negative place first, so no new place is ever taken twice.
    connection.execute(sa.text("UPDATE audit_event SET seq = -seq, id = -id WHERE seq > 0"))
    prev = GENESIS
    for number, event in enumerate(events, start=1):
        event.update(seq=number, prev_hash=prev)
        event["hash"] = digest(event)
        connection.execute(
            sa.text(
                "UPDATE audit_event SET id = :seq, seq = :seq, prev_hash = :prev_hash,"
                " hash = :hash WHERE id = :old"
            ),
            {"seq": number, "prev_hash": prev, "hash": event["hash"], "old": event["old"]},
        )
        prev = event["hash"]
    connection.execute(sa.text("DELETE FROM audit_head"))
    if events:
        connection.execute(
            sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :seq, :hash)"),
            {"seq": len(events), "hash": prev},
        )
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('audit_event', 'id'),"
                " (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_event), false)"
            )
        )


INSERT_EVENT = sa.text(
    "INSERT INTO audit_event (id, seq, at, account_id, action, object_type, object_id,"
    " detail, prev_hash, hash) VALUES (:old, :old, :at, :account_id, :action, :object_type,"
    " :object_id, :detail, '', '')"
).bindparams(sa.bindparam("at", type_=sa.DateTime()))
# Rows added here wait below every moved row's negative place until the chain is rewritten.
ADDED = -(2**30)


def _insert(connection, events: list[dict], row: dict) -> None:
    row = {"account_id": None, "object_type": None, "object_id": None, **row}
    row["old"] = ADDED - len(events)
    connection.execute(INSERT_EVENT, row)
    events.append(row)


def _append(connection, events: list[dict], action: str, detail: dict) -> None:
    _insert(
        connection,
        events,
        {
            "at": dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
            "action": action,
            "detail": json.dumps(detail, sort_keys=True, separators=(",", ":")),
        },
    )


def _number_timelines(connection) -> None:
    rows = []
    for table, column, rank in TIMELINE:
        kind = sa.Date() if table == "referral" else sa.DateTime()
        for complaint_id, row_id, at in connection.execute(
            sa.text(f"SELECT complaint_id, id, {column} AS at FROM {table}").columns(  # noqa: S608
                at=kind
            )
        ):
            when = at if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time())
            rows.append((complaint_id, when, rank, row_id, table))
    rows.sort()
    counts: dict[int, int] = {}
    for complaint_id, _at, _rank, row_id, table in rows:
        counts[complaint_id] = counts.get(complaint_id, 0) + 1
        connection.execute(
            sa.text(f"UPDATE {table} SET seq = :seq WHERE id = :id"),  # noqa: S608
            {"seq": counts[complaint_id], "id": row_id},
        )
    for complaint_id, last in counts.items():
        connection.execute(
            sa.text("UPDATE complaint SET timeline_seq = :last WHERE id = :id"),
            {"last": last, "id": complaint_id},
        )


def _random_ids(connection, table: str) -> None:
    old = [row[0] for row in connection.execute(sa.text(f"SELECT id FROM {table}"))]  # noqa: S608
    for row_id, new in _fresh_ids(old).items():
        connection.execute(
            sa.text(f"UPDATE {table} SET id = :new WHERE id = :old"),  # noqa: S608
            {"new": new, "old": row_id},
        )


def _fresh_ids(old: list[int]) -> dict[int, int]:
    """A random new id for each old one, never equal to any old id (so no two merge)."""
    taken = set(old)
    mapping = {}
    for row_id in old:
        new = secrets.randbelow(ID_LIMIT) + 1
        while new in taken:
            new = secrets.randbelow(ID_LIMIT) + 1
        taken.add(new)
        mapping[row_id] = new
    return mapping


def _renumber_stories(connection) -> None:
    """Each release's published stories name complaints by id in JSON, which no foreign key
    follows: rewrite them through `complaint_new_id` (an id with no complaint is dropped)."""
    new_ids = dict(connection.execute(sa.text("SELECT old, new FROM complaint_new_id")).all())
    releases = connection.execute(sa.text("SELECT quarter, number, stories FROM figure_release"))
    for quarter, number, stories in releases.all():
        ids = json.loads(stories or "[]")
        renamed = [new_ids[old] for old in ids if old in new_ids]
        if renamed != ids:
            connection.execute(
                sa.text(
                    "UPDATE figure_release SET stories = :stories"
                    " WHERE quarter = :quarter AND number = :number"
                ),
                {"stories": json.dumps(renamed), "quarter": quarter, "number": number},
            )


def _random_complaint_ids(connection) -> None:
    old = [row[0] for row in connection.execute(sa.text("SELECT id FROM complaint"))]
    if not old:
        return
    inspector = sa.inspect(connection)
    references = [
        (table, key)
        for table in inspector.get_table_names()
        for key in inspector.get_foreign_keys(table)
        if key["referred_table"] == "complaint"
    ]
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        for table, key in references:
            op.drop_constraint(key["name"], table, type_="foreignkey")
    else:
        # Checked at commit instead of at each row (SQLite; reset when the transaction ends).
        connection.execute(sa.text("PRAGMA defer_foreign_keys = ON"))
    connection.execute(
        sa.text("CREATE TEMPORARY TABLE complaint_new_id (old INTEGER PRIMARY KEY, new INTEGER)")
    )
    connection.execute(
        sa.text("INSERT INTO complaint_new_id (old, new) VALUES (:old, :new)"),
        [{"old": key, "new": value} for key, value in _fresh_ids(old).items()],
    )
    for table, column in [("complaint", "id")] + [
        (table, key["constrained_columns"][0]) for table, key in references
    ]:
        connection.execute(
            sa.text(
                f"UPDATE {table} SET {column} = (SELECT new FROM complaint_new_id"  # noqa: S608
                f" WHERE complaint_new_id.old = {table}.{column})"
            )
        )
    _renumber_stories(connection)
    connection.execute(sa.text("DROP TABLE complaint_new_id"))
    if postgres:
        for table, key in references:
            op.create_foreign_key(
                key["name"],
                table,
                "complaint",
                key["constrained_columns"],
                ["id"],
                ondelete=key["options"].get("ondelete"),
            )
    connection.execute(sa.text("DELETE FROM case_access"))


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=True),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    with op.batch_alter_table("audit_pending", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_pending_at"), ["at"], unique=False)
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("pending_sum", sa.String(64), nullable=False, server_default="0" * 64)
        )
        batch_op.add_column(sa.Column("seal", sa.String(64), nullable=False, server_default=""))
    op.add_column(
        "complaint",
        sa.Column("timeline_seq", sa.Integer(), nullable=False, server_default="0"),
    )
    for table, _column, _rank in TIMELINE:
        op.add_column(table, sa.Column("seq", sa.Integer(), nullable=True))
    connection = op.get_bind()
    _number_timelines(connection)
    for table, _column, _rank in TIMELINE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
    for table in RANDOM_IDS:
        _random_ids(connection, table)
    _random_complaint_ids(connection)

    events = _events(connection)
    if not events:
        # A head with no chain behind it says nothing; the portal starts a sealed one.
        connection.execute(sa.text("DELETE FROM audit_head"))
        return
    broken_at = _first_break(events, _plain)
    old_head = events[-1]["hash"]
    board = [event for event in events if not _is_participant(event["action"])]
    participants = [event for event in events if _is_participant(event["action"])]
    secrets.SystemRandom().shuffle(participants)
    ordered = board + participants
    _append(
        connection,
        ordered,
        "audit.rekeyed",
        {
            "events": len(events),
            "old_head": f"{len(events)}-{old_head}",
            "old_chain_intact": broken_at is None,
            "old_chain_broken_at": broken_at,
        },
    )
    key = _audit_key()
    _rewrite_chain(connection, ordered, _keyed(key))
    connection.execute(
        sa.text("UPDATE audit_head SET seal = :seal"),
        {"seal": _seal(key, len(ordered), ordered[-1]["hash"])},
    )


def downgrade() -> None:
    connection = op.get_bind()
    # Waiting participant events join the chain (shuffled), which the old code reads alone.
    pending = [
        dict(row._mapping)
        for row in connection.execute(
            sa.text(
                "SELECT at, account_id, action, object_type, object_id, detail FROM audit_pending"
            ).columns(at=sa.DateTime())
        )
    ]
    secrets.SystemRandom().shuffle(pending)
    events = _events(connection)
    for row in pending:
        _insert(connection, events, row)
    if events:
        _rewrite_chain(connection, events, _plain)
    op.drop_table("audit_pending")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        for column in ("seal", "pending_sum", "pending"):
            batch_op.drop_column(column)
    for table, _column, _rank in TIMELINE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("seq")
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild that would lose the triggers.
    op.drop_column("complaint", "timeline_seq")
