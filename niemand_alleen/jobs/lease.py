"""The scheduler lease: only the worker holding it runs jobs (a second one just waits).

A conditional UPDATE decides, so two workers racing for an expired lease cannot both win,
on SQLite (one writer at a time) and on PostgreSQL (the row lock re-checks the condition).
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from niemand_alleen.config import Settings
from niemand_alleen.models import WorkerLease

SCHEDULER_LEASE = "scheduler"
LEASE_SECONDS = Settings.scheduler_lease_seconds


def worker_identity() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


def acquire_lease(
    session: Session,
    holder: str,
    now: datetime,
    *,
    name: str = SCHEDULER_LEASE,
    ttl: timedelta = timedelta(seconds=LEASE_SECONDS),
) -> bool:
    """Take or renew the lease; False while another live worker holds it."""
    table = WorkerLease.__table__  # type: ignore[attr-defined]
    take_or_renew = (
        table.update()
        .where(table.c.name == name, sa.or_(table.c.holder == holder, table.c.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    if session.execute(take_or_renew).rowcount:  # type: ignore[attr-defined]
        return True
    if session.get(WorkerLease, name) is not None:
        # The row may have appeared since the update, made by another thread of this very
        # worker at start-up: ask again rather than skip this job's catch-up run.
        return bool(session.execute(take_or_renew).rowcount)  # type: ignore[attr-defined]
    try:
        with session.begin_nested():
            session.add(WorkerLease(name=name, holder=holder, expires_at=now + ttl))
    except sa.exc.IntegrityError:
        # Created meanwhile, by another worker or by another thread of this one.
        return bool(session.execute(take_or_renew).rowcount)  # type: ignore[attr-defined]
    return True


def release_lease(session: Session, holder: str, *, name: str = SCHEDULER_LEASE) -> None:
    table = WorkerLease.__table__  # type: ignore[attr-defined]
    session.execute(table.delete().where(table.c.name == name, table.c.holder == holder))
