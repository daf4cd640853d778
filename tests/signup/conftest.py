"""Fixtures: the shipped geography and an OPEN oproep in Sterrenburg with one dispatch."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep, OpenOproepFactory, load_geography, open_oproep
from sqlmodel import Session
from support import MakeUser, PostSignup, csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.models import Role, User


@pytest.fixture
def geography(app: Flask, db_session: Session) -> Session:
    return load_geography(db_session)


@pytest.fixture
def coordinator(make_user: MakeUser) -> User:
    return make_user(Role.COORDINATOR, name="Cor de Coördinator")


@pytest.fixture
def scenario(app: Flask, geography: Session, coordinator: User) -> OpenOproep:
    return open_oproep(app, geography, coordinator)


@pytest.fixture
def open_oproep_factory(app: Flask, geography: Session, coordinator: User) -> OpenOproepFactory:
    def _make(**changes: Any) -> OpenOproep:
        return open_oproep(app, geography, coordinator, **changes)

    return _make


VALID = {
    "first_name": "Fatma",
    "last_name": "Özdemir",
    "email": "fatma.ozdemir@example.org",
    "phone": "06 12345678",
    "postcode": "3328 AB",
    "house_number": "14 b",
    "availability": "Doordeweeks na 17 uur",
    "motivation": "Ik woon hier al lang en help graag.",
    "languages": "Nederlands, Turks",
    "consent": "y",
}


@pytest.fixture
def post_signup() -> PostSignup:
    """POST the form as a browser would: fetch the page for its token, then send."""

    def _post(
        client: FlaskClient, path: str, remote_addr: str = "198.51.100.7", **changes: object
    ) -> TestResponse:
        environ = {"REMOTE_ADDR": remote_addr}
        data: dict[str, object] = {
            **VALID,
            "csrf_token": csrf_token(client, path, environ_base=environ),
        }
        for name, value in changes.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        return client.post(path, data=data, environ_base=environ)

    return _post


@pytest.fixture
def signup_values() -> dict[str, str]:
    """What a neighbour types into the form (valid; an address in Sterrenburg)."""
    return dict(VALID)
