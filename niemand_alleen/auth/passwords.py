"""Password hashing (argon2id) and the password policy; no Flask here."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128

# A handful of passwords that people in this sector really use; the length rule catches most.
COMMON_PASSWORDS = frozenset(
    {
        "welkom123456",
        "wachtwoord123",
        "wachtwoord1234",
        "welkomwelkom",
        "dordrecht123",
        "dordrecht2024",
        "dordrecht2025",
        "dordrecht2026",
        "niemandalleen",
        "niemandalleen1",
        "qwertyuiop12",
        "123456789012",
        "password1234",
        "passwordpassword",
    }
)

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so timing does not reveal that.

    Made on first use: hashing costs about a quarter second, too much for every start-up.
    """
    return _hasher.hash(secrets.token_urlsafe(16))


class PasswordPolicyError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_password_policy(password: str) -> None:
    """No composition rules (ASVS 6.2.5): long enough, not too long, not a known one."""
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens.")
    if len(password) > MAX_LENGTH:
        raise PasswordPolicyError(f"Kies een wachtwoord van hoogstens {MAX_LENGTH} tekens.")
    if password.strip().casefold() in COMMON_PASSWORDS:
        raise PasswordPolicyError("Dit wachtwoord is te bekend. Kies een ander wachtwoord.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for new accounts, printed once."""
    return secrets.token_urlsafe(15)
