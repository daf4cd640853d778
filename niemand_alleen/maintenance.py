"""Maintenance services: re-encrypting personal fields after a key rotation."""

from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, SQLModel, select

from niemand_alleen.crypto import EncryptedText


def encrypted_columns() -> dict[type[SQLModel], list[str]]:
    """Every table model with its EncryptedText attributes."""
    result: dict[type[SQLModel], list[str]] = {}
    for mapper in SQLModel._sa_registry.mappers:
        names = [
            column.key
            for column in mapper.columns
            if isinstance(column.type, EncryptedText) and column.key is not None
        ]
        if names:
            result[mapper.class_] = names
    return result


def reencrypt_all(session: Session, batch_size: int = 500) -> int:
    """Rewrite every encrypted value with the primary key; returns the number of rows."""
    rows = 0
    for model, names in encrypted_columns().items():
        for record in session.exec(select(model).execution_options(yield_per=batch_size)):
            for name in names:
                if getattr(record, name) is not None:
                    flag_modified(record, name)
            rows += 1
            if rows % batch_size == 0:
                session.flush()
    session.flush()
    return rows
