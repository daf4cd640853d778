"""Login throttling is shared by every web worker and does not reveal accounts (R3.6.1, ASVS 6.3.1).

Two app instances built from the same settings stand in for two gunicorn workers: each has its
own engine and connection pool, and the only thing they share is the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, func, select
from support import csrf_token
from werkzeug.test import TestResponse

from niemand_alleen import create_app
from niemand_alleen.auth.service import (
    ThrottlePolicy,
    account_key,
    create_user,
    required_wait_seconds,
)
from niemand_alleen.config import Settings
from niemand_alleen.models import LoginAttempt, Role, User, UserSession, utcnow

PASSWORD = "een lang genoeg wachtwoord voor de rem"
WRONG = "dit wachtwoord is fout"
THROTTLED = "Er is te vaak een verkeerd wachtwoord gebruikt."


@pytest.fixture
def second_worker(app: Flask, settings: Settings) -> Iterator[Flask]:
    other = create_app(settings)
    assert other.extensions["database"].engine is not app.extensions["database"].engine
    yield other
    other.extensions["database"].engine.dispose()


@pytest.fixture
def staff(db_session: Session) -> User:
    user = create_user(
        db_session,
        email="pieter@example.org",
        name="Pieter Bakker",
        role=Role.BUURTWERKER,
        password=PASSWORD,
    )
    db_session.commit()
    return user


def attempt(client: FlaskClient, email: str, password: str) -> TestResponse:
    return client.post(
        "/inloggen", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )


def page_text(response: TestResponse, typed_email: str) -> str:
    html = re.sub(
        r'name="csrf_token" type="hidden" value="[^"]*"', "", response.get_data(as_text=True)
    )
    return html.replace(typed_email, "<typed>")


def age_attempts(app: Flask, seconds: int) -> None:
    """Move every recorded attempt back in time, as if the client had waited."""
    with Session(app.extensions["database"].engine) as session:
        for row in session.exec(select(LoginAttempt)).all():
            row.attempted_at -= timedelta(seconds=seconds)
            session.add(row)
        session.commit()


def count(app: Flask, model: type) -> int:
    with Session(app.extensions["database"].engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_ten_failures_over_two_workers_block_the_eleventh_attempt(
    app: Flask, second_worker: Flask, staff: User
) -> None:
    """After 10 failures spread over two workers, even the right password gets 429 for now."""
    workers = [app.test_client(), second_worker.test_client()]
    # Case and spaces do not make a new account key.
    typed = ["pieter@example.org", "PIETER@example.org", " Pieter@Example.org "]
    for number in range(10):
        response = attempt(workers[number % 2], typed[number % 3], WRONG)
        assert response.status_code == 200, number
        assert "klopt niet" in response.get_data(as_text=True)
    assert count(app, LoginAttempt) == 10

    for client in workers:
        blocked = attempt(client, "pieter@example.org", PASSWORD)
        assert blocked.status_code == 429
        text = blocked.get_data(as_text=True)
        assert THROTTLED in text
        assert "Probeer het over 1 minuut opnieuw." in text
    assert count(app, UserSession) == 0

    # The wait is 30 s; 29 s later it is still on, 31 s later the right password works again.
    age_attempts(app, 29)
    assert attempt(workers[0], "pieter@example.org", PASSWORD).status_code == 429
    age_attempts(app, 2)
    assert attempt(workers[1], "pieter@example.org", PASSWORD).status_code == 302
    assert count(app, UserSession) == 1


def test_unknown_address_is_throttled_exactly_like_a_real_account(
    app: Flask, second_worker: Flask, staff: User
) -> None:
    """No account enumeration through the throttle: same statuses, same pages, same limit."""
    workers = [app.test_client(), second_worker.test_client()]

    def run(email: str) -> list[tuple[int, str]]:
        answers = []
        for number in range(11):
            response = attempt(workers[number % 2], email, WRONG)
            answers.append((response.status_code, page_text(response, email)))
        return answers

    known = run("pieter@example.org")
    unknown = run("niet.bestaand@example.org")
    assert [status for status, _ in known] == [200] * 10 + [429]
    assert known == unknown


def test_a_successful_login_resets_the_count(app: Flask, second_worker: Flask, staff: User) -> None:
    """9 failures, a success, 9 more failures: the next try is not throttled (18 > 10 in total)."""
    workers = [app.test_client(), second_worker.test_client()]
    for number in range(9):
        assert attempt(workers[number % 2], staff.email, WRONG).status_code == 200
    assert attempt(workers[0], staff.email, PASSWORD).status_code == 302
    for number in range(9):
        assert attempt(workers[number % 2], staff.email, WRONG).status_code == 200
    assert attempt(workers[1], staff.email, PASSWORD).status_code == 302


def test_the_throttle_is_per_account(app: Flask, staff: User) -> None:
    """Someone hammering another address does not lock this user out."""
    client = app.test_client()
    for _ in range(11):
        attempt(client, "iemand.anders@example.org", WRONG)
    assert attempt(client, "iemand.anders@example.org", WRONG).status_code == 429
    assert attempt(app.test_client(), staff.email, PASSWORD).status_code == 302


def test_the_delay_doubles_and_is_capped(app: Flask, db_session: Session) -> None:
    """Checked on the throttle's own clock: 30 s after 10 failures, doubling, at most the cap."""
    policy = ThrottlePolicy(free_failures=10, base_delay_seconds=30, max_delay_seconds=900)
    key = account_key("klok@example.org")
    now = utcnow()

    def add_failures(number: int) -> None:
        for _ in range(number):
            db_session.add(LoginAttempt(account_key=key, attempted_at=now, succeeded=False))
        db_session.commit()

    add_failures(9)
    assert required_wait_seconds(db_session, key, policy, now=now) == 0
    add_failures(1)
    assert required_wait_seconds(db_session, key, policy, now=now) == 30
    assert required_wait_seconds(db_session, key, policy, now=now + timedelta(seconds=20)) == 10
    assert required_wait_seconds(db_session, key, policy, now=now + timedelta(seconds=30)) == 0
    add_failures(2)
    assert required_wait_seconds(db_session, key, policy, now=now) == 120
    add_failures(20)
    assert required_wait_seconds(db_session, key, policy, now=now) == 900
    # Failures older than the 24-hour window no longer count.
    later = now + policy.window + timedelta(seconds=1)
    assert required_wait_seconds(db_session, key, policy, now=later) == 0
    db_session.rollback()
    assert (
        db_session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(col(LoginAttempt.account_key) == key)
        ).one()
        == 32
    )
