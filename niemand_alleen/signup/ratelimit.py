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
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlmodel import Session

from niemand_alleen.crypto import lookup_hash
from niemand_alleen.models import SignupRate

WINDOW = timedelta(hours=1)
GENERAL_BUCKET = "general"
_TABLE: sa.Table = SignupRate.__table__  # type: ignore[attr-defined]
assert _TABLE.name == "signup_rate"  # the upsert below is written out


def window_start(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def address_bucket(client_address: str) -> str:
    """A client address is personal data: only its keyed hash is stored."""
    return "address:" + lookup_hash(f"signup-address:{client_address}")[:40]


def email_bucket(email: str) -> str:
    """Attempts with one e-mail address, whatever the client: only its keyed hash."""
    return "email:" + lookup_hash(f"signup-email:{email.strip().lower()}")[:40]


def oproep_bucket(oproep_id: uuid.UUID | None) -> str:
    """One bucket per oproep; the general sign-up (no oproep) has one of its own."""
    return f"oproep:{oproep_id}" if oproep_id is not None else GENERAL_BUCKET


@cache
def _count_up(buckets: int) -> sa.TextClause:
    """``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` for ``buckets`` buckets of one
    window (parameters ``bucket0``, ``bucket1``, ... and ``start``). Written out because
    SQLAlchemy does not cache the compiled form of its dialects' upserts; SQLite and
    PostgreSQL share this syntax."""
    rows = ", ".join(f"(:bucket{i}, :start, 1)" for i in range(buckets))
    return sa.text(
        # Only numbered placeholders are joined in: no value ever becomes SQL text.
        "INSERT INTO signup_rate (bucket, window_start, count) VALUES "  # noqa: S608
        + rows
        + " ON CONFLICT (bucket, window_start) DO UPDATE SET count = signup_rate.count + 1"
        " RETURNING bucket, count"
    ).bindparams(sa.bindparam("start", type_=_TABLE.c.window_start.type))


_FORGET_EARLIER = sa.delete(_TABLE).where(
    _TABLE.c.window_start < sa.bindparam("start", type_=_TABLE.c.window_start.type)
)


def take_all(session: Session, limits: Mapping[str, int], now: datetime) -> set[str]:
    """Count one attempt in this hour's window of every bucket (``{bucket: limit}``) in one
    statement; returns the buckets that went over their limit."""
    start = window_start(now)
    buckets = list(limits)
    statement = _count_up(len(buckets))
    parameters: dict[str, object] = {f"bucket{i}": b for i, b in enumerate(buckets)}
    connection = session.connection()  # Core: no ORM execute pipeline on the hot path
    rows = connection.execute(statement, {**parameters, "start": start}).all()
    counts: dict[str, int] = {str(bucket): int(count) for bucket, count in rows}
    if 1 in counts.values():  # the first attempt of a new hour
        connection.execute(_FORGET_EARLIER, {"start": start})
    return {bucket for bucket, limit in limits.items() if counts[bucket] > limit}


def take(session: Session, bucket: str, limit: int, now: datetime) -> bool:
    """Count one attempt in this hour's window; ``False`` when it goes over ``limit``."""
    return not take_all(session, {bucket: limit}, now)


ATTEMPTS_SO_FAR = sa.select(_TABLE.c.count).where(
    _TABLE.c.bucket == sa.bindparam("bucket", type_=_TABLE.c.bucket.type),
    _TABLE.c.window_start == sa.bindparam("start", type_=_TABLE.c.window_start.type),
)
"""A bucket's attempts this hour (no row: none yet); parameters from ``attempts_parameters``."""


def attempts_parameters(bucket: str, now: datetime) -> dict[str, object]:
    return {"bucket": bucket, "start": window_start(now)}


def attempts_so_far(connection: sa.Connection, bucket: str, now: datetime) -> int:
    """A read-only look, before any work: how many attempts this bucket made this hour.

    Lets a client that is over its limit be refused before its address is located (with
    an online geocoder that would be a request to someone else's service for every flood
    request). Not the authoritative check: ``take_all`` in the writing transaction is.
    """
    count = connection.execute(ATTEMPTS_SO_FAR, attempts_parameters(bucket, now)).scalar()
    return int(count or 0)
