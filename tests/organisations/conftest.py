"""Fixtures for the organisation tests: the shipped Dordrecht wijken and a logged-in beheerder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factories
import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from niemand_alleen.geo import AreaKind, load_area_geojson
from niemand_alleen.geo.gazetteer import WIJKEN_FILE
from niemand_alleen.models import Organisation, Role, User
from niemand_alleen.reference import import_reference
from niemand_alleen.resources import resource_dir

STERRENBURG = "WK050509"


@pytest.fixture
def wijken(db_session: Session) -> None:
    """The 13 Dordrecht wijken (no buurten or points: organisations only need wijken)."""
    import_reference(
        db_session,
        wijken=load_area_geojson(resource_dir("postcodes") / WIJKEN_FILE, AreaKind.WIJK),
        source="test",
    )
    db_session.commit()


@pytest.fixture
def beheerder(client: FlaskClient, login_as: Callable[[Role], User], wijken: None) -> User:
    return login_as(Role.BEHEERDER)


@pytest.fixture
def make_organisation(db_session: Session) -> Callable[..., Organisation]:
    def _make(
        name: str = "Buurtkerk De Ark",
        emails: tuple[str, ...] = ("info@ark.example.org",),
        wijken: tuple[str, ...] = (STERRENBURG,),
        **fields: Any,
    ) -> Organisation:
        return factories.organisation(db_session, name, *wijken, emails=emails, **fields)

    return _make
