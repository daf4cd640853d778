"""Scheduled jobs: plain, idempotent functions that open their own app context and session.

Each job can run from the scheduler (``niemand-alleen worker``, or inside ``demo``) or by hand
(``niemand-alleen jobs run NAME``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, col, select

from niemand_alleen import db
from niemand_alleen.anonymiser import Anonymiser
from niemand_alleen.auth import (
    purge_expired_sessions,
    purge_old_login_attempts,
    purge_old_password_resets,
    session_limits,
    throttle_policy,
)
from niemand_alleen.config import Settings
from niemand_alleen.distribution import remind_coordinators
from niemand_alleen.feedback import send_questionnaires
from niemand_alleen.intake import pending_oproepen, prepare
from niemand_alleen.jobs.lease import acquire_lease
from niemand_alleen.mail import send_outbox
from niemand_alleen.matching import close_due_oproepen, remind_followups
from niemand_alleen.models import JobRun, JobRunStatus, Oproep, local_today, utcnow
from niemand_alleen.retention import purge_expired

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str  # for the command line and the logs (``jobs run <name>``)
    run: Callable[[Flask], None]
    every_seconds: int
    description: str
    title: str = ""  # the Dutch name on the beheerder's page


def purge_staff_sessions(app: Flask) -> None:
    """Delete ended staff sessions, login attempts older than the throttle window and
    password-reset links older than a day."""
    with app.app_context(), db.session() as session:
        now = utcnow()
        sessions = purge_expired_sessions(session, session_limits(), now)
        attempts = purge_old_login_attempts(session, throttle_policy(), now)
        resets = purge_old_password_resets(session, now)
    log.info(
        "job purge-staff-sessions sessions=%d attempts=%d resets=%d", sessions, attempts, resets
    )


def purge_expired_data(app: Flask) -> None:
    """Apply the retention periods (see the privacy statement and README)."""
    with app.app_context(), db.session() as session:
        counts = purge_expired(session, app.config["SETTINGS"], utcnow())
    log.info(
        "job purge-expired residents=%d volunteers=%d unconfirmed=%d mails=%d audit_events=%d"
        " open_answers=%d",
        counts.residents,
        counts.volunteers,
        counts.unconfirmed,
        counts.mails,
        counts.audit_events,
        counts.open_answers,
    )


_anonymiser: Anonymiser | None = None


def loaded_anonymiser(settings: Settings) -> Anonymiser:
    """The anonymiser of this (worker) process, loaded on first need (~10 s, ~1 GB)."""
    global _anonymiser
    if _anonymiser is None:
        log.info("loading the anonymiser")
        _anonymiser = Anonymiser(settings.anonymiser_cache_dir)
        log.info("anonymiser loaded in %.1f s", _anonymiser.load_seconds)
    return _anonymiser


def prepare_proposals(app: Flask) -> None:
    """Write and check proposed oproep texts; loads the anonymiser only when there is work."""
    with app.app_context():
        with db.session() as session:
            pending = [oproep.id for oproep in pending_oproepen(session)]
        if not pending:
            return
        anonymiser = loaded_anonymiser(app.config["SETTINGS"])
        for oproep_id in pending:
            # One transaction per oproep: a failure leaves the others prepared.
            with db.session() as session:
                oproep = session.get(Oproep, oproep_id)
                if oproep is not None and oproep.proposal_checked_at is None:
                    prepare(session, anonymiser, oproep)


def close_oproepen_job(app: Flask) -> None:
    """Close open oproepen whose deadline passed and propose the closest good neighbours."""
    with app.app_context(), db.session() as session:
        closed = close_due_oproepen(session, app.config["SETTINGS"], local_today())
    log.info("job close-oproepen oproepen=%d", closed)


def remind_followups_job(app: Flask) -> None:
    """Remind coordinators to check, some weeks after a match, that the network is active."""
    with app.app_context(), db.session() as session:
        reminded = remind_followups(session, app.config["SETTINGS"], utcnow())
    log.info("job remind-followups oproepen=%d", reminded)


def send_questionnaires_job(app: Flask) -> None:
    """Mail the evaluation questionnaires: to good neighbours some weeks after a match, to
    organisations when an oproep they received has closed."""
    with app.app_context(), db.session() as session:
        invited = send_questionnaires(session, app.config["SETTINGS"], utcnow())
    log.info(
        "job send-questionnaires neighbours=%d organisations=%d",
        invited.neighbours,
        invited.organisations,
    )


def remind_coordinators_job(app: Flask) -> None:
    """Tell coordinators about open oproepen with too few sign-ups near their deadline."""
    with app.app_context(), db.session() as session:
        reminded = remind_coordinators(session, app.config["SETTINGS"], local_today())
    log.info("job remind-coordinators oproepen=%d", reminded)


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job(
            name="purge-staff-sessions",
            title="Sessies opruimen",
            run=purge_staff_sessions,
            every_seconds=15 * 60,
            description="Verwijdert verlopen sessies en oude inlogpogingen van medewerkers.",
        ),
        Job(
            name="purge-expired",
            title="Persoonsgegevens verwijderen na de bewaartermijn",
            run=purge_expired_data,
            every_seconds=6 * 3600,
            description="Verwijdert persoonsgegevens na de bewaartermijnen.",
        ),
        Job(
            name="prepare-proposals",
            title="Oproepteksten voorbereiden",
            run=prepare_proposals,
            every_seconds=15,
            description="Maakt voorstellen voor oproepteksten en kijkt teksten na op "
            "herkenbare gegevens.",
        ),
        Job(
            name="remind-coordinators",
            title="Coördinatoren herinneren aan de einddatum",
            run=remind_coordinators_job,
            every_seconds=3600,
            description="Mailt de coördinator als een oproep vlak voor de einddatum te weinig "
            "aanmeldingen heeft.",
        ),
        Job(
            name="close-oproepen",
            title="Oproepen sluiten na de einddatum",
            run=close_oproepen_job,
            every_seconds=15 * 60,
            description="Sluit oproepen na de einddatum en stelt de dichtstbijzijnde goede "
            "buren voor.",
        ),
        Job(
            name="remind-followups",
            title="Herinneren aan de nacontrole",
            run=remind_followups_job,
            every_seconds=6 * 3600,
            description="Vraagt de coördinator enkele weken na een koppeling of het netwerk nog "
            "actief is.",
        ),
        Job(
            name="send-questionnaires",
            title="Vragenlijsten voor de evaluatie versturen",
            run=send_questionnaires_job,
            every_seconds=6 * 3600,
            description="Mailt goede buren enkele weken na een koppeling, en organisaties na "
            "het sluiten van een oproep, een korte vragenlijst.",
        ),
        Job(
            name="send-outbox",
            title="Mails versturen",
            run=send_outbox,
            every_seconds=10,
            description="Verstuurt de mails uit de wachtrij en probeert mislukte later opnieuw.",
        ),
    ]
}


class UnknownJobError(KeyError):
    pass


# The worker name of a run started by hand (``jobs run``), outside the lease.
BY_HAND = "hand"

# Dutch words for how a run went, in ``jobs list`` and on the beheerder's Taken page.
OUTCOMES: dict[JobRunStatus, str] = {
    JobRunStatus.RUNNING: "bezig",
    JobRunStatus.OK: "gelukt",
    JobRunStatus.FAILED: "mislukt",
    JobRunStatus.INTERRUPTED: "onderbroken",
}


def lease_ttl(app: Flask) -> timedelta:
    settings: Settings = app.config["SETTINGS"]
    return timedelta(seconds=settings.scheduler_lease_seconds)


def interrupt_orphaned_runs(session: Session, holder: str) -> int:
    """Mark as interrupted the runs still running for a worker other than ``holder``, who
    has just taken the lease: their worker lost it (killed, or hung), so they never finish.
    Runs by hand are left alone: no lease tells whether they still go. Returns how many."""
    result = session.execute(
        sa.update(JobRun)
        .where(
            col(JobRun.status) == JobRunStatus.RUNNING,
            col(JobRun.worker).not_in([holder, BY_HAND]),
        )
        .values(status=JobRunStatus.INTERRUPTED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _record_run(app: Flask, job: Job, worker: str) -> bool:
    """Run the job and record how it went; a failure is logged (type only) and retried
    on its next run, and never stops the other jobs."""
    with app.app_context(), db.session() as session:
        run = JobRun(job_name=job.name, worker=worker)
        session.add(run)
    message: str | None = None
    try:
        job.run(app)
    except Exception as error:  # any failure is recorded; the worker goes on
        status, message = JobRunStatus.FAILED, type(error).__name__
        log.error("job %s failed error=%s", job.name, message)
    else:
        status = JobRunStatus.OK
    with app.app_context(), db.session() as session:
        stored = session.get(JobRun, run.id)
        if stored is not None:
            stored.status, stored.error, stored.finished_at = status, message, utcnow()
            session.add(stored)
    return status == JobRunStatus.OK


def run_job(app: Flask, name: str) -> bool:
    """Run one job now, by hand; returns whether it succeeded."""
    job = JOBS.get(name)
    if job is None:
        raise UnknownJobError(name)
    return _record_run(app, job, worker=BY_HAND)


def run_if_leader(app: Flask, job: Job, worker: str) -> bool:
    """The scheduler's entry point: only the lease holder runs jobs."""
    with app.app_context(), db.session() as session:
        leader = acquire_lease(session, worker, utcnow(), ttl=lease_ttl(app))
    if not leader:
        log.debug("job %s skipped: another worker holds the lease", job.name)
        return False
    _record_run(app, job, worker)
    return True


