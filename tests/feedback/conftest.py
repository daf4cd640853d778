"""Fixtures: a matched oproep with its confirmed good neighbour, and a closed oproep with the
organisations it was sent to (one unsubscribed since)."""

from __future__ import annotations

import pytest
from feedback_support import Closed, Matched, closed_oproep, matched_oproep
from flask import Flask
from sqlmodel import Session


@pytest.fixture
def matched(app: Flask, db_session: Session) -> Matched:
    return matched_oproep(db_session)


@pytest.fixture
def closed(app: Flask, db_session: Session) -> Closed:
    return closed_oproep(db_session)
