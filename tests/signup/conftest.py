"""Fixtures: the shipped geography and an OPEN oproep in Sterrenburg with one dispatch."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from oproep_support import STERRENBURG, add_organisation, approved_oproep, load_geography
from sqlalchemy import delete
from sqlmodel import Session

from niemand_alleen.distribution.service import send_oproep
from niemand_alleen.models import Dispatch, Oproep, OutboxMail, Role, User, local_today


@dataclass
class OpenOproep:
    coordinator: User
    oproep: Oproep
    dispatch: Dispatch

    @property
    def path(self) -> str:
        return f"/aanmelden/{self.dispatch.referral_code}"


def open_oproep(app: Flask, session: Session, coordinator: User, **changes: object) -> OpenOproep:
    """An approved oproep mailed to one organisation of its wijk (so: OPEN, with a link)."""
    _, oproep = approved_oproep(app, session, coordinator, **changes)
    organisation = add_organisation(session, f"Buurthuis {oproep.id.hex[:6]}", STERRENBURG)
    with app.app_context():
        (dispatch,) = send_oproep(
            session,
            app.config["SETTINGS"],
            oproep,
            [organisation.id],
            coordinator.id,
            local_today(),
        )
    # The organisation mails are not what these tests look at.
    session.execute(delete(OutboxMail))
    session.commit()
    return OpenOproep(coordinator=coordinator, oproep=oproep, dispatch=dispatch)


@pytest.fixture
def geography(app: Flask, db_session: Session) -> Session:
    return load_geography(db_session)


@pytest.fixture
def coordinator(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.COORDINATOR, name="Cor de Coördinator")


@pytest.fixture
def scenario(app: Flask, geography: Session, coordinator: User) -> OpenOproep:
    return open_oproep(app, geography, coordinator)


@pytest.fixture
def open_oproep_factory(app: Flask, geography: Session, coordinator: User):  # type: ignore[no-untyped-def]
    def _make(**changes: object) -> OpenOproep:
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
def post_signup():  # type: ignore[no-untyped-def]
    """POST the form as a browser would: fetch the page for its token, then send."""
    from support import csrf_token

    def _post(client, path: str, remote_addr: str = "198.51.100.7", **changes: object):  # type: ignore[no-untyped-def]
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