@dataclass(frozen=True)
class JobStatus:
    job: Job
    last_started: datetime | None
    last_finished: datetime | None
    last_status: JobRunStatus | None
    last_error: str | None

    @property
    def outcome(self) -> str:
        return OUTCOMES[self.last_status] if self.last_status else ""

    @property
    def next_run(self) -> datetime | None:
        if self.last_started is None:
            return None
        return self.last_started + timedelta(seconds=self.job.every_seconds)


def job_statuses(session: Session) -> list[JobStatus]:
    """Per job its latest run, for ``jobs list`` and the beheerder."""
    statuses = []
    for job in JOBS.values():
        last = session.exec(
            select(JobRun)
            .where(JobRun.job_name == job.name)
            .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
            .limit(1)
        ).first()
        last_error = session.exec(
            select(JobRun.error)
            .where(JobRun.job_name == job.name, JobRun.status == JobRunStatus.FAILED)
            .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
            .limit(1)
        ).first()
        statuses.append(
            JobStatus(
                job=job,
                last_started=last.started_at if last else None,
                last_finished=last.finished_at if last else None,
                last_status=last.status if last else None,
                last_error=last_error,
            )
        )
    return statuses


def init_app(app: Flask) -> None:
    """Register the beheerder's job overview."""
    from niemand_alleen.jobs import views

    app.register_blueprint(views.bp)


def build_scheduler(app: Flask, worker: str, *, blocking: bool) -> BaseScheduler:
    """Every job on its interval, each run once as soon as this worker holds the lease.

    APScheduler is imported here, by the processes that schedule, not by a web worker."""
    from niemand_alleen.jobs import scheduler

    return scheduler.build_scheduler(app, worker, blocking=blocking)


def stop_scheduler(scheduler: BaseScheduler, app: Flask, worker: str) -> None:
    """The clean stop: running jobs finish first, then the lease is released."""
    from niemand_alleen.jobs import scheduler as scheduling

    scheduling.stop_scheduler(scheduler, app, worker)


from niemand_alleen.jobs.lease import worker_identity  # noqa: E402

__all__ = [
    "JOBS",
    "Job",
    "JobStatus",
    "UnknownJobError",
    "build_scheduler",
    "init_app",
    "job_statuses",
    "run_job",
    "stop_scheduler",
    "worker_identity",
]
