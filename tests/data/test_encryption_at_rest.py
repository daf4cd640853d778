"""Personal fields are encrypted at rest, keys rotate, lookups use keyed hashes (R1.15).

Also: every timestamp comes back timezone-aware UTC, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask
from sqlmodel import Session, SQLModel, func, select

from niemand_alleen import crypto
from niemand_alleen.auth.service import create_user
from niemand_alleen.crypto import EncryptedText, Keyring, configure_keyring
from niemand_alleen.models import (
    AuditAction,
    AuditEvent,
    LawfulBasisArt6,
    LawfulBasisArt9,
    LoginAttempt,
    Resident,
    Role,
    User,
    UserSession,
    Volunteer,
    utcnow,
)

PASSWORD = "een lang genoeg wachtwoord voor sleutels"

# Personal data that must never be stored readable (R1.15: name, phone, address, birth date,
# description; plus e-mail and free text that may hold health data).
MUST_BE_ENCRYPTED = {
    "user_account": {"email", "name"},
    "resident": {
        "first_name",
        "last_name",
        "street",
        "house_number",
        "postcode",
        "phone",
        "email",
        "birth_date",
        "situation",
        "help_other",
        "preferences",
        "location",
        "help_wished",
    },
    "organisation": {"contact_emails", "note"},
    "volunteer": {
        "first_name",
        "last_name",
        "email",
        "phone",
        "postcode",
        "house_number",
        "availability",
        "motivation",
        "languages",
    },
    "oproep": {"proposed_text", "text"},
    "match": {"decline_reason"},
    "outbox_mail": {"recipient", "subject", "body_text", "body_html", "last_error"},
}

RESIDENT_VALUES = {
    "first_name": "Wilhelmina",
    "last_name": "Jansen-Canary",
    "street": "Canarystraat",
    "house_number": "12a-bis",
    "postcode": "3311 CA",
    "phone": "+31 6 1234 5678",
    "email": "wilhelmina.canary@example.org",
    "birth_date": "1941-04-03",
    "situation": "Mevrouw heeft beginnende dementie en COPD, gebruikt een rollator.",
    "help_other": "boodschappen op dinsdag",
    "preferences": "liefst een vrouw",
    "location": "51.8133,4.6901",
    "help_wished": "boodschappen,wandelen",
}


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    """Tests here reconfigure the process-wide keyring; put the app's back afterwards."""
    saved = crypto._keyring
    yield
    crypto._keyring = saved


def raw_rows(app: Flask, table: str) -> list[dict[str, object]]:
    """The stored values, straight from the database, bypassing every column type."""
    with app.extensions["database"].engine.connect() as connection:
        rows = connection.exec_driver_sql(f'SELECT * FROM "{table}"').mappings().all()  # noqa: S608
    return [dict(row) for row in rows]


def make_resident(**overrides: object) -> Resident:
    values: dict[str, Any] = {  # columns of mixed types
        **RESIDENT_VALUES,
        "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
        "lawful_basis_art9": LawfulBasisArt9.SOCIAL_CARE,
        "pc4": "3311",
    }
    values.update(overrides)
    return Resident(**values)


def test_the_inventory_of_encrypted_columns_holds() -> None:
    """Changing a personal column to a plain type fails here (and R1.1 documents why)."""
    tables = SQLModel.metadata.tables
    for table_name, columns in MUST_BE_ENCRYPTED.items():
        for column_name in columns:
            column = tables[table_name].columns[column_name]
            assert isinstance(column.type, EncryptedText), f"{table_name}.{column_name}"


def test_user_account_is_unreadable_in_the_database(app: Flask, db_session: Session) -> None:
    user = create_user(
        db_session,
        email="Anna.Canary@Example.org",
        name="Anna Canary",
        role=Role.COORDINATOR,
        password=PASSWORD,
    )
    db_session.commit()
    (row,) = raw_rows(app, "user_account")
    stored = " ".join(str(value) for value in row.values())
    for plaintext in ("Anna", "Canary", "canary", "example.org", PASSWORD):
        assert plaintext not in stored
    assert str(row["email"]).startswith("gAAAAA")  # a Fernet token
    assert str(row["password_hash"]).startswith("$argon2id$")
    # Equality lookups go through the keyed hash, never through the plaintext.
    assert row["email_hash"] == crypto.lookup_hash("anna.canary@example.org")

    with Session(app.extensions["database"].engine) as fresh:
        loaded = fresh.get(User, user.id)
        assert loaded is not None
        assert (loaded.email, loaded.name) == ("Anna.Canary@example.org", "Anna Canary")


