"""Time of the retention purge over 100,000 expired records (target: under 10 s).

    .venv/bin/python bench/retention_purge.py [--database-url EMPTY-DB-URL] [--records N]

Builds a throw-away database by running the migrations (SQLite in a temporary folder by
default), fills it with N expired records spread over the four rules (residents with their
oproep, unmatched sign-ups, sent mails, old audit events) and times one purge_expired().
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from sqlmodel import Session

from niemand_alleen import create_app
from niemand_alleen.config import load_settings
from niemand_alleen.models import (
    AuditEvent,
    Oproep,
    OutboxMail,
    Resident,
    Volunteer,
)
from niemand_alleen.retention import purge_expired

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=800)


def fill(engine: sa.Engine, per_rule: int) -> None:
    """Bulk inserts through the models' column types, so values are encrypted as in use."""
    resident_ids = [uuid.uuid4() for _ in range(per_rule)]
    ended = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Oproep),
            [
                {
                    "id": ended,
                    "status": "matched",
                    "closed_at": LONG_AGO,
                    "places": 3,
                    "created_at": LONG_AGO,
                }
            ],
        )
        connection.execute(
            sa.insert(Resident),
            [
                {
                    "id": resident_id,
                    "first_name": "Bewaar",
                    "last_name": "Termijn",
                    "street": "Straat",
                    "house_number": "1",
                    "postcode": "3311AB",
                    "phone": "+31612345678",
                    "birth_date": "1940-01-01",
                    "situation": "Een beschrijving van de situatie van ongeveer zestig tekens.",
                    "help_wished": "bezoekje",
                    "location_precision": "pc4",
                    "lawful_basis_art6": "public_task",
                    "lawful_basis_art9": "social_care",
                    "status": "closed",
                    "closed_at": LONG_AGO,
                    "created_at": LONG_AGO,
                    "updated_at": LONG_AGO,
                }
                for resident_id in resident_ids
            ],
        )
        connection.execute(
            sa.insert(Oproep),
            [
                {
                    "id": uuid.uuid4(),
                    "resident_id": resident_id,
                    "status": "matched",
                    "text": "Een oproeptekst.",
                    "closed_at": LONG_AGO,
                    "places": 3,
                    "created_at": LONG_AGO,
                }
                for resident_id in resident_ids
            ],
        )
        connection.execute(
            sa.insert(Volunteer),
            [
                {
                    "id": uuid.uuid4(),
                    "oproep_id": ended,
                    "first_name": "Goede",
                    "last_name": "Buur",
                    "email": f"buur{number}@example.org",
                    "email_hash": uuid.uuid4().hex,
                    "phone": "+31687654321",
                    "postcode": "3311AB",
                    "house_number": "3",
                    "lat": 51.81,
                    "lon": 4.67,
                    "location_precision": "pc4",
                    "consent_at": LONG_AGO,
                    "contact_again": False,
                    "status": "confirmed",
                    "created_at": LONG_AGO,
                }
                for number in range(per_rule)
            ],
        )
        connection.execute(
            sa.insert(OutboxMail),
            [
                {
                    "idempotency_key": f"mail-{number}",
                    "kind": "oproep",
                    "recipient": "org@example.org",
                    "subject": "Oproep",
                    "body_text": "Tekst van de mail.",
                    "status": "sent",
                    "attempts": 1,
                    "next_attempt_at": LONG_AGO,
                    "created_at": LONG_AGO,
                    "sent_at": LONG_AGO,
                }
                for number in range(per_rule)
            ],
        )
        connection.execute(
            sa.insert(AuditEvent),
            [
                {"at": LONG_AGO, "action": "view", "record_type": "resident", "outcome": "ok"}
                for _ in range(per_rule)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'purge.sqlite3'}"
        settings = load_settings("test", environ={}, instance_path=Path(tmp)).with_overrides(
            database_url=url
        )
        app = create_app(settings, migrations=True)
        with app.app_context():
            upgrade()
        engine = app.extensions["database"].engine
        per_rule = args.records // 4
        started = time.perf_counter()
        fill(engine, per_rule)
        print(
            f"filled {4 * per_rule} expired records in {time.perf_counter() - started:.1f} s"
            f" ({engine.url.get_backend_name()})"
        )
        with Session(engine) as session:
            started = time.perf_counter()
            counts = purge_expired(session, settings, NOW)
            session.commit()
            elapsed = time.perf_counter() - started
        print(
            f"purge_expired: {elapsed:.2f} s for residents={counts.residents}"
            f" volunteers={counts.volunteers} mails={counts.mails}"
            f" audit_events={counts.audit_events}  (target < 10 s)"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
