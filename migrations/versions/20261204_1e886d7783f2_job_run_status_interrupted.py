"""job run status interrupted

Revision ID: 1e886d7783f2
Revises: fabf12bfc010
Create Date: 2026-12-04 15:18:40.000000

A run whose worker lost the scheduler lease (killed, or hung) is marked 'interrupted'. The
status column is a VARCHAR(32) without a check constraint, so the new value needs no schema
change. Going back, such runs become failed ones: the older code refuses a status it does
not know, and would fail to show the job list.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op


revision: str = '1e886d7783f2'
down_revision: str | None = 'fabf12bfc010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # 'interrupted' fits the column as it is


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE job_run SET status = 'failed', error = 'Onderbroken' "
            "WHERE status = 'interrupted'"
        )
    )