def test_resident_personal_fields_are_unreadable_in_the_database(
    app: Flask, db_session: Session
) -> None:
    resident = make_resident()
    db_session.add(resident)
    db_session.commit()
    (row,) = raw_rows(app, "resident")
    for column, plaintext in RESIDENT_VALUES.items():
        stored = str(row[column])
        assert stored.startswith("gAAAAA"), column
        assert plaintext not in stored, column
    # The plain columns hold none of it either. (Ciphertexts and ids are left out of this
    # scan: random base64 or hex contains short words like "copd" now and then.)
    plain_values = " ".join(
        str(value) for column, value in row.items() if column not in {*RESIDENT_VALUES, "id"}
    ).casefold()
    for word in ("wilhelmina", "canary", "dementie", "copd", "rollator", "1941", "3311 ca"):
        assert word not in plain_values

    with Session(app.extensions["database"].engine) as fresh:
        loaded = fresh.get(Resident, resident.id)
        assert loaded is not None
        for column, plaintext in RESIDENT_VALUES.items():
            assert getattr(loaded, column) == plaintext, column


def test_equal_values_do_not_give_equal_ciphertexts(app: Flask, db_session: Session) -> None:
    """Otherwise identical ciphertexts would show who shares a surname or a street."""
    db_session.add(make_resident())
    db_session.add(make_resident())
    db_session.commit()
    first, second = raw_rows(app, "resident")
    assert first["last_name"] != second["last_name"]
    assert first["street"] != second["street"]


def test_values_written_under_an_old_key_stay_readable_after_rotation(
    app: Flask, db_session: Session, restore_keyring: None
) -> None:
    """Keys (A) → (B, A): old rows read fine, new rows use B; ``rotate`` moves a token to B."""
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    hash_key = "een hash-sleutel van minstens tweeëndertig tekens"
    configure_keyring([key_a], hash_key)
    old = make_resident(first_name="Oude Sleutel")
    db_session.add(old)
    db_session.commit()

    configure_keyring([key_b, key_a], hash_key)
    new = make_resident(first_name="Nieuwe Sleutel")
    db_session.add(new)
    db_session.commit()
    with Session(app.extensions["database"].engine) as fresh:
        assert fresh.get_one(Resident, old.id).first_name == "Oude Sleutel"
        assert fresh.get_one(Resident, new.id).first_name == "Nieuwe Sleutel"

    tokens = {row["id"]: str(row["first_name"]) for row in raw_rows(app, "resident")}
    old_token = next(
        token for key, token in tokens.items() if str(key).replace("-", "") == old.id.hex
    )
    new_token = next(
        token for key, token in tokens.items() if str(key).replace("-", "") == new.id.hex
    )
    only_a, only_b = Keyring([key_a], hash_key), Keyring([key_b], hash_key)
    assert only_a.decrypt(old_token) == "Oude Sleutel"
    assert only_b.decrypt(new_token) == "Nieuwe Sleutel"
    with pytest.raises(ValueError, match="cannot be decrypted") as refused:
        only_b.decrypt(old_token)
    assert old_token not in str(refused.value)  # no ciphertext in error messages or logs

    rotated = Keyring([key_b, key_a], hash_key).rotate(old_token)
    assert rotated != old_token
    assert only_b.decrypt(rotated) == "Oude Sleutel"
    with pytest.raises(ValueError, match="cannot be decrypted"):
        only_a.decrypt(rotated)


def test_lookup_hash_is_stable_under_normalisation_and_keyed() -> None:
    keys = [Fernet.generate_key().decode()]
    ring = Keyring(keys, "hash-sleutel-een-" + "x" * 32)
    same = {
        ring.lookup_hash(value)
        for value in (
            "jan@example.org",
            " Jan@Example.ORG ",
            "JAN@EXAMPLE.ORG\n",
            "ｊａｎ@example.org",
        )
    }
    assert len(same) == 1
    (digest,) = same
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert ring.lookup_hash("jan2@example.org") != digest
    other_key = Keyring(keys, "hash-sleutel-twee-" + "x" * 32)
    assert other_key.lookup_hash("jan@example.org") != digest
    # The hash key, not the encryption key, decides: rotating encryption keeps lookups working.
    rotated = Keyring([Fernet.generate_key().decode(), *keys], "hash-sleutel-een-" + "x" * 32)
    assert rotated.lookup_hash("jan@example.org") == digest


