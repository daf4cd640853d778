"""APScheduler 3.x set-up; started only by the worker command or the one-process demo.

Every job goes through ``run_if_leader``: when two workers are started by mistake, only the
one holding the lease in the database runs jobs. A separate short job keeps the lease
while a long job (loading the anonymiser) runs.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from niemand_alleen import db
from niemand_alleen.jobs import JOBS, run_if_leader
from niemand_alleen.jobs.lease import LEASE_SECONDS, acquire_lease, release_lease
from niemand_alleen.models import utcnow

log = logging.getLogger(__name__)

# Generous grace: a job delayed by a busy machine still runs instead of being skipped.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def _report(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("job missed id=%s", event.job_id)
    else:
        # The type only: exception messages may carry personal data.
        log.error("job failed id=%s error=%s", event.job_id, type(event.exception).__name__)


def keep_lease(app: Flask, worker: str) -> None:
    with app.app_context(), db.session() as session:
        acquire_lease(session, worker, utcnow())


def give_up_lease(app: Flask, worker: str) -> None:
    """On a clean stop, so a restarted worker need not wait for the lease to expire."""
    with app.app_context(), db.session() as session:
        release_lease(session, worker)


def build_scheduler(app: Flask, worker: str, *, blocking: bool) -> BaseScheduler:
    """Every job on its interval, each run once right at start-up (catching up after downtime)."""
    scheduler: BaseScheduler
    if blocking:
        scheduler = BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
    else:
        scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC, daemon=True)
    now = datetime.now(UTC)
    scheduler.add_job(
        functools.partial(keep_lease, app, worker),
        "interval",
        seconds=LEASE_SECONDS // 3,
        id="keep-lease",
        name="keep-lease",
        next_run_time=now,
    )
    for job in JOBS.values():
        scheduler.add_job(
            functools.partial(run_if_leader, app, job, worker),
            "interval",
            seconds=job.every_seconds,
            id=job.name,
            name=job.name,
            next_run_time=now,
        )
    scheduler.add_listener(_report, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler
