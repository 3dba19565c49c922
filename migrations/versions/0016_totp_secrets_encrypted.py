"""TOTP secrets encrypted under a key from configuration

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

The key comes from the claim pepper (portal.board.totp.storage_key), which is never in the
database: `flask db-upgrade` passes it in, and without it the configuration is read from the
environment as the app would. On SQLite the column is swapped with ADD / DROP / RENAME COLUMN
(SQLite 3.35+) rather than a batch copy of the table: dropping the old `account` table would
cascade-delete every member's keys, recovery codes and sessions.
"""

from alembic import context, op
import sqlalchemy as sa

from portal.board import totp


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SEALED = totp.SEALED_PREFIX


def _key() -> bytes:
    pepper = context.config.attributes.get('claim_pepper')
    if pepper is None:
        from portal.config import Config

        pepper = Config.from_env().claim_pepper
    return totp.storage_key(pepper)


def _rows() -> list[tuple[int, str]]:
    found = op.get_bind().execute(
        sa.text("SELECT id, totp_secret FROM account WHERE totp_secret IS NOT NULL")
    )
    return [(row[0], row[1]) for row in found]


def _write(column: str, values: dict[int, str]) -> None:
    statement = sa.text(f"UPDATE account SET {column} = :value WHERE id = :id")  # noqa: S608
    for account_id, value in values.items():
        op.get_bind().execute(statement, {"value": value, "id": account_id})


def _resize(length: int, values: dict[int, str]) -> None:
    """The column at a new length, holding `values` (by account id)."""
    if op.get_bind().dialect.name == 'sqlite':
        op.add_column('account', sa.Column('totp_secret_new', sa.String(length), nullable=True))
        _write('totp_secret_new', values)
        op.execute("ALTER TABLE account DROP COLUMN totp_secret")
        op.execute("ALTER TABLE account RENAME COLUMN totp_secret_new TO totp_secret")
        return
    # Widened before the longer values go in; narrowed after the shorter ones have.
    if length > 64:
        op.alter_column('account', 'totp_secret', type_=sa.String(length), existing_nullable=True)
    _write('totp_secret', values)
    if length <= 64:
        op.alter_column('account', 'totp_secret', type_=sa.String(length), existing_nullable=True)


def upgrade() -> None:
    rows = _rows()
    plain = [(account_id, stored) for account_id, stored in rows if not stored.startswith(SEALED)]
    key = _key() if plain else b''
    values = {account_id: stored for account_id, stored in rows}
    values.update(
        {account_id: totp.seal_secret(key, account_id, secret) for account_id, secret in plain}
    )
    _resize(200, values)


def downgrade() -> None:
    rows = _rows()
    sealed = [(account_id, stored) for account_id, stored in rows if stored.startswith(SEALED)]
    key = _key() if sealed else b''
    values = {account_id: stored for account_id, stored in rows}
    values.update(
        {account_id: totp.open_secret(key, account_id, stored) for account_id, stored in sealed}
    )
    _resize(64, values)
