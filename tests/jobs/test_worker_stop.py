"""`niemand-alleen worker` stops within 2 s of SIGTERM when no job runs, with or without the
anonymiser loaded (issue #17): it releases its lease and then leaves without the
interpreter's teardown, which with deduce loaded would take some ten seconds more."""

from __future__ import annotations

import os
import re
import select as io_select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, select

from niemand_alleen.config import Settings
from niemand_alleen.db import make_engine
from niemand_alleen.jobs import JOBS
from niemand_alleen.models import (
    JobRun,
    JobRunStatus,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Oproep,
    Resident,
    WorkerLease,
)

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="signals and processes as on the servers"
)
STOP_SECONDS = 2.0


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


@pytest.fixture
def observer(settings: Settings, app: Flask) -> Iterator[sa.Engine]:
    """An engine that only reads (SQLite: deferred transactions), next to the worker."""
    engine = make_engine(settings.database_url, immediate_writes=False)
    yield engine
    engine.dispose()


def lease_holder(engine: sa.Engine) -> str | None:
    with Session(engine) as session:
        lease = session.exec(select(WorkerLease)).first()
        return lease.holder if lease else None


def start_worker(settings: Settings, instance: Path, **extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "NIEMAND_ALLEEN_PRESET": "demo",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
        "HASH_KEY": settings.hash_key,
        "MAIL_WRITE_EML_FILES": "false",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(settings.mail_port),
        **extra,
    }
    command = [str(Path(sys.executable).parent / "niemand-alleen"), "worker"]
    worker = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert worker.stdout is not None
    ready, _, _ = io_select.select([worker.stdout], [], [], 60)
    assert ready, "the worker starts"
    # Past start-up (its SIGTERM handler set) before the test signals it.
    assert "Worker gestart" in worker.stdout.readline()
    return worker


def caught_up(engine: sa.Engine) -> bool:
    """The worker holds the lease and ran every job once, none still running."""
    holder = lease_holder(engine)
    with Session(engine) as session:
        mine = session.exec(select(JobRun).where(JobRun.worker == holder)).all()
    return (
        holder is not None
        and {run.job_name for run in mine} == set(JOBS)
        and all(run.finished_at is not None for run in mine)
    )


def stop_and_time(worker: subprocess.Popen[str]) -> tuple[float, str]:
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=60)
    return time.monotonic() - started, output


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match
    return int(match.group(1)) / 1024


def kill(worker: subprocess.Popen[str]) -> None:
    if worker.poll() is None:
        worker.kill()
    worker.communicate(timeout=15)


def test_an_idle_worker_stops_within_2_seconds(
    settings: Settings, observer: sa.Engine, tmp_path: Path
) -> None:
    worker = start_worker(settings, tmp_path / "instance")
    try:
        wait_for(lambda: caught_up(observer), 60, "the worker ran its start-up jobs")
        elapsed, output = stop_and_time(worker)
    finally:
        kill(worker)
    assert worker.returncode == 0
    assert "Worker gestopt." in output, "the output is flushed before leaving"
    assert lease_holder(observer) is None, "the lease is released"
    assert elapsed < STOP_SECONDS, f"stopped {elapsed:.1f} s after SIGTERM"


@pytest.mark.slow  # loads the anonymiser (~10 s, ~1.2 GB)
def test_a_worker_with_the_anonymiser_loaded_stops_within_2_seconds(
    settings: Settings,
    observer: sa.Engine,
    db_session: Session,
    deduce_cache_dir: Path,
    tmp_path: Path,
) -> None:
    """A draft oproep makes the worker load the anonymiser and write its proposal; once
    that run is done, SIGTERM ends the worker at once, deduce's memory and all."""
    resident = Resident(
        first_name="Jan",
        last_name="Pietersen",
        street="Voorstraat",
        house_number="1",
        postcode="3311AB",
        phone="+31612345678",
        birth_date="1940-01-02",
        situation="Meneer Pietersen is slecht ter been en ziet weinig mensen.",
        lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
        lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
    )
    db_session.add(resident)
    db_session.flush()
    oproep = Oproep(resident_id=resident.id, pc4="3311", deadline=date.today() + timedelta(7))
    db_session.add(oproep)
    db_session.commit()

    def prepared() -> bool:
        with Session(observer) as session:
            stored = session.get(Oproep, oproep.id)
            return stored is not None and stored.proposal_checked_at is not None

    worker = start_worker(settings, tmp_path / "instance", DEDUCE_CACHE_DIR=str(deduce_cache_dir))
    try:
        wait_for(prepared, 240, "the worker loaded the anonymiser and wrote the proposal")
        wait_for(lambda: caught_up(observer), 60, "no job still running")
        assert rss_mb(worker.pid) > 500, "the anonymiser is loaded"
        elapsed, output = stop_and_time(worker)
    finally:
        kill(worker)
    assert worker.returncode == 0
    assert "Worker gestopt." in output
    assert lease_holder(observer) is None, "the lease is released"
    with Session(observer) as session:
        prepare_runs = session.exec(
            select(JobRun).where(JobRun.job_name == "prepare-proposals")
        ).all()
    assert [run.status for run in prepare_runs] == [JobRunStatus.OK]
    assert elapsed < STOP_SECONDS, f"stopped {elapsed:.1f} s after SIGTERM"
