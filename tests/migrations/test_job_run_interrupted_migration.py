"""The 'interrupted' run status arrives without a schema change, and going back turns such
runs into failed ones that the older code can read (both databases)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlmodel import Session, select

from niemand_alleen.models import JobRun, JobRunStatus
from niemand_alleen.resources import resource_dir

ADDED = "1e886d7783f2"
# The revision before it, read from the script: it moves when other migrations merge first.
BEFORE = ScriptDirectory(str(resource_dir("migrations"))).get_revision(ADDED).down_revision
assert isinstance(BEFORE, str)


def _add_run(connection: sa.Connection, job_name: str, status: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO job_run (job_name, worker, started_at, status) "
            "VALUES (:job_name, 'host:1:abc', CURRENT_TIMESTAMP, :status)"
        ),
        {"job_name": job_name, "status": status},
    )


def test_interrupted_runs_come_and_go(fresh_app: Flask) -> None:
    engine = fresh_app.extensions["database"].engine
    with fresh_app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as connection:
            _add_run(connection, "send-outbox", "ok")
        upgrade(revision=ADDED)
        with engine.begin() as connection:
            _add_run(connection, "purge-expired", "interrupted")
        with Session(engine) as session:
            statuses = {run.job_name: run.status for run in session.exec(select(JobRun))}
        assert statuses == {
            "purge-expired": JobRunStatus.INTERRUPTED,
            "send-outbox": JobRunStatus.OK,
        }

        downgrade(revision=BEFORE)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT job_name, status, error FROM job_run ORDER BY job_name")
            ).all()
        assert [tuple(row) for row in rows] == [
            ("purge-expired", "failed", "Onderbroken"),
            ("send-outbox", "ok", None),
        ]
        upgrade()
