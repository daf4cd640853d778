"""Privacy-rights tests: a small world with canaries (a resident, two neighbours, mails)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from niemand_alleen.audit import RecordType, record_audit
from niemand_alleen.crypto import lookup_hash
from niemand_alleen.models import (
    AuditAction,
    Dispatch,
    DispatchStatus,
    LawfulBasisArt6,
    LawfulBasisArt9,
    MailStatus,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Organisation,
    OutboxMail,
    Resident,
    ResidentVeto,
    Volunteer,
    VolunteerStatus,
)

SENT = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

# What must be gone after erasure (and never in another person's export).
RESIDENT_CANARIES = (
    "CANARY-RES-NAME",
    "Kanariestraat",
    "+31612340000",
    "bewoner-canary@example.org",
    "CANARY-SITUATION",
    "CANARY-OPROEPTEKST",
)
NEIGHBOUR_CANARIES = ("CANARY-BUUR-NAME", "buur-canary@example.org", "+31687650000")
OTHER_CANARIES = ("CANARY-ANDER", "ander@example.org", "+31600000999")


@dataclass
class World:
    resident_id: uuid.UUID
    oproep_id: uuid.UUID
    organisation_name: str
    signup_ids: list[uuid.UUID]  # the neighbour's two sign-ups
    other_id: uuid.UUID  # another neighbour
    match_id: uuid.UUID


def _volunteer(oproep: Oproep, name: str, email: str, phone: str, **extra: object) -> Volunteer:
    values: dict[str, Any] = {"oproep_id": oproep.id} | extra  # columns of mixed types
    return Volunteer(
        first_name=name,
        last_name="Achternaam",
        email=email,
        email_hash=lookup_hash(email),
        phone=phone,
        postcode="3317AB",
        house_number="12",
        lat=51.8,
        lon=4.68,
        availability="CANARY-AVAILABILITY" if name != "CANARY-ANDER" else "zaterdag",
        motivation="graag helpen",
        status=VolunteerStatus.CONFIRMED,
        **values,
    )


def _mail(key: str, kind: str, recipient: str, body: str, oproep: Oproep) -> OutboxMail:
    return OutboxMail(
        idempotency_key=key,
        kind=kind,
        recipient=recipient,
        subject=f"Onderwerp {kind}",
        body_text=body,
        body_html=f"<p>{body}</p>",
        status=MailStatus.SENT,
        sent_at=SENT,
        oproep_id=oproep.id,
    )


def seed_world(session: Session) -> World:
    resident = Resident(
        first_name="CANARY-RES-NAME",
        last_name="Bewoner",
        street="Kanariestraat",
        house_number="7",
        postcode="3317ZZ",
        phone="+31612340000",
        email="bewoner-canary@example.org",
        birth_date="1941-02-03",
        situation="CANARY-SITUATION",
        help_wished="company",
        lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
        lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
    )
    session.add(resident)
    session.flush()
    oproep = Oproep(
        resident_id=resident.id,
        proposed_text="CANARY-OPROEPTEKST voorstel",
        text="CANARY-OPROEPTEKST goedgekeurd",
        pc4="3317",
        status=OproepStatus.OPEN,
        sent_at=SENT,
    )
    organisation = Organisation(name="Buurthuis De Kanarie", contact_emails="org@example.org")
    session.add_all([oproep, organisation])
    session.flush()
    session.add(
        Dispatch(
            oproep_id=oproep.id,
            organisation_id=organisation.id,
            referral_code=uuid.uuid4().hex[:12],
            status=DispatchStatus.SENT,
            sent_at=SENT,
        )
    )
    first = _volunteer(oproep, "CANARY-BUUR-NAME", "buur-canary@example.org", "+31687650000")
    # The same person signed up again (another address spelling), for the wijk in general.
    second = _volunteer(
        oproep, "CANARY-BUUR-NAME", "Buur-Canary@Example.org", "+31687650000", oproep_id=None
    )
    second.email_hash = lookup_hash("buur-canary@example.org")
    other = _volunteer(oproep, "CANARY-ANDER", "ander@example.org", "+31600000999")
    session.add_all([first, second, other])
    session.flush()
    match = Match(
        oproep_id=oproep.id,
        volunteer_id=first.id,
        rank=1,
        status=MatchStatus.DECLINED,
        decline_reason="CANARY-BUUR-NAME heeft geen tijd",
    )
    session.add_all(
        [
            match,
            Match(oproep_id=oproep.id, volunteer_id=other.id, rank=2),
            ResidentVeto(resident_id=resident.id, email_hash=lookup_hash("x@example.org")),
            _mail(
                f"signup-confirm:{first.id}",
                "signup_confirm",
                "buur-canary@example.org",
                "Beste CANARY-BUUR-NAME, bevestig uw aanmelding.",
                oproep,
            ),
            _mail(
                f"signup-confirm:{other.id}",
                "signup_confirm",
                "ander@example.org",
                "Beste CANARY-ANDER, bevestig uw aanmelding.",
                oproep,
            ),
            _mail("oproep:1", "oproep", "org@example.org", "Oproep: CANARY-OPROEPTEKST", oproep),
            _mail(
                "resident-note",
                "note",
                "bewoner-canary@example.org",
                "Beste CANARY-RES-NAME",
                oproep,
            ),
        ]
    )
    session.flush()
    for record_type, record_id in [
        (RecordType.RESIDENT, resident.id),
        (RecordType.OPROEP, oproep.id),
        (RecordType.VOLUNTEER, first.id),
        (RecordType.VOLUNTEER, other.id),
    ]:
        record_audit(
            session,
            actor_user_id=None,
            action=AuditAction.VIEW,
            record_type=record_type,
            record_id=str(record_id),
        )
    session.commit()
    return World(
        resident_id=resident.id,
        oproep_id=oproep.id,
        organisation_name=organisation.name,
        signup_ids=[first.id, second.id],
        other_id=other.id,
        match_id=match.id,
    )


def all_text(session: Session) -> str:
    """Every value of every column of every table, decrypted, as one lower-case string."""
    session.rollback()
    parts: list[str] = []
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(sa.select(table)).all():
            parts.extend(str(value) for value in row if value is not None)
    session.rollback()
    return "\n".join(parts).casefold()


def row_counts(session: Session) -> dict[str, int]:
    session.rollback()
    counts = {
        table.name: session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in SQLModel.metadata.sorted_tables
    }
    session.rollback()
    return counts
