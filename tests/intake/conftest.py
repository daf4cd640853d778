"""Fixtures for the anonymiser tests: deduce is loaded once per test session.

The lookup cache lives in ``$NA_DEDUCE_CACHE`` or, by default, ``.cache/deduce`` at the
repository root (git-ignored). The first run builds it (a few minutes); later runs load it
in seconds.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from niemand_alleen.intake.anonymiser import Anonymiser, ResidentFields

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = Path(os.environ.get("NA_DEDUCE_CACHE") or ROOT / ".cache" / "deduce")


@pytest.fixture(scope="session")
def deduce_cache_dir() -> Path:
    return CACHE_DIR


@pytest.fixture(scope="session")
def anonymiser(deduce_cache_dir: Path) -> Anonymiser:
    return Anonymiser(deduce_cache_dir)


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
