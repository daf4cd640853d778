"""Scheduled jobs: plain, idempotent functions that open their own app context and session.

Each job can run from the scheduler (``niemand-alleen worker``, or inside ``demo``) or by hand
(``niemand-alleen jobs run NAME``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from niemand_alleen import db
from niemand_alleen.auth import session_limits, throttle_policy
from niemand_alleen.auth.service import purge_expired_sessions, purge_old_login_attempts
from niemand_alleen.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Flask], None]
    every_minutes: int
    description: str


def purge_staff_sessions(app: Flask) -> None:
    """Delete ended staff sessions and login attempts older than the throttle window."""
    with app.app_context(), db.session() as session:
        now = utcnow()
        sessions = purge_expired_sessions(session, session_limits(), now)
        attempts = purge_old_login_attempts(session, throttle_policy(), now)
    log.info("job purge-staff-sessions sessions=%d attempts=%d", sessions, attempts)


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job(
            name="purge-staff-sessions",
            run=purge_staff_sessions,
            every_minutes=15,
            description="Verwijdert verlopen sessies en oude inlogpogingen van medewerkers.",
        ),
    ]
}


class UnknownJobError(KeyError):
    pass


def run_job(app: Flask, name: str) -> None:
    job = JOBS.get(name)
    if job is None:
        raise UnknownJobError(name)
    job.run(app)
