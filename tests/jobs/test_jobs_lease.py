"""Exactly one worker runs the jobs; runs are recorded; a failing job is retried next time."""

from __future__ import annotations

import os
import select as io_select
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import LoginAs

from niemand_alleen import create_app, jobs
from niemand_alleen.cli import main
from niemand_alleen.config import Settings
from niemand_alleen.jobs import JOBS, Job, job_statuses, run_if_leader
from niemand_alleen.jobs.lease import acquire_lease, release_lease
from niemand_alleen.models import JobRun, JobRunStatus, Role

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_only_one_holder_until_the_lease_expires(db_session: Session) -> None:
    assert acquire_lease(db_session, "worker-a", T0)
    db_session.commit()
    assert not acquire_lease(db_session, "worker-b", T0 + timedelta(seconds=30))
    assert acquire_lease(db_session, "worker-a", T0 + timedelta(seconds=60)), "renewal"
    db_session.commit()
    assert not acquire_lease(db_session, "worker-b", T0 + timedelta(seconds=120))
    # worker-a stops renewing: after the lease runs out, worker-b takes over.
    assert acquire_lease(db_session, "worker-b", T0 + timedelta(seconds=200))
    db_session.commit()
    assert not acquire_lease(db_session, "worker-a", T0 + timedelta(seconds=201))
    release_lease(db_session, "worker-b")
    db_session.commit()
    assert acquire_lease(db_session, "worker-a", T0 + timedelta(seconds=202)), "released"


