"""Engine and sessions: one session per request (or job), committed once at its boundary.

Services receive the session as an argument and only ``flush()``; the request commits after a
successful view and rolls back otherwise. SQLite gets WAL, a busy timeout, foreign keys and
``BEGIN IMMEDIATE`` (a deferred read-to-write upgrade fails at once, ignoring the timeout),
which waits for the write lock in short naps of its own (``_begin_immediate``).
A new SQLite database file is created owner-only (0600), whatever the process's umask.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_app_context
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

LOCK_TIMEOUT_MS = 5000
# Execution option of ``Database.read_connection``: a deferred BEGIN on SQLite.
READ_ONLY_OPTION = "niemand_alleen_read_only"
# How long a writer that finds the SQLite write lock taken waits before it tries again: the
# first naps short, then every millisecond until the lock timeout.
WRITE_LOCK_NAPS_S = (0.0001, 0.0002, 0.0005, 0.001)
SQLITE_BUSY = 5  # the primary result code of a taken lock (``sqlite_errorcode & 0xFF``)


def _begin_immediate(connection: sa.Connection, lock_timeout_ms: int) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock in naps of at most 1 ms.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... up to 100 ms between its
    tries: a writer queued behind another oversleeps the moment the lock is free, and one
    that keeps waking just after a busy neighbour took the lock again waits hundreds of ms
    (the sign-up's p99 under load). So the busy timeout is off while this waits, and the
    statement that ends the wait (or gives up at the lock timeout) goes through SQLAlchemy,
    so a lock never freed is its usual ``OperationalError``."""
    raw = connection.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + lock_timeout_ms / 1000
        attempt = 0
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as busy:
                if busy.sqlite_errorcode & 0xFF != SQLITE_BUSY:
                    raise
            time.sleep(WRITE_LOCK_NAPS_S[min(attempt, len(WRITE_LOCK_NAPS_S) - 1)])
            attempt += 1
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")


def _configure_sqlite(engine: Engine, *, immediate: bool, lock_timeout_ms: int) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event, not pysqlite, decide when a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        reading = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        if immediate and not reading:
            _begin_immediate(connection, lock_timeout_ms)
        else:
            connection.exec_driver_sql("BEGIN")


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for other databases and in-memory ones."""
    url = sa.engine.make_url(database_url)
    name = url.database
    if not url.drivername.startswith("sqlite") or not name or name == ":memory:":
        return None
    if name.startswith("file:") or url.query.get("uri"):
        return None  # a URI filename: SQLite reads the path from it, not us
    return Path(name)


def _create_private(path: Path) -> None:
    """Create the database file owner-only before SQLite does: SQLite would use the umask,
    and gives its -wal and -shm files the database file's mode."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except (FileExistsError, FileNotFoundError):
        return  # there already, or no folder for it: SQLite opens it or says why not
    os.close(descriptor)


def make_engine(
    url: str, *, immediate_writes: bool = True, lock_timeout_ms: int = LOCK_TIMEOUT_MS
) -> Engine:
    """The engine for a database URL.

    ``immediate_writes=False`` (SQLite only) starts deferred transactions that do not hold
    the write lock while reading: for read-mostly observers such as tests' own sessions.
    ``lock_timeout_ms``: how long a statement waits for a lock before it fails (SQLite's
    busy timeout, PostgreSQL's ``lock_timeout``), so a request never hangs on one.
    """
    # hide_parameters: bound values (personal data, tokens) never end up in error messages/logs.
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": lock_timeout_ms / 1000},
            hide_parameters=True,
        )
        _configure_sqlite(engine, immediate=immediate_writes, lock_timeout_ms=lock_timeout_ms)
        database = sqlite_file(url)
        if database is not None:
            sa.event.listen(engine, "do_connect", lambda *_: _create_private(database))
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"options": f"-c lock_timeout={int(lock_timeout_ms)}"},
    )


class StorageUnavailable(Exception):
    """The database is locked beyond the lock timeout, full, or gone: nothing was stored."""


def commit_request_now() -> None:
    """Commit the request's session inside the view instead of after it, for a form whose
    page must still be shown with what was typed when storing fails (one commit per request
    all the same: the later commit finds nothing to do). Rolls back and raises
    ``StorageUnavailable`` when the database cannot take the write."""
    session: Session | None = g.get("db_session")
    if session is None:
        return
    try:
        session.commit()
    except sa.exc.OperationalError as failed:
        session.rollback()
        raise StorageUnavailable(type(failed.orig).__name__) from None


@contextmanager
def storing() -> Iterator[None]:
    """Statements that write: a locked or full database becomes ``StorageUnavailable``
    (after a rollback), which the view answers with its form and a request to try again."""
    try:
        yield
    except sa.exc.OperationalError as failed:
        request_session().rollback()
        raise StorageUnavailable(type(failed.orig).__name__) from None


class Database:
    """The database extension: engine, metadata (for Flask-Migrate) and sessions.

    Every app gets its own bound ``Database`` in ``app.extensions["database"]``; the shared
    unbound instance (``niemand_alleen.db``) resolves to the current app's, so two apps in
    one process (tests, a CLI next to a worker) never talk to each other's database.
    """

    metadata = SQLModel.metadata

    def __init__(self, engine: Engine | None = None) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        if self._engine is not None:
            return self._engine
        if has_app_context():
            return database().engine
        raise RuntimeError("no database outside an app context")

    def init_app(self, app: Flask, url: str, *, lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> None:
        app.extensions["database"] = Database(make_engine(url, lock_timeout_ms=lock_timeout_ms))
        app.after_request(_commit_request_session)
        app.teardown_appcontext(_close_request_session)

    @contextmanager
    def read_connection(self) -> Iterator[sa.Connection]:
        """A Core connection that only reads, for the busiest public pages (an ORM session
        costs more there than the queries). Closing it ends its transaction. On SQLite the
        transaction is deferred: it neither takes nor waits for the write lock (WAL readers
        see the last commit); writing in it would fail at once when another writer is busy."""
        with self.engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
            yield connection

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for a job or command: commit on success, roll back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


def database() -> Database:
    db: Database = current_app.extensions["database"]
    return db


def request_session() -> Session:
    """The session of the current request, created on first use."""
    if "db_session" not in g:
        g.db_session = Session(database().engine, expire_on_commit=False)
    session: Session = g.db_session
    return session


def _commit_request_session(response: Response) -> Response:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return response
    try:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
    return response


def _close_request_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
