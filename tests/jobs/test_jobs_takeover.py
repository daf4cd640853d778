"""A worker that dies lets the next one take over: its runs show as interrupted, and the
new worker catches up as soon as it holds the lease. A clean stop releases the lease."""

from __future__ import annotations

import os
import select as io_select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import LoginAs

from niemand_alleen import create_app
from niemand_alleen.cli import main
from niemand_alleen.config import Settings, load_settings
from niemand_alleen.db import make_engine
from niemand_alleen.jobs import JOBS, job_statuses
from niemand_alleen.jobs.lease import LEASE_SECONDS
from niemand_alleen.jobs.scheduler import build_scheduler
from niemand_alleen.mail.outbox import RenderedMail, queue_mail
from niemand_alleen.models import JobRun, JobRunStatus, Role, WorkerLease, utcnow

linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="signals and processes as on the servers"
)
# Short enough for a test to see a dead worker's lease run out; production keeps 90 s.
TEST_LEASE_SECONDS = 3


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


def runs(engine: sa.Engine) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun)).all())


def lease_holder(engine: sa.Engine) -> str | None:
    with Session(engine) as session:
        lease = session.exec(select(WorkerLease)).first()
        return lease.holder if lease else None


def first_line(process: subprocess.Popen[str], seconds: float) -> str:
    """The first line only: ``select`` cannot see lines that ``readline`` already buffered."""
    assert process.stdout is not None
    ready, _, _ = io_select.select([process.stdout], [], [], seconds)
    assert ready, f"no output within {seconds} s"
    return process.stdout.readline()


def accepting(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=15)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture
def observer(settings: Settings, app: Flask) -> Iterator[sa.Engine]:
    """An engine that only reads (SQLite: deferred transactions), next to the workers."""
    engine = make_engine(settings.database_url, immediate_writes=False)
    yield engine
    engine.dispose()


def test_the_lease_lasts_90_seconds_unless_configured(tmp_path: Path) -> None:
    assert LEASE_SECONDS == 90
    assert load_settings("test", environ={}, instance_path=tmp_path).scheduler_lease_seconds == 90
    configured = load_settings(
        "test", environ={"SCHEDULER_LEASE_SECONDS": "3"}, instance_path=tmp_path
    )
    assert configured.scheduler_lease_seconds == 3


def test_jobs_wait_for_the_lease_then_catch_up_once(
    settings: Settings, observer: sa.Engine, db_session: Session
) -> None:
    """A dead worker's lease still runs for a moment: the jobs wait for it, then each runs
    once (the catch-up), and the dead worker's unfinished run is marked interrupted."""
    expires = utcnow() + timedelta(seconds=2)
    db_session.add(WorkerLease(name="scheduler", holder="dead-worker", expires_at=expires))
    db_session.add(JobRun(job_name="purge-expired", worker="dead-worker"))
    db_session.add(JobRun(job_name="purge-expired", worker="hand"))  # `jobs run` by hand
    db_session.commit()
    app = create_app(settings.with_overrides(scheduler_lease_seconds=TEST_LEASE_SECONDS))
    scheduler = build_scheduler(app, "worker-a", blocking=False)
    try:
        scheduler.start()
        for name in JOBS:
            job = scheduler.get_job(name)
            assert job.misfire_grace_time >= 3600
            assert job.coalesce
        while utcnow() < expires - timedelta(seconds=0.5):
            assert not [run for run in runs(observer) if run.worker == "worker-a"]
            time.sleep(0.1)

        def caught_up() -> bool:
            mine = [run for run in runs(observer) if run.worker == "worker-a"]
            done = {run.job_name for run in mine}
            return done == set(JOBS) and all(run.finished_at for run in mine)

        wait_for(caught_up, 20, "every job ran once after the lease ran out")
    finally:
        scheduler.shutdown(wait=True)
        app.extensions["database"].engine.dispose()
    by_worker = {(run.worker, run.status) for run in runs(observer) if run.worker != "worker-a"}
    assert by_worker == {("dead-worker", JobRunStatus.INTERRUPTED), ("hand", JobRunStatus.RUNNING)}
    mine = [run for run in runs(observer) if run.worker == "worker-a"]
    assert len(mine) == len(JOBS), "each job ran once"
    assert lease_holder(observer) == "worker-a"


def test_an_interrupted_run_is_shown_as_onderbroken(
    app: Flask, db_session: Session, client: FlaskClient, login_as: LoginAs
) -> None:
    db_session.add(JobRun(job_name="purge-expired", worker="dead", status=JobRunStatus.INTERRUPTED))
    db_session.commit()
    assert {s.job.name: s for s in job_statuses(db_session)}["purge-expired"].outcome == (
        "onderbroken"
    )
    listing = app.test_cli_runner().invoke(main, ["jobs", "list"]).output
    assert "onderbroken" in listing
    login_as(Role.BEHEERDER)
    page = client.get("/beheer/taken").get_data(as_text=True)
    assert "Onderbroken" in page


