"""Encryption at rest for personal fields, and keyed hashes for equality lookups.

Fernet (AES-128-CBC + HMAC-SHA256) through MultiFernet: the first configured key encrypts,
every key decrypts, so keys can be rotated by prepending a new one and re-encrypting.
The keyring is process-wide because SQLAlchemy column types have no access to the app;
``configure_keyring`` is called by the app factory and by the worker.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Dialect


class KeyringNotConfiguredError(RuntimeError):
    pass


class Keyring:
    def __init__(self, encryption_keys: Sequence[str], hash_key: str) -> None:
        self._fernet = MultiFernet([Fernet(key.encode()) for key in encryption_keys])
        self._hash_key = hash_key.encode()

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            # Never include the token: it would leak ciphertext into logs.
            raise ValueError("stored value cannot be decrypted with the configured keys") from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the primary key (no-op in meaning, new ciphertext)."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def lookup_hash(self, value: str) -> str:
        """Keyed hash of a normalised value, for equality lookups without decrypting."""
        normalised = unicodedata.normalize("NFKC", value).strip().casefold()
        return hmac.new(self._hash_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


_keyring: Keyring | None = None


def configure_keyring(encryption_keys: Sequence[str], hash_key: str) -> Keyring:
    global _keyring
    _keyring = Keyring(encryption_keys, hash_key)
    return _keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise KeyringNotConfiguredError("configure_keyring() has not been called")
    return _keyring


def lookup_hash(value: str) -> str:
    return keyring().lookup_hash(value)


class EncryptedText(sa.types.TypeDecorator[str]):
    """A text column whose value is stored as a Fernet token."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring().decrypt(value)

    def __repr__(self) -> str:
        return "EncryptedText()"
