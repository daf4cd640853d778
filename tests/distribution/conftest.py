"""Fixtures: the shipped geography and an approved oproep in Sterrenburg."""

from __future__ import annotations

import pytest
from flask import Flask
from oproep_support import STERRENBURG, Scenario, approved_oproep, load_geography
from sqlmodel import Session
from support import MakeUser

from niemand_alleen.models import Role


@pytest.fixture
def geography(app: Flask, db_session: Session) -> Session:
    return load_geography(db_session)


@pytest.fixture
def scenario(app: Flask, geography: Session, make_user: MakeUser) -> Scenario:
    coordinator = make_user(Role.COORDINATOR, name="Cor de Coördinator")
    resident, oproep = approved_oproep(app, geography, coordinator)
    assert oproep.wijk_code == STERRENBURG
    return Scenario(coordinator=coordinator, resident=resident, oproep=oproep)
