"""Fixtures for the anonymiser tests (the ``anonymiser`` itself is in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from niemand_alleen.anonymiser import ResidentFields

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def quality_bench() -> ModuleType:
    """bench/anonymiser_quality.py, the scorer the quality tests share with the benchmark."""
    spec = importlib.util.spec_from_file_location(
        "anonymiser_quality_bench", ROOT / "bench" / "anonymiser_quality.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def jansen() -> ResidentFields:
    return ResidentFields(
        first_name="Wilhelmina",
        last_name="Jansen",
        street="Dordwijklaan",
        house_number="14a",
        postcode="3317AB",
        phone="+31612345678",
        email="w.jansen@example.nl",
        birth_date=dt.date(1941, 4, 3),
    )
