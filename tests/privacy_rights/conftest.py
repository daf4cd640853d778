"""The canary world of tests/privacy_support.py as a fixture."""

from __future__ import annotations

import pytest
from privacy_support import World, seed_world
from sqlmodel import Session


@pytest.fixture
def world(db_session: Session) -> World:
    return seed_world(db_session)