def _worker_environment(settings: Settings, instance: Path, mail_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "NIEMAND_ALLEEN_PRESET": "demo",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": settings.database_url,
        # The test's own keys, so the worker can read the mail the test queued.
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
        "HASH_KEY": settings.hash_key,
        "MAIL_WRITE_EML_FILES": "false",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail_port),
        "MAIL_TIMEOUT_SECONDS": "60",
        "SCHEDULER_LEASE_SECONDS": str(TEST_LEASE_SECONDS),
    }


def _start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    command = [str(Path(sys.executable).parent / "niemand-alleen"), "worker"]
    worker = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    # Past start-up (its SIGTERM handler set) before the test signals it.
    assert "Worker gestart" in first_line(worker, 60)
    return worker


@pytest.mark.slow  # worker processes, one of them killed and taken over
@linux_only
def test_a_killed_worker_is_taken_over_and_its_run_interrupted(
    settings: Settings, observer: sa.Engine, db_session: Session, tmp_path: Path
) -> None:
    """`kill -9` in the middle of sending mail: the next worker takes the lease as soon as
    it runs out (not after 90 s), marks the killed run interrupted and catches up."""
    queue_mail(
        db_session,
        idempotency_key="takeover-test",
        kind="test",
        recipient="buur@example.org",
        mail=RenderedMail(subject="Onderwerp", body_text="Tekst", body_html=None),
    )
    db_session.commit()
    # A mail server that takes the connection and never answers: sending hangs.
    silent_server = socket.create_server(("127.0.0.1", 0), backlog=8)
    port = silent_server.getsockname()[1]
    env = _worker_environment(settings, tmp_path / "instance", port)
    first = second = None
    try:
        first = _start_worker(env)

        def sending() -> bool:
            mine = {run.job_name: run for run in runs(observer)}
            if set(mine) != set(JOBS):
                return False
            others = [run for name, run in mine.items() if name != "send-outbox"]
            sending = mine["send-outbox"].status == JobRunStatus.RUNNING
            return sending and all(run.finished_at for run in others)

        wait_for(sending, 30, "the first worker ran its start-up jobs and is sending")
        ready, _, _ = io_select.select([silent_server], [], [], 10)
        assert ready, "the worker connects to the mail server"
        killed = lease_holder(observer)
        assert killed is not None
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=15)
        silent_server.close()  # from now on the mail server refuses: sending fails fast

        started = time.monotonic()
        second = _start_worker(env)

        def caught_up() -> bool:
            holder = lease_holder(observer)
            after = [run for run in runs(observer) if run.worker == holder]
            return (
                holder not in (None, killed)
                and {run.job_name for run in after} == set(JOBS)
                and all(run.finished_at for run in after)
            )

        wait_for(caught_up, 30, "the second worker took over and caught up")
        assert time.monotonic() - started < 30, "well within the 90 s production lease"
        killed_runs = [run for run in runs(observer) if run.worker == killed]
        assert {run.job_name for run in killed_runs} == set(JOBS)
        outcome = {run.job_name: run.status for run in killed_runs}
        assert outcome.pop("send-outbox") == JobRunStatus.INTERRUPTED
        assert set(outcome.values()) == {JobRunStatus.OK}

        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        assert lease_holder(observer) is None, "a clean stop releases the lease"
        assert all(run.status != JobRunStatus.RUNNING for run in runs(observer))
    finally:
        silent_server.close()
        for worker in (first, second):
            if worker is not None:
                stop(worker)


@linux_only
def test_the_demo_releases_its_lease_on_sigterm(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "SCHEDULER_LEASE_SECONDS": str(TEST_LEASE_SECONDS),
    }
    env.pop("DATABASE_URL", None)  # the demo's own SQLite file in the instance folder
    command = [str(Path(sys.executable).parent / "niemand-alleen"), "demo", "--port", str(port)]
    demo = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    engine = make_engine(f"sqlite:///{instance / 'niemand-alleen.sqlite3'}", immediate_writes=False)
    try:
        # Serving means migrated and scheduling: only then is there a lease table to read.
        wait_for(lambda: accepting(port) or demo.poll() is not None, 60, "the demo serves")
        assert demo.poll() is None, "the demo runs"
        wait_for(lambda: lease_holder(engine) is not None, 20, "the demo holds the lease")
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0
        assert lease_holder(engine) is None
    finally:
        stop(demo)
        engine.dispose()
