"""outbox rendered message

Revision ID: 0289b53cc284
Revises: bd47f804873e
Create Date: 2026-12-04 17:55:00.000000

Each outbox mail keeps its final RFC 5322 text (encrypted, like its address and bodies), so
the sender sends it as rendered instead of building it again. Mails queued before this
revision have none: the sender renders them at their first send.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '0289b53cc284'
down_revision: str | None = 'bd47f804873e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_column('message')
