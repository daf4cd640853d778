"""APScheduler 3.x set-up; started only by the worker command or the one-process demo."""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from niemand_alleen.jobs import JOBS

log = logging.getLogger(__name__)

# Generous grace: a job delayed by a busy machine still runs instead of being skipped.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


def _report(event: JobExecutionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("job missed id=%s", event.job_id)
    else:
        # The type only: exception messages may carry personal data.
        log.error("job failed id=%s error=%s", event.job_id, type(event.exception).__name__)


def build_scheduler(app: Flask, *, blocking: bool) -> BaseScheduler:
    """Every job on its interval, each run once right at start-up (catching up after downtime)."""
    scheduler: BaseScheduler
    if blocking:
        scheduler = BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC)
    else:
        scheduler = BackgroundScheduler(job_defaults=JOB_DEFAULTS, timezone=UTC, daemon=True)
    for job in JOBS.values():
        scheduler.add_job(
            functools.partial(job.run, app),
            "interval",
            seconds=job.every_seconds,
            id=job.name,
            name=job.name,
            next_run_time=datetime.now(UTC),
        )
    scheduler.add_listener(_report, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler
