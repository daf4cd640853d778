"""R1.5/R1.6: each retention rule deletes exactly what it should; counts survive; logged."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, func, select

from niemand_alleen.config import ConfigError, Settings, load_settings
from niemand_alleen.geo import LocationPrecision
from niemand_alleen.models import (
    AuditAction,
    AuditEvent,
    LawfulBasisArt6,
    LawfulBasisArt9,
    MailStatus,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    OutboxMail,
    Resident,
    ResidentStatus,
    Volunteer,
)
from niemand_alleen.retention import purge_expired

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
JUST = timedelta(minutes=1)


def resident(closed_days_ago: float | None) -> Resident:
    return Resident(
        first_name="Bewaar",
        last_name="Termijn",
        street="Straat",
        house_number="1",
        postcode="3311AB",
        phone="+31612345678",
        birth_date="1940-01-01",
        situation="tekst",
        lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
        lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
        status=ResidentStatus.REGISTERED if closed_days_ago is None else ResidentStatus.CLOSED,
        closed_at=None if closed_days_ago is None else NOW - timedelta(days=closed_days_ago),
    )


def volunteer(oproep: Oproep, **extra: Any) -> Volunteer:
    return Volunteer(
        oproep_id=oproep.id,
        first_name="Goede",
        last_name="Buur",
        email="buur@example.org",
        email_hash=uuid.uuid4().hex,
        phone="+31687654321",
        postcode="3311AB",
        house_number="3",
        pc4="3311",
        lat=51.81,
        lon=4.67,
        location_precision=LocationPrecision.ADDRESS,
        status=extra.pop("status", "confirmed"),
        **extra,
    )


@pytest.fixture
def settings_now(settings: Settings) -> Settings:
    return settings.with_overrides(
        retention_resident_closed_days=90,
        retention_volunteer_days=60,
        retention_mail_days=30,
        retention_audit_days=730,
    )


def test_residents_go_a_set_time_after_the_case_closed(
    db_session: Session, settings_now: Settings
) -> None:
    expired, recent, open_case = resident(90), resident(89.9), resident(None)
    assert expired.closed_at is not None
    expired.closed_at -= JUST
    db_session.add_all([expired, recent, open_case])
    db_session.flush()
    oproep = Oproep(
        resident_id=expired.id,
        text="oproeptekst",
        proposed_text="voorstel",
        pc4="3311",
        status=OproepStatus.MATCHED,
    )
    db_session.add(oproep)
    db_session.commit()
    counts = purge_expired(db_session, settings_now, NOW)
    db_session.commit()
    assert counts.residents == 1
    remaining = {r.id for r in db_session.exec(select(Resident)).all()}
    assert remaining == {recent.id, open_case.id}
    db_session.refresh(oproep)
    assert (oproep.resident_id, oproep.text, oproep.proposed_text) == (None, None, None)
    assert (oproep.pc4, oproep.status) == ("3311", OproepStatus.MATCHED), "counts stay"


def test_unmatched_volunteers_are_blanked_after_the_oproep_ended(
    db_session: Session, settings_now: Settings
) -> None:
    ended = Oproep(status=OproepStatus.MATCHED, closed_at=NOW - timedelta(days=60) - JUST)
    recent = Oproep(status=OproepStatus.CLOSED, closed_at=NOW - timedelta(days=59))
    running = Oproep(status=OproepStatus.OPEN, deadline=date(2026, 12, 1))
    db_session.add_all([ended, recent, running])
    db_session.flush()
    unmatched = volunteer(ended)
    matched = volunteer(ended)
    asked_again = volunteer(ended, contact_again=True)
    too_recent = volunteer(recent)
    still_open = volunteer(running)
    db_session.add_all([unmatched, matched, asked_again, too_recent, still_open])
    db_session.flush()
    db_session.add(
        Match(oproep_id=ended.id, volunteer_id=matched.id, rank=1, status=MatchStatus.CONFIRMED)
    )
    db_session.commit()

    counts = purge_expired(db_session, settings_now, NOW)
    db_session.commit()
    assert counts.volunteers == 1
    db_session.refresh(unmatched)
    assert unmatched.purged_at is not None
    assert (unmatched.first_name, unmatched.email, unmatched.phone, unmatched.lat) == (
        "",
        "",
        "",
        None,
    )
    assert (unmatched.pc4, unmatched.location_precision) == (None, LocationPrecision.UNKNOWN)
    assert (unmatched.status, unmatched.oproep_id) == ("confirmed", ended.id), "counts stay"
    for kept in (matched, asked_again, too_recent, still_open):
        db_session.refresh(kept)
        assert kept.purged_at is None
        assert kept.first_name == "Goede"
    assert purge_expired(db_session, settings_now, NOW).volunteers == 0, "idempotent"


def test_never_confirmed_sign_ups_go_a_day_after_their_link_expired(
    db_session: Session, settings_now: Settings
) -> None:
    running = Oproep(status=OproepStatus.OPEN, deadline=date(2026, 12, 31))
    db_session.add(running)
    db_session.flush()
    expired = volunteer(running, status="unconfirmed", created_at=NOW - timedelta(days=8) - JUST)
    fresh = volunteer(running, status="unconfirmed", created_at=NOW - timedelta(days=7))
    confirmed = volunteer(running, created_at=NOW - timedelta(days=30))
    general = volunteer(running, status="unconfirmed", created_at=NOW - timedelta(days=9))
    general.oproep_id, general.contact_again = None, True
    db_session.add_all([expired, fresh, confirmed, general])
    db_session.commit()

    counts = purge_expired(db_session, settings_now.with_overrides(signup_confirm_days=7), NOW)
    db_session.commit()

    assert counts.unconfirmed == 2
    for gone in (expired, general):
        db_session.refresh(gone)
        assert gone.purged_at is not None
        assert (gone.first_name, gone.email, gone.contact_again) == ("", "", False)
        assert gone.status == "unconfirmed", "the row stays for the counts"
    for kept in (fresh, confirmed):
        db_session.refresh(kept)
        assert kept.purged_at is None
        assert kept.first_name == "Goede"
    assert purge_expired(db_session, settings_now, NOW).unconfirmed == 0, "idempotent"


def test_sent_mail_bodies_go_metadata_stays(db_session: Session, settings_now: Settings) -> None:
    def mail(key: str, sent_days_ago: float | None, status: MailStatus) -> OutboxMail:
        return OutboxMail(
            idempotency_key=key,
            kind="oproep",
            recipient="org@example.org",
            subject="Oproep",
            body_text="tekst",
            body_html="<p>tekst</p>",
            status=status,
            sent_at=None if sent_days_ago is None else NOW - timedelta(days=sent_days_ago),
        )

    old = mail("old", 30.01, MailStatus.SENT)
    young = mail("young", 29.9, MailStatus.SENT)
    pending = mail("pending", None, MailStatus.PENDING)
    db_session.add_all([old, young, pending])
    db_session.commit()
    assert purge_expired(db_session, settings_now, NOW).mails == 1
    db_session.commit()
    for row in (old, young, pending):
        db_session.refresh(row)
    assert (old.recipient, old.body_text, old.body_html, old.subject) == (None, None, None, None)
    assert (old.kind, old.status) == ("oproep", MailStatus.SENT)
    assert young.body_text == "tekst"
    assert pending.body_text == "tekst"


def test_audit_events_expire_and_every_run_is_logged_without_data(
    db_session: Session, settings_now: Settings
) -> None:
    old = AuditEvent(action=AuditAction.VIEW, record_type="resident", at=NOW - timedelta(days=731))
    kept = AuditEvent(action=AuditAction.VIEW, record_type="resident", at=NOW - timedelta(days=729))
    db_session.add_all([old, kept])
    db_session.commit()
    assert purge_expired(db_session, settings_now, NOW).audit_events == 1
    db_session.commit()
    purge_logs = db_session.exec(
        select(AuditEvent).where(AuditEvent.action == AuditAction.DELETE)
    ).all()
    assert sorted(event.record_type for event in purge_logs) == [
        "audit_event",
        "outbox_mail",
        "questionnaire_answer",
        "resident",
        "volunteer",
        "volunteer_unconfirmed",
    ]
    assert all(
        re.fullmatch(
            r"bewaartermijn voorbij: \d+ (rij|rijen) verwijderd"
            r" van vóór \d{1,2}-\d{1,2}-\d{4} \d{2}:\d{2}",
            event.detail or "",
        )
        for event in purge_logs
    )
    # The kept event and one per rule.
    assert db_session.exec(select(func.count()).select_from(AuditEvent)).one() == 7


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RETENTION_RESIDENT_CLOSED_DAYS", "negentig"),
        ("RETENTION_VOLUNTEER_DAYS", "0"),
        ("RETENTION_MAIL_DAYS", "-3"),
        ("RETENTION_AUDIT_DAYS", "7"),
    ],
)
def test_a_malformed_retention_setting_names_itself(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings("demo", environ={name: value}, instance_path=tmp_path)
    assert name in str(error.value)