def test_a_lease_taken_by_this_worker_meanwhile_counts_as_its_own(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At start-up every job of a worker asks for the lease at once: when another thread of
    the same worker creates it between this thread's update and its look-up, this thread
    is the leader too (it was told no, and that job skipped its catch-up run)."""
    from niemand_alleen.models import WorkerLease

    real_get = Session.get

    def created_meanwhile(self: Session, entity: Any, ident: Any, **kwargs: Any) -> Any:
        if entity is WorkerLease and real_get(self, entity, ident) is None:
            self.add(WorkerLease(name=ident, holder="worker-a", expires_at=T0 + timedelta(90)))
            self.flush()
        return real_get(self, entity, ident, **kwargs)

    monkeypatch.setattr(Session, "get", created_meanwhile)
    assert acquire_lease(db_session, "worker-a", T0)
    monkeypatch.undo()
    db_session.commit()
    assert not acquire_lease(db_session, "worker-b", T0 + timedelta(seconds=1))


class Counter:
    def __init__(self, fail_first: bool = False) -> None:
        self.calls = 0
        self.fail_first = fail_first

    def __call__(self, app: Flask) -> None:
        self.calls += 1
        if self.fail_first and self.calls == 1:
            raise RuntimeError("boom with a canary@example.org inside")


def test_two_workers_side_by_side_run_each_job_once(
    settings: Settings, app: Flask, db_session: Session
) -> None:
    second_app = create_app(settings)  # a second worker process on the same database
    counter = Counter()
    job = Job(name="count", run=counter, every_seconds=60, description="")
    ran = [run_if_leader(app, job, "worker-a"), run_if_leader(second_app, job, "worker-b")]
    ran += [run_if_leader(second_app, job, "worker-b"), run_if_leader(app, job, "worker-a")]
    assert ran == [True, False, False, True]
    assert counter.calls == 2
    workers = {run.worker for run in db_session.exec(select(JobRun)).all()}
    assert workers == {"worker-a"}
    second_app.extensions["database"].engine.dispose()


def test_a_failing_job_is_recorded_and_retried(
    app: Flask,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter = Counter(fail_first=True)
    job = Job(name="purge-staff-sessions", run=counter, every_seconds=900, description="x")
    monkeypatch.setitem(jobs.JOBS, job.name, job)
    assert run_if_leader(app, job, "worker-a")
    status = {s.job.name: s for s in job_statuses(db_session)}[job.name]
    assert status.last_status == JobRunStatus.FAILED
    assert status.last_error == "RuntimeError"
    assert "canary" not in caplog.text
    run_if_leader(app, job, "worker-a")
    db_session.rollback()
    status = {s.job.name: s for s in job_statuses(db_session)}[job.name]
    assert counter.calls == 2
    assert status.last_status == JobRunStatus.OK
    assert status.last_error == "RuntimeError", "the last error stays visible"
    assert status.last_started is not None
    assert status.next_run == status.last_started + timedelta(seconds=900)


def test_jobs_list_and_a_failed_run_by_hand(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    job = Job(
        name="prepare-proposals", run=Counter(fail_first=True), every_seconds=15, description="d"
    )
    monkeypatch.setitem(jobs.JOBS, job.name, job)
    runner = app.test_cli_runner()
    failed = runner.invoke(main, ["jobs", "run", "prepare-proposals"])
    assert failed.exit_code == 2
    assert "mislukt" in failed.output
    listing = runner.invoke(main, ["jobs", "list"]).output
    assert "laatste fout: RuntimeError" in listing
    assert "purge-staff-sessions" in listing
    assert "nog nooit" in listing


@pytest.mark.slow  # two worker processes
@pytest.mark.skipif(sys.platform != "linux", reason="signals and processes as on the servers")
def test_two_real_worker_processes(settings: Settings, tmp_path: Path) -> None:
    """Start `niemand-alleen worker` twice on one database: one does the work."""
    env = {
        **os.environ,
        "NIEMAND_ALLEEN_PRESET": "demo",
        "INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": settings.database_url,
    }
    command = [str(Path(sys.executable).parent / "niemand-alleen"), "worker"]
    workers = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        for _ in range(2)
    ]
    try:
        # Both must be past start-up (their SIGTERM handler set) before they are stopped: on
        # a busy machine the second one was still importing and died of the signal (-15).
        started = time.monotonic() + 60
        for worker in workers:
            assert worker.stdout is not None
            ready, _, _ = io_select.select(
                [worker.stdout], [], [], max(0, started - time.monotonic())
            )
            assert ready, "the worker did not start within a minute"
            assert "Worker gestart" in worker.stdout.readline()
        engine_url = settings.database_url
        from niemand_alleen.db import make_engine

        engine = make_engine(engine_url, immediate_writes=False)
        deadline = time.monotonic() + 30
        runs: list[JobRun] = []
        while time.monotonic() < deadline:
            with Session(engine) as session:
                runs = list(session.exec(select(JobRun)).all())
            if {run.job_name for run in runs} >= set(JOBS) and all(r.finished_at for r in runs):
                break
            time.sleep(0.5)
        time.sleep(2)  # give the second worker every chance to run a job too
        with Session(engine) as session:
            runs = list(session.exec(select(JobRun)).all())
        engine.dispose()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=15)
            if worker.stdout is not None:
                worker.stdout.close()
    assert {run.job_name for run in runs} == set(JOBS)
    assert len({run.worker for run in runs}) == 1, "only the lease holder ran jobs"
    assert len(runs) == len(JOBS), "each job ran once at start-up"
    assert all(worker.returncode == 0 for worker in workers), "SIGTERM stops cleanly"


def test_the_beheerder_sees_job_errors(
    app: Flask, client: FlaskClient, login_as: LoginAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = Job(
        name="prepare-proposals", run=Counter(fail_first=True), every_seconds=15, description="d"
    )
    monkeypatch.setitem(jobs.JOBS, job.name, job)
    run_if_leader(app, job, "worker-a")
    login_as(Role.BEHEERDER)
    page = client.get("/beheer/taken").get_data(as_text=True)
    assert "Mislukt" in page
    assert "Technische fout (RuntimeError)" in page
    # Jobs by their Dutch names; the command-line names stay off the page.
    assert "Persoonsgegevens verwijderen na de bewaartermijn" in page
    assert "purge-expired" not in page


def test_every_job_has_a_dutch_title() -> None:
    assert all(job.title and job.title[0].isupper() for job in jobs.JOBS.values())


def test_only_the_beheerder_sees_the_jobs(client: FlaskClient, login_as: LoginAs) -> None:
    login_as(Role.COORDINATOR)
    assert client.get("/beheer/taken").status_code == 403
