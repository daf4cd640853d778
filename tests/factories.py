"""Shared builders of the rows tests need: staff users, residents, oproepen, organisations
and sign-ups of good neighbours. Each adds its row with plausible values (override any
column by keyword) and commits, so the app under test sees it.

One place for them, so that a new required column is added here once and not in every
package's conftest.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from support import STAFF_PASSWORD

from niemand_alleen.auth import create_user
from niemand_alleen.feedback.service import token_hash
from niemand_alleen.models import (
    LawfulBasisArt6,
    LawfulBasisArt9,
    Oproep,
    OproepStatus,
    Organisation,
    OrganisationWijk,
    QuestionnaireAudience,
    QuestionnaireInvitation,
    Resident,
    Role,
    User,
    Volunteer,
    VolunteerStatus,
    local_today,
    utcnow,
)

OPROEP_TEXT = "Een vrouw van in de 80 in Sterrenburg zoekt iemand voor een kop koffie."


def user(
    session: Session,
    role: Role = Role.COORDINATOR,
    *,
    email: str | None = None,
    name: str = "Test Medewerker",
    password: str = STAFF_PASSWORD,
) -> User:
    made = create_user(
        session,
        email=email or f"{role.value}-{uuid.uuid4().hex[:8]}@example.org",
        name=name,
        role=role,
        password=password,
    )
    session.commit()
    return made


def resident(session: Session, **changes: object) -> Resident:
    values: dict[str, Any] = {  # columns of mixed types
        "first_name": "Wilhelmina",
        "last_name": "Jansen",
        "street": "Groenedijk",
        "house_number": "12a",
        "postcode": "3311AB",
        "phone": "+31612345678",
        "email": None,
        "birth_date": "1941-03-12",
        "situation": "Mevrouw Jansen is weduwe.",
        "help_wished": "bezoekje",
        "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
        "lawful_basis_art9": LawfulBasisArt9.SOCIAL_CARE,
        "pc4": "3311",
        **changes,
    }
    made = Resident(**values)
    session.add(made)
    session.commit()
    return made


def oproep(
    session: Session,
    *,
    status: OproepStatus = OproepStatus.DRAFT,
    text: str = OPROEP_TEXT,
    of: Resident | None = None,
    **changes: object,
) -> Oproep:
    """An oproep whose proposed text the worker has checked, in ``status`` (set directly:
    a fixture, not a move of its lifecycle)."""
    owner = of or resident(session)
    values: dict[str, Any] = {  # columns of mixed types
        "resident_id": owner.id,
        "pc4": owner.pc4,
        "deadline": local_today() + timedelta(days=14),
        "proposed_text": text,
        "proposal_checked_at": utcnow(),
        "proposal_warnings": "[]",
        "status": status,
        **changes,
    }
    made = Oproep(**values)
    session.add(made)
    session.commit()
    return made


def organisation(
    session: Session,
    name: str = "Buurtkerk De Ark",
    *wijken: str,
    emails: tuple[str, ...] = (),
    active: bool = True,
    unsubscribed: bool = False,
    **fields: object,
) -> Organisation:
    slug = name.lower().replace(" ", "-")
    values: dict[str, Any] = {  # columns of mixed types
        "name": name,
        "contact_emails": "\n".join(emails or (f"info@{slug}.example.org",)),
        "active": active,
        "unsubscribed_at": utcnow() if unsubscribed else None,
        **fields,
    }
    made = Organisation(**values)
    session.add(made)
    session.flush()
    for code in wijken:
        session.add(OrganisationWijk(organisation_id=made.id, wijk_code=code))
    session.commit()
    return made


def signup(
    session: Session,
    of: Oproep | None = None,
    *,
    status: VolunteerStatus = VolunteerStatus.CONFIRMED,
    **changes: object,
) -> Volunteer:
    """A good neighbour's sign-up for ``of`` (or for their wijk in general)."""
    values: dict[str, Any] = {  # columns of mixed types
        "oproep_id": of.id if of else None,
        "first_name": "Sam",
        "last_name": "de Buur",
        "email": "sam@example.org",
        "email_hash": uuid.uuid4().hex,
        "phone": "+31612345679",
        "postcode": "3328AC",
        "house_number": "3",
        "status": status,
        **changes,
    }
    made = Volunteer(**values)
    session.add(made)
    session.commit()
    return made


def questionnaire_invitation(
    session: Session,
    of: Oproep | None = None,
    audience: QuestionnaireAudience = QuestionnaireAudience.NEIGHBOUR,
    *,
    days_valid: int = 28,
    **changes: object,
) -> tuple[QuestionnaireInvitation, str]:
    """An open questionnaire link for ``of`` (a new oproep when None), and its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    values: dict[str, Any] = {  # columns of mixed types
        "audience": audience,
        "oproep_id": (of or oproep(session)).id,
        "token_hash": token_hash(token),
        "sent_at": now,
        "expires_at": now + timedelta(days=days_valid),
        **changes,
    }
    made = QuestionnaireInvitation(**values)
    session.add(made)
    session.commit()
    return made, token
