"""APScheduler 3.x set-up; started only by the worker command or the one-process demo.

Every job goes through ``run_if_leader``: when two workers are started by mistake, only the
one holding the lease in the database runs jobs. A separate short job takes and keeps the
lease, also while a long job (loading the anonymiser) runs. The jobs wait, paused, until
this worker holds the lease; then each runs once at once (the catch-up after downtime) and
on its interval after that.
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
from niemand_alleen.jobs import JOBS, interrupt_orphaned_runs, lease_ttl, run_if_leader
from niemand_alleen.jobs.lease import acquire_lease, release_lease
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


class LeaseKeeper:
    """Takes and renews this worker's lease. On taking it (at start-up, or once a dead
    holder's lease ran out) it marks that holder's unfinished runs as interrupted, in the
    same transaction, and starts the catch-up run of every job."""

    def __init__(self, app: Flask, worker: str, scheduler: BaseScheduler) -> None:
        self.app = app
        self.worker = worker
        self.scheduler = scheduler
        self.held = False

    def __call__(self) -> None:
        with self.app.app_context(), db.session() as session:
            held = acquire_lease(session, self.worker, utcnow(), ttl=lease_ttl(self.app))
            taken = held and not self.held
            interrupted = interrupt_orphaned_runs(session, self.worker) if taken else 0
        self.held = held
        if taken:
            log.info("scheduler lease taken interrupted_runs=%d", interrupted)
            now = datetime.now(UTC)
            for name in JOBS:
                self.scheduler.modify_job(name, next_run_time=now)


def give_up_lease(app: Flask, worker: str) -> None:
    """On a clean stop, so a restarted worker need not wait for the lease to expire."""
    with app.app_context(), db.session() as session:
        release_lease(session, worker)


def stop_scheduler(scheduler: BaseScheduler, app: Flask, worker: str) -> None:
    """The clean stop: let running jobs finish first (a job still running would renew the
    lease after its release), then release the lease."""
    if scheduler.running:
        scheduler.shutdown(wait=True)
    give_up_lease(app, worker)


def build_scheduler(app: Flask, worker: str, *, blocking: bool) -> BaseScheduler:
    """Every job on its interval, each run once as soon as this worker holds the lease."""
    scheduler: BaseScheduler
    if blocking:
        scheduler = BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
    else:
        scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC, daemon=True)
    scheduler.add_job(
        LeaseKeeper(app, worker, scheduler),
        "interval",
        seconds=max(1, app.config["SETTINGS"].scheduler_lease_seconds // 3),
        id="keep-lease",
        name="keep-lease",
        next_run_time=datetime.now(UTC),
    )
    for job in JOBS.values():
        scheduler.add_job(
            functools.partial(run_if_leader, app, job, worker),
            "interval",
            seconds=job.every_seconds,
            id=job.name,
            name=job.name,
            next_run_time=None,  # paused until the lease is held
        )
    scheduler.add_listener(_report, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler
