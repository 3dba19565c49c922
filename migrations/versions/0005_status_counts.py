"""status counts kept by triggers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

The queue shows how many cases are in each status. Counting 100,000 rows on every page view
grows with the number of cases; these triggers keep a tiny table of counts exact instead,
whatever code (or bulk insert) changes `complaint`.

On PostgreSQL an update touches two counter rows; it always locks them in the same order
(by status, then sensitivity), so two concurrent status changes cannot deadlock.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER status_count_insert AFTER INSERT ON complaint BEGIN
        INSERT INTO status_count (status, sensitive, n)
        VALUES (NEW.status, NEW.kind IS 'sexual', 1)
        ON CONFLICT (status, sensitive) DO UPDATE SET n = n + 1;
    END
    """,
    """
    CREATE TRIGGER status_count_delete AFTER DELETE ON complaint BEGIN
        UPDATE status_count SET n = n - 1
        WHERE status = OLD.status AND sensitive = (OLD.kind IS 'sexual');
    END
    """,
    """
    CREATE TRIGGER status_count_update AFTER UPDATE OF status, kind ON complaint
    WHEN OLD.status IS NOT NEW.status OR (OLD.kind IS 'sexual') IS NOT (NEW.kind IS 'sexual')
    BEGIN
        UPDATE status_count SET n = n - 1
        WHERE status = OLD.status AND sensitive = (OLD.kind IS 'sexual');
        INSERT INTO status_count (status, sensitive, n)
        VALUES (NEW.status, NEW.kind IS 'sexual', 1)
        ON CONFLICT (status, sensitive) DO UPDATE SET n = n + 1;
    END
    """,
]

POSTGRES_FUNCTION = """
CREATE FUNCTION status_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_key text;
    new_key text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM status_count_add(NEW.status, NEW.kind IS NOT DISTINCT FROM 'sexual', 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM status_count_add(OLD.status, OLD.kind IS NOT DISTINCT FROM 'sexual', -1);
    ELSE
        old_key := OLD.status || ':' || (OLD.kind IS NOT DISTINCT FROM 'sexual')::text;
        new_key := NEW.status || ':' || (NEW.kind IS NOT DISTINCT FROM 'sexual')::text;
        IF old_key = new_key THEN
            RETURN NULL;
        END IF;
        -- Same lock order everywhere: the smaller key first.
        IF old_key < new_key THEN
            PERFORM status_count_add(OLD.status, OLD.kind IS NOT DISTINCT FROM 'sexual', -1);
            PERFORM status_count_add(NEW.status, NEW.kind IS NOT DISTINCT FROM 'sexual', 1);
        ELSE
            PERFORM status_count_add(NEW.status, NEW.kind IS NOT DISTINCT FROM 'sexual', 1);
            PERFORM status_count_add(OLD.status, OLD.kind IS NOT DISTINCT FROM 'sexual', -1);
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""

POSTGRES_ADD = """
CREATE FUNCTION status_count_add(s varchar, sens boolean, delta integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO status_count (status, sensitive, n) VALUES (s, sens, delta)
    ON CONFLICT (status, sensitive) DO UPDATE SET n = status_count.n + delta
$$
"""

POSTGRES_TRIGGER = """
CREATE TRIGGER status_count_change
AFTER INSERT OR DELETE OR UPDATE OF status, kind ON complaint
FOR EACH ROW EXECUTE FUNCTION status_count_change()
"""


def upgrade() -> None:
    op.create_table(
        "status_count",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", "sensitive", name=op.f("pk_status_count")),
    )
    # Start from the cases already there.
    op.execute(
        "INSERT INTO status_count (status, sensitive, n) "
        "SELECT status, (kind IS NOT NULL AND kind = 'sexual'), count(*) "
        "FROM complaint GROUP BY status, (kind IS NOT NULL AND kind = 'sexual')"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_ADD)
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER status_count_change ON complaint")
        op.execute("DROP FUNCTION status_count_change()")
        op.execute("DROP FUNCTION status_count_add(varchar, boolean, integer)")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER status_count_{name}")
    op.drop_table("status_count")
