"""Helpers the test modules share (importable as ``support``: pytest puts tests/ on the path)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from niemand_alleen.config import Settings
from niemand_alleen.models import OutboxMail, Role, User, Volunteer, VolunteerStatus

STAFF_PASSWORD = "een lang genoeg wachtwoord"


def csrf_token(client: FlaskClient, path: str = "/inloggen", **kwargs: Any) -> str:
    """Fetch a page and read the CSRF token from its form."""
    html = client.get(path, **kwargs).get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def login(client: FlaskClient, email: str, password: str = STAFF_PASSWORD) -> None:
    response = client.post(
        "/inloggen",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def count_statements(app: Flask, send: Callable[[], object]) -> int:
    """How many SQL statements the app runs while ``send`` runs (a request, say)."""
    seen: list[str] = []
    engine = app.extensions["database"].engine

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(seen)


# Random ids (UUIDs, with or without dashes), MIME boundaries and signed tokens in links are
# not personal data, but their characters can hold a short typed value such as "77b" or
# "1941" by chance (a boundary "===...2638306591941212608==" did): masked before logs and
# mails are searched.
_RANDOM_ID = re.compile(
    r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\b"
    r"|={3,}\d{6,}={0,3}"
    r"|(?<=/)[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_.\-]{10,}",
    re.IGNORECASE,
)


def without_random_ids(text: str) -> str:
    return _RANDOM_ID.sub("<id>", text)


_CSRF_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]*"')


def same_page(text: str) -> str:
    """``text`` without its CSRF tokens: a token is signed with the second it was made, so
    two loads of one page differ there when they fall in different seconds."""
    return _CSRF_VALUE.sub(r'\1<csrf>"', text)


def first_group(pattern: str, text: str) -> str:
    """The first group of ``pattern``'s first match in ``text``; no match fails the test."""
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not found in {text[:600]!r}"
    return found.group(1)


def view_roles(app: Flask, endpoint: str) -> frozenset[Role] | None:
    """The roles ``roles_required`` lets into the view of ``endpoint``; None for ``public``.

    Flask types its views as plain callables: the attribute the auth decorators add is
    checked here, so a view marked neither way fails the test that asks."""
    view = app.view_functions[endpoint]
    assert hasattr(view, "allowed_roles"), f"{endpoint} is marked neither public nor by role"
    roles = view.allowed_roles
    assert roles is None or isinstance(roles, frozenset), f"{endpoint}: {roles!r}"
    return roles


# What the fixtures of tests/conftest.py and the packages' conftests hand out. The conftests are
# not importable under importlib mode, so the tests annotate their fixtures with these.


class GetCsrf(Protocol):
    """The ``get_csrf`` fixture: ``csrf_token`` above."""

    def __call__(self, client: FlaskClient, path: str = "/inloggen", **kwargs: Any) -> str: ...


class MakeUser(Protocol):
    """The ``make_user`` fixture: a staff user with the (cheap) test password, committed."""

    def __call__(
        self, role: Role = Role.COORDINATOR, email: str | None = None, name: str = ...
    ) -> User: ...


class LoginAs(Protocol):
    """The ``login_as`` fixture: make a user of ``role`` and log the test client in as them."""

    def __call__(self, role: Role) -> User: ...


class Databases(Protocol):
    """The ``test_databases`` fixture: throw-away databases per backend."""

    def new_url(self, backend: str) -> str: ...


class SettingsFor(Protocol):
    """The ``settings_for`` fixture: test settings for a database, with overrides."""

    def __call__(self, tmp: Path, database_url: str, **overrides: object) -> Settings: ...


class PostSignup(Protocol):
    """tests/signup's ``post_signup``: the sign-up form posted as a browser would."""

    def __call__(
        self, client: FlaskClient, path: str, remote_addr: str = ..., **changes: object
    ) -> TestResponse: ...


class QueueMail(Protocol):
    """tests/mail's ``queue``: one committed outbox mail (with its dispatch if an oproep mail)."""

    def __call__(
        self,
        number: int,
        *,
        recipient: str | None = None,
        organisation: bool = False,
        next_attempt_at: datetime | None = None,
        dispatch_id: uuid.UUID | None = None,
    ) -> OutboxMail: ...


class AddNeighbour(Protocol):
    """tests/matching's ``add_neighbour``: a confirmed sign-up ``offset_m`` from the resident."""

    def __call__(
        self,
        oproep_id: uuid.UUID | None,
        offset_m: float = 0.0,
        *,
        email: str | None = None,
        minutes: int = 0,
        status: VolunteerStatus = VolunteerStatus.CONFIRMED,
        contact_again: bool = False,
        located: bool = True,
        wijk_code: str | None = ...,
        outside_area: bool = False,
    ) -> Volunteer: ...
