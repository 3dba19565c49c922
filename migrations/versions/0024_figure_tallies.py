"""each quarter's figure counts kept up to date by triggers

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01

The first reader after a quarter ended waited while every complaint of the last year was
read and counted (1.7 s at 100,000 cases). These three tables hold, per quarter received,
the sums the figures are made of (`portal.figures.figuretally`): how many complaints of each
race and each gender are of each kind, about each actor, in each status and disposition,
answered and decided; the days those took; the referrals agreed to. Triggers on `complaint`, `demographics` and `referral` keep
them exact in the same transaction as any change, whatever code (or bulk insert) makes it, so
counting a quarter reads its few thousand sums instead of every case.

Each trigger takes a case's old contribution away and adds its new one. A complaint's is taken
away BEFORE it is deleted, while its demographics and referrals are still there; their own
delete triggers then find no complaint and do nothing. On upgrade the tables are filled from
the cases already there; `flask --app wsgi figures-recount` fills them again from scratch.

This file keeps its own copy of the SQL: later changes to what is counted come as new
migrations.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

CASE_KEY = "quarter, facet, grp, margin, a, b"
DAYS_KEY = "quarter, measure, facet, grp, days"
REFERRAL_KEY = "quarter, body, race, gender"
AGREED = "('agreed', 'sent')"  # portal.figures.figuretables.REFERRAL_STATES
COMPLAINT_COLUMNS = (
    "status",
    "disposition",
    "kind",
    "actor_kind",
    "created_on",
    "first_response_on",
    "resolved_on",
)


def _quarter(dialect: str, day: str) -> str:
    if dialect == "postgresql":
        return f"""to_char({day}, 'YYYY"Q"Q')"""
    return f"(strftime('%Y', {day}) || 'Q' || ((CAST(strftime('%m', {day}) AS INTEGER) + 2) / 3))"


def _days(dialect: str, later: str, earlier: str) -> str:
    if dialect == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _upsert(table: str, key: str) -> str:
    return f"ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + excluded.n"


def _given(day: str) -> str:
    return f"CASE WHEN {day} IS NULL THEN '0' ELSE '1' END"


TABLES = {
    "figure_tally": CASE_KEY,
    "figure_tally_days": DAYS_KEY,
    "figure_tally_referral": REFERRAL_KEY,
}
Parts = dict[str, list[str]]  # table -> SELECTs of its key columns and n


def statements(*sides: Parts) -> list[str]:
    """One statement per table adding up the old and new sides of a change. A sum the change
    leaves alone is not touched, and the rows are locked in key order: two changes at once
    (on PostgreSQL) wait for each other rather than deadlock in one table."""
    found = []
    for table, key in TABLES.items():
        parts = [part for side in sides for part in side.get(table, [])]
        if not parts:
            continue
        positions = ", ".join(str(i) for i in range(1, key.count(",") + 2))
        found.append(
            f"INSERT INTO {table} ({key}, n) SELECT {key}, SUM(n) FROM "
            f"({' UNION ALL '.join(parts)}) AS parts WHERE 1 = 1 GROUP BY {positions} "
            f"HAVING SUM(n) <> 0 ORDER BY {positions} "
            f"ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + excluded.n"
        )
        # A sum that drops to nothing goes: an empty row would still say that a complaint
        # of that group was once there, after the complaint itself is deleted.
        found.append(f"DELETE FROM {table} WHERE n = 0")
    return found


def contribution(
    dialect: str,
    c: str,
    race: str,
    gender: str,
    source: str,
    where: str,
    n: str,
    referrals: str | None = None,
) -> Parts:
    """What each complaint `c` (an alias or OLD/NEW) that `source` and `where` select adds,
    `n` times, with the demographics `race` and `gender`; its agreed referrals too where
    `referrals` holds."""
    quarter = _quarter(dialect, f"{c}.created_on")
    margins = {
        "kind": (f"COALESCE({c}.kind, '')", "''"),
        "actor": (f"COALESCE({c}.actor_kind, '')", "''"),
        "outcome": (f"{c}.status", f"COALESCE({c}.disposition, '')"),
        "answers": (_given(f"{c}.first_response_on"), _given(f"{c}.resolved_on")),
    }
    parts: Parts = {}
    parts["figure_tally"] = [
        f"SELECT {quarter} AS quarter, '{facet}' AS facet, COALESCE({group}, '') AS grp, "
        f"'{margin}' AS margin, {a} AS a, {b} AS b, {n} AS n FROM {source} WHERE {where}"
        for facet, group in (("race", race), ("gender", gender))
        for margin, (a, b) in margins.items()
    ]
    parts["figure_tally_days"] = [
        f"SELECT {quarter} AS quarter, '{measure}' AS measure, '{facet}' AS facet, "
        f"COALESCE({group}, '') AS grp, {_days(dialect, f'{c}.{day}', f'{c}.created_on')} "
        f"AS days, {n} AS n FROM {source} WHERE {where} AND {c}.{day} IS NOT NULL"
        for measure, day in (("response", "first_response_on"), ("resolution", "resolved_on"))
        for facet, group in (("all", "NULL"), ("race", race), ("gender", gender))
    ]
    if referrals is not None:
        parts["figure_tally_referral"] = [
            f"SELECT {quarter} AS quarter, r.body AS body, COALESCE({race}, '') AS race, "
            f"COALESCE({gender}, '') AS gender, {n} AS n FROM {source} "
            f"JOIN referral r ON r.complaint_id = {c}.id "
            f"WHERE {where} AND {referrals} AND r.state IN {AGREED}"
        ]
    return parts


def _one_referral(dialect: str, row: str, sign: str) -> Parts:
    quarter = _quarter(dialect, "c.created_on")
    return {
        "figure_tally_referral": [
            f"SELECT {quarter} AS quarter, {row}.body AS body, COALESCE(d.race, '') AS race, "
            f"COALESCE(d.gender, '') AS gender, {sign} AS n FROM complaint c "
            f"LEFT JOIN demographics d ON d.complaint_id = c.id "
            f"WHERE c.id = {row}.complaint_id AND {row}.state IN {AGREED}"
        ]
    }


def _complaint_side(dialect: str, row: str, sign: str, referrals: str | None) -> Parts:
    """A complaint row (OLD or NEW) with its demographics as they are now."""
    source = f"(SELECT 1 AS one) AS one LEFT JOIN demographics d ON d.complaint_id = {row}.id"
    return contribution(dialect, row, "d.race", "d.gender", source, "1 = 1", sign, referrals)


def _demographics_side(dialect: str, race: str, gender: str, row: str, sign: str) -> Parts:
    """The complaint of a demographics row, if it is still there, as if it had these."""
    where = f"c.id = {row}.complaint_id"
    return contribution(dialect, "c", race, gender, "complaint c", where, sign, "1 = 1")


def _changed(dialect: str, columns: tuple[str, ...]) -> str:
    differ = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{column} {differ} NEW.{column}" for column in columns)


def triggers(dialect: str) -> list[tuple[str, str, str, str | None, list[str]]]:
    """(name, when, event on table, condition, statements) of every trigger."""
    moved = "OLD.created_on <> NEW.created_on"
    c, d, r = _complaint_side, _demographics_side, _one_referral
    return [
        ("complaint_insert", "AFTER", "INSERT ON complaint", None,
         statements(c(dialect, "NEW", "1", None))),
        ("complaint_update", "AFTER", f"UPDATE OF {', '.join(COMPLAINT_COLUMNS)} ON complaint",
         _changed(dialect, COMPLAINT_COLUMNS),
         statements(c(dialect, "OLD", "-1", moved), c(dialect, "NEW", "1", moved))),
        ("complaint_delete", "BEFORE", "DELETE ON complaint", None,
         statements(c(dialect, "OLD", "-1", "1 = 1"))),
        ("demographics_insert", "AFTER", "INSERT ON demographics", None,
         statements(d(dialect, "NULL", "NULL", "NEW", "-1"),
                    d(dialect, "NEW.race", "NEW.gender", "NEW", "1"))),
        ("demographics_update", "AFTER", "UPDATE OF race, gender ON demographics",
         _changed(dialect, ("race", "gender")),
         statements(d(dialect, "OLD.race", "OLD.gender", "OLD", "-1"),
                    d(dialect, "NEW.race", "NEW.gender", "NEW", "1"))),
        ("demographics_delete", "AFTER", "DELETE ON demographics", None,
         statements(d(dialect, "OLD.race", "OLD.gender", "OLD", "-1"),
                    d(dialect, "NULL", "NULL", "OLD", "1"))),
        ("referral_insert", "AFTER", "INSERT ON referral", None,
         statements(r(dialect, "NEW", "1"))),
        ("referral_update", "AFTER", "UPDATE OF state, body, complaint_id ON referral",
         _changed(dialect, ("state", "body", "complaint_id")),
         statements(r(dialect, "OLD", "-1"), r(dialect, "NEW", "1"))),
        ("referral_delete", "AFTER", "DELETE ON referral", None,
         statements(r(dialect, "OLD", "-1"))),
    ]  # fmt: skip


def create_triggers(dialect: str) -> list[str]:
    created = []
    for name, when, event, condition, steps in triggers(dialect):
        name = f"figure_tally_{name}"
        guard = f" WHEN ({condition})" if condition else ""
        body = ";\n".join(steps)
        if dialect == "postgresql":
            back = "OLD" if when == "BEFORE" else "NULL"
            created.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body};\nRETURN {back};\nEND\n$$"
            )
            created.append(
                f"CREATE TRIGGER {name} {when} {event} FOR EACH ROW{guard} "
                f"EXECUTE FUNCTION {name}()"
            )
        else:
            created.append(f"CREATE TRIGGER {name} {when} {event} FOR EACH ROW{guard}\nBEGIN\n{body};\nEND")
    return created


def fill(dialect: str) -> list[str]:
    """Counting every case already there, from empty tables."""
    source = "complaint c LEFT JOIN demographics d ON d.complaint_id = c.id"
    return statements(contribution(dialect, "c", "d.race", "d.gender", source, "1 = 1", "1", "1 = 1"))


def _key(*columns: sa.Column) -> list[sa.Column]:
    return [*columns, sa.Column("n", sa.Integer(), nullable=False)]


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "figure_tally",
        *_key(
            _text("quarter", 6),
            _text("facet", 10),
            _text("grp", 20),
            _text("margin", 10),
            _text("a", 30),
            _text("b", 30),
        ),
        sa.PrimaryKeyConstraint(*CASE_KEY.split(", "), name=op.f("pk_figure_tally")),
    )
    op.create_table(
        "figure_tally_days",
        *_key(
            _text("quarter", 6),
            _text("measure", 10),
            _text("facet", 10),
            _text("grp", 20),
            sa.Column("days", sa.Integer(), nullable=False),
        ),
        sa.PrimaryKeyConstraint(*DAYS_KEY.split(", "), name=op.f("pk_figure_tally_days")),
    )
    op.create_table(
        "figure_tally_referral",
        *_key(_text("quarter", 6), _text("body", 30), _text("race", 20), _text("gender", 20)),
        sa.PrimaryKeyConstraint(*REFERRAL_KEY.split(", "), name=op.f("pk_figure_tally_referral")),
    )
    for table in TABLES:  # what each change deletes (see `statements`), found at once
        op.create_index(
            f"ix_{table}_empty",
            table,
            ["quarter"],
            sqlite_where=sa.text("n = 0"),
            postgresql_where=sa.text("n = 0"),
        )
    # The "You said, we did" a new release carries: found without reading every case.
    op.create_index(
        "ix_complaint_public_summary",
        "complaint",
        ["resolved_on"],
        sqlite_where=sa.text("public_summary IS NOT NULL"),
        postgresql_where=sa.text("public_summary IS NOT NULL"),
    )
    # A quarter's survey answers, counted from the index alone.
    op.create_index(
        "ix_survey_answer_quarter",
        "survey_answer",
        ["quarter", "respected", "listened", "would_use_again"],
    )
    for statement in fill(dialect):
        op.execute(statement)
    for statement in create_triggers(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, _when, event, _condition, _statements in triggers(dialect):
        table = event.rsplit(" ", 1)[-1]
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER figure_tally_{name} ON {table}")
            op.execute(f"DROP FUNCTION figure_tally_{name}()")
        else:
            op.execute(f"DROP TRIGGER figure_tally_{name}")
    op.drop_index("ix_survey_answer_quarter", table_name="survey_answer")
    op.drop_index("ix_complaint_public_summary", table_name="complaint")
    op.drop_table("figure_tally_referral")
    op.drop_table("figure_tally_days")
    op.drop_table("figure_tally")
