"""volunteer locale

Revision ID: 77af15c2912b
Revises: cc8c4e230888
Create Date: 2026-12-04 21:00:00.000000

The language a good neighbour used on the public pages when signing up ("nl" or "en"): the
mails to that neighbour are written in it. Existing sign-ups were made in Dutch ("nl").
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '77af15c2912b'
down_revision: str | None = 'cc8c4e230888'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'locale',
                sqlmodel.sql.sqltypes.AutoString(length=5),
                nullable=False,
                server_default='nl',
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_column('locale')
