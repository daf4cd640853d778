"""list indexes

Revision ID: 7dec8e7f4159
Revises: 0289b53cc284
Create Date: 2026-12-04 19:00:00.000000

The staff lists read one page at a time, newest first: the buurtwerker's aanmeldingen by
(registered_by_id, created_at) and the coordinator's oproepen by created_at, from an index
instead of sorting every row for each page.
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '7dec8e7f4159'
down_revision: str | None = '0289b53cc284'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.create_index('ix_resident_registered_by_id_created_at', ['registered_by_id', 'created_at'], unique=False)
    with op.batch_alter_table('oproep', schema=None) as batch_op:
        batch_op.create_index('ix_oproep_created_at', ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('oproep', schema=None) as batch_op:
        batch_op.drop_index('ix_oproep_created_at')
    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.drop_index('ix_resident_registered_by_id_created_at')
