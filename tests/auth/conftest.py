"""Cheap argon2 parameters for these tests: real hashing takes ~0.3 s per login.

Only the cost factors change (still argon2id, still a dummy hash for unknown accounts); the
production parameters are checked in tests/auth/test_user_admin.py.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from niemand_alleen.auth import passwords

_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_FAST_DUMMY = _FAST.hash("dummy password for unknown accounts")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", _FAST)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: _FAST_DUMMY)
