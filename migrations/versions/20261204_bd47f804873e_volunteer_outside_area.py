"""volunteer outside_area

Revision ID: bd47f804873e
Revises: 6ba3ed0e869d
Create Date: 2026-12-04 18:00:00.000000

Whether a good neighbour signed up from outside the service area (``SERVICE_AREA_PC4``):
such a neighbour ticked that they still want to help, and is never proposed beyond
``OUTSIDE_AREA_MAX_DISTANCE_KM``. Existing sign-ups are inside (false).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = 'bd47f804873e'
down_revision: str | None = '6ba3ed0e869d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('outside_area', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_column('outside_area')