def test_volunteer_lookup_by_email_hash(app: Flask, db_session: Session) -> None:
    """A neighbour can be found by e-mail without decrypting every row."""
    volunteer = Volunteer(
        first_name="Kees",
        last_name="Canary",
        email="kees@example.org",
        email_hash=crypto.lookup_hash("kees@example.org"),
        phone="0612345678",
        postcode="3311AB",
        house_number="1",
    )
    db_session.add(volunteer)
    db_session.commit()
    found = db_session.exec(
        select(Volunteer).where(Volunteer.email_hash == crypto.lookup_hash(" KEES@example.org"))
    ).one()
    assert found.id == volunteer.id
    db_session.commit()  # end the read: on SQLite every transaction holds the write lock
    (row,) = raw_rows(app, "volunteer")
    assert str(row["email"]).startswith("gAAAAA")
    # Ciphertexts left out: random base64 spells a short word like "kees" now and then.
    plain = " ".join(str(v) for v in row.values() if not str(v).startswith("gAAAAA"))
    assert "kees" not in plain.casefold()


def assert_utc(value: datetime | None, what: str) -> None:
    assert value is not None, what
    assert value.tzinfo is not None, what
    assert value.utcoffset() == timedelta(0), what


def test_timestamps_come_back_timezone_aware_utc(app: Flask, db_session: Session) -> None:
    user = create_user(
        db_session, email="tijd@example.org", name="Tijd", role=Role.BUURTWERKER, password=PASSWORD
    )
    amsterdam = datetime(
        2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Amsterdam")
    )  # just after DST starts
    db_session.add(
        UserSession(
            token_hash="a" * 64, user_id=user.id, created_at=amsterdam, last_seen_at=amsterdam
        )
    )
    db_session.add(LoginAttempt(account_key="b" * 64))
    db_session.add(AuditEvent(action=AuditAction.LOGIN, record_type="user"))
    db_session.commit()
    written = utcnow()

    with Session(app.extensions["database"].engine) as fresh:
        loaded_user = fresh.get(User, user.id)
        assert loaded_user is not None
        assert_utc(loaded_user.created_at, "user.created_at")
        assert written - loaded_user.created_at < timedelta(minutes=1)
        session_row = fresh.get(UserSession, "a" * 64)
        assert session_row is not None
        assert_utc(session_row.created_at, "user_session.created_at")
        assert session_row.created_at == amsterdam  # the same instant
        assert session_row.created_at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
        assert_utc(fresh.exec(select(LoginAttempt.attempted_at)).one(), "login_attempt")
        assert_utc(fresh.exec(select(AuditEvent.at)).one(), "audit_event.at")
        # Aggregates too (the throttle compares max(attempted_at) with now).
        assert_utc(fresh.exec(select(func.max(LoginAttempt.attempted_at))).one(), "max()")


def test_naive_datetimes_are_refused(db_session: Session) -> None:
    """A naive datetime is ambiguous (local or UTC?); storing one is a programming error."""
    db_session.add(LoginAttempt(account_key="c" * 64, attempted_at=datetime(2026, 1, 1, 12, 0)))
    with pytest.raises(sa.exc.StatementError, match="timezone-aware"):
        db_session.commit()
    db_session.rollback()


def test_uuid_primary_keys_are_random(db_session: Session) -> None:
    """Record ids are opaque: not sequential, not guessable from one another (ASVS 14.2.1)."""
    ids = [make_resident().id for _ in range(3)]
    assert all(isinstance(value, uuid.UUID) and value.version == 4 for value in ids)


def test_explicit_consent_needs_its_evidence(app: Flask, db_session: Session) -> None:
    """R1.2: explicit consent as the art. 9 basis cannot be stored without date and text."""
    db_session.add(make_resident(lawful_basis_art9=LawfulBasisArt9.EXPLICIT_CONSENT))
    with pytest.raises(sa.exc.IntegrityError):
        db_session.commit()
    db_session.rollback()
    db_session.add(
        make_resident(
            lawful_basis_art9=LawfulBasisArt9.EXPLICIT_CONSENT,
            consent_recorded_at=datetime.now(UTC),
            consent_text_version="2026-11",
        )
    )
    db_session.commit()
    assert db_session.exec(select(func.count()).select_from(Resident)).one() == 1
    db_session.rollback()
