"""Demo data: one account per role and partner organisations per wijk (example.org addresses).

Seeding is idempotent: what exists is kept, so running the demo twice keeps the data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from niemand_alleen.auth import create_user, find_user_by_email, generate_password
from niemand_alleen.models import Organisation, OrganisationWijk, Role, Wijk

DEMO_ACCOUNTS = [
    (Role.BEHEERDER, "beheerder@example.org", "Bea Beheer"),
    (Role.COORDINATOR, "coordinator@example.org", "Cor Coördinator"),
    (Role.BUURTWERKER, "buurtwerker@example.org", "Bas Buurtwerker"),
]

PILOT_WIJKEN = ("WK050509", "WK050510", "WK050511")  # Sterrenburg, Dubbeldam, Stadspolders
RESIDENTIAL_WIJKEN = tuple(f"WK0505{number:02d}" for number in range(1, 12))

# Real Dordrecht organisations with made-up example.org addresses: nothing is mailed for real.
DEMO_ORGANISATIONS: list[tuple[str, list[str], tuple[str, ...], str]] = [
    (
        "Samen Dordt",
        ["oproepen@samendordt.example.org"],
        RESIDENTIAL_WIJKEN,
        "Vrijwilligerswerk en mantelzorg in heel Dordrecht.",
    ),
    (
        "Buurtwerk Dordrecht",
        ["buurtwerk@buurtwerk.example.org"],
        RESIDENTIAL_WIJKEN,
        "Buurtwerkers in alle wijken.",
    ),
    (
        "Stichting Present Dordrecht",
        ["info@present-dordrecht.example.org"],
        RESIDENTIAL_WIJKEN,
        "Groepen vrijwilligers voor praktische klussen.",
    ),
    (
        "Schuldhulpmaatje Drechtsteden",
        ["coordinatie@schuldhulpmaatje.example.org"],
        RESIDENTIAL_WIJKEN,
        "Maatjes bij geldzaken; stuurt oproepen door aan hun vrijwilligers.",
    ),
    (
        "Platform Dordtse Kerken",
        ["diaconie@dordtsekerken.example.org"],
        PILOT_WIJKEN,
        "Kerken en diaconieën in Sterrenburg, Dubbeldam en Stadspolders.",
    ),
    (
        "Inzet078",
        ["vacatures@inzet078.example.org"],
        RESIDENTIAL_WIJKEN,
        "Vrijwilligersvacatures in Dordrecht.",
    ),
]


@dataclass(frozen=True)
class CreatedAccount:
    role: Role
    email: str
    password: str


def seed_accounts(session: Session) -> list[CreatedAccount]:
    """Create missing demo accounts; returns the new ones with their one-time passwords."""
    created: list[CreatedAccount] = []
    for role, email, name in DEMO_ACCOUNTS:
        if find_user_by_email(session, email) is not None:
            continue
        password = generate_password()
        create_user(session, email=email, name=name, role=role, password=password)
        created.append(CreatedAccount(role=role, email=email, password=password))
    return created


def seed_organisations(session: Session) -> int:
    """Add missing demo organisations with their wijken; returns how many were added."""
    existing = set(session.exec(select(Organisation.name)).all())
    known_wijken = set(session.exec(select(Wijk.code)).all())
    added = 0
    for name, emails, wijken, note in DEMO_ORGANISATIONS:
        if name in existing:
            continue
        organisation = Organisation(
            name=name,
            contact_emails="\n".join(emails),
            note=note,
        )
        session.add(organisation)
        session.flush()
        for code in wijken:
            if code in known_wijken:
                session.add(OrganisationWijk(organisation_id=organisation.id, wijk_code=code))
        added += 1
    session.flush()
    return added
