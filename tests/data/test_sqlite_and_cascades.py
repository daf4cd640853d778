"""SQLite is configured for several writers, and deletes cascade as declared (R3.4.1–R3.4.3)."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlmodel import Session, col, delete, func, select
from support import Databases

from niemand_alleen import create_app
from niemand_alleen.config import load_settings
from niemand_alleen.db import LOCK_TIMEOUT_MS, make_engine
from niemand_alleen.models import (
    Dispatch,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Match,
    Oproep,
    Organisation,
    Resident,
    Volunteer,
)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    yield engine
    engine.dispose()


PRAGMAS = ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")


def pragmas(connection: sa.Connection) -> dict[str, object]:
    return {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in PRAGMAS}


def raw_pragmas(dbapi_connection: DBAPIConnection) -> dict[str, object]:
    cursor = dbapi_connection.cursor()
    values = {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS}
    cursor.close()
    return values


EXPECTED = {
    "journal_mode": "wal",
    "busy_timeout": LOCK_TIMEOUT_MS,
    "foreign_keys": 1,
    "synchronous": 1,
}


def test_every_pooled_connection_has_the_pragmas(sqlite_engine: sa.Engine) -> None:
    """R3.4.1: WAL, a busy timeout of at least 5 s, foreign keys on, synchronous=NORMAL."""
    assert LOCK_TIMEOUT_MS >= 5000
    # Two connections open at once are two distinct pooled connections, each set up on connect.
    first, second = sqlite_engine.raw_connection(), sqlite_engine.raw_connection()
    assert first.dbapi_connection is not second.dbapi_connection
    assert raw_pragmas(first) == EXPECTED
    assert raw_pragmas(second) == EXPECTED
    first.close()
    second.close()
    with sqlite_engine.connect() as reused:  # handed out again from the pool
        assert pragmas(reused) == EXPECTED


def test_the_app_engine_is_set_up_the_same_way(test_databases: Databases, tmp_path: Path) -> None:
    settings = load_settings("test", environ={}, instance_path=tmp_path).with_overrides(
        database_url=test_databases.new_url("sqlite")
    )
    app = create_app(settings)
    engine = app.extensions["database"].engine
    with engine.connect() as connection:
        assert pragmas(connection) == EXPECTED
    engine.dispose()


def test_two_threads_read_then_write_without_database_is_locked(sqlite_engine: sa.Engine) -> None:
    """R3.4.2: BEGIN IMMEDIATE makes the second writer wait instead of failing, and no update
    is lost (each thread reads the counter, pauses, then writes counter + 1)."""
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"
        )
        connection.exec_driver_sql("INSERT INTO counter (id, n) VALUES (1, 0)")

    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def read_then_write() -> None:
        try:
            start.wait(timeout=5)
            with sqlite_engine.begin() as connection:
                value = connection.exec_driver_sql(
                    "SELECT n FROM counter WHERE id = 1"
                ).scalar_one()
                time.sleep(0.2)  # the other thread starts its transaction meanwhile
                connection.exec_driver_sql("UPDATE counter SET n = ? WHERE id = 1", (value + 1,))
        except BaseException as error:  # collected and asserted in the main thread
            errors.append(error)

    threads = [threading.Thread(target=read_then_write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM counter").scalar_one() == 2


def test_a_writer_waits_for_the_lock_until_the_timeout_and_then_fails(tmp_path: Path) -> None:
    """A write lock held by another process's connection: the writer keeps trying until
    the lock timeout, then fails with SQLAlchemy's OperationalError (which the sign-up turns
    into "probeer het zo nog eens"); the connection's busy timeout is restored afterwards, and
    once the lock is free the same engine writes."""
    path = tmp_path / "locked.sqlite3"
    engine = make_engine(f"sqlite:///{path}", lock_timeout_ms=300)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE item (id INTEGER PRIMARY KEY)")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError, match="locked"), engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO item (id) VALUES (1)")
    waited = time.monotonic() - started
    assert 0.3 <= waited < 3
    holder.execute("ROLLBACK")
    holder.close()

    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    releases = threading.Timer(0.1, lambda: blocker.execute("ROLLBACK"))
    releases.start()
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO item (id) VALUES (2)")
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 300
    releases.join()
    blocker.close()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT id FROM item").scalars().all() == [2]
    engine.dispose()


def test_deleting_an_oproep_cascades_and_a_resident_unlinks(
    app: Flask, db_session: Session
) -> None:
    """R3.4.3 on both databases: foreign keys are really enforced, so erasure leaves no orphans.

    Oproep → Dispatch and Match rows go with it; Resident → its oproep stays, unlinked.
    """
    organisation = Organisation(name="Buurtkerk", contact_emails="info@example.org")
    resident = Resident(
        first_name="A",
        last_name="B",
        street="C",
        house_number="1",
        postcode="3311AB",
        phone="0612345678",
        birth_date="1940-01-01",
        situation="x",
        lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
        lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
    )
    volunteer = Volunteer(
        first_name="K",
        last_name="L",
        email="k@example.org",
        email_hash="h" * 64,
        phone="0612345679",
        postcode="3311AC",
        house_number="2",
    )
    db_session.add_all([organisation, resident, volunteer])
    db_session.flush()
    oproep = Oproep(resident_id=resident.id, pc4="3311")
    db_session.add(oproep)
    db_session.flush()
    db_session.add(
        Dispatch(oproep_id=oproep.id, organisation_id=organisation.id, referral_code="ref-1")
    )
    db_session.add(Match(oproep_id=oproep.id, volunteer_id=volunteer.id, rank=1))
    db_session.commit()

    db_session.execute(delete(Resident).where(col(Resident.id) == resident.id))
    db_session.commit()
    kept = db_session.get(Oproep, oproep.id)
    assert kept is not None
    db_session.refresh(kept)
    assert kept.resident_id is None

    db_session.execute(delete(Oproep).where(col(Oproep.id) == oproep.id))
    db_session.commit()
    assert db_session.exec(select(func.count()).select_from(Dispatch)).one() == 0
    assert db_session.exec(select(func.count()).select_from(Match)).one() == 0
    assert db_session.exec(select(func.count()).select_from(Organisation)).one() == 1
    assert db_session.exec(select(func.count()).select_from(Volunteer)).one() == 1
    db_session.commit()


def test_a_dangling_reference_is_refused(db_session: Session) -> None:
    """With foreign keys off, SQLite would silently store a dispatch for a missing oproep."""
    db_session.add(
        Dispatch(oproep_id=uuid.uuid4(), organisation_id=uuid.uuid4(), referral_code="ref-2")
    )
    with pytest.raises(sa.exc.IntegrityError):
        db_session.commit()
    db_session.rollback()
