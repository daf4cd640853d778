"""Rate limits of the public sign-up, counted in the database so every web worker shares them.

Fixed windows of one clock hour: one row per bucket and hour, counted up atomically by an
upsert (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so two workers never lose a
count. When the first row of a new hour is written, the rows of earlier hours are deleted:
a (keyed-hashed) client address is kept for at most about an hour.

A refused request rolls back, so its own count is not kept; the counter stays at the limit
until the hour ends. Services flush only; the request commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from niemand_alleen.crypto import lookup_hash
from niemand_alleen.models import SignupRate

WINDOW = timedelta(hours=1)
GENERAL_BUCKET = "general"


def window_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def address_bucket(client_address: str) -> str:
    """A client address is personal data: only its keyed hash is stored."""
    return "address:" + lookup_hash(f"signup-address:{client_address}")[:40]


def oproep_bucket(oproep_id: uuid.UUID | None) -> str:
    """One bucket per oproep; the general sign-up (no oproep) has one of its own."""
    return f"oproep:{oproep_id}" if oproep_id is not None else GENERAL_BUCKET


def take(session: Session, bucket: str, limit: int, now: datetime) -> bool:
    """Count one attempt in this hour's window; ``False`` when it goes over ``limit``."""
    start = window_start(now)
    table = SignupRate.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(bucket=bucket, window_start=start, count=1)
        .on_conflict_do_update(
            index_elements=[table.c.bucket, table.c.window_start],
            set_={"count": table.c.count + 1},
        )
        .returning(table.c.count)
    )
    count = int(session.execute(statement).scalar_one())
    if count == 1:
        session.execute(delete(table).where(table.c.window_start < start))
    return count <= limit
