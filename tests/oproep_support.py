"""Helpers for tests around oproepen: an approved oproep in Sterrenburg, organisations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

import factories
from flask import Flask
from sqlalchemy import delete
from sqlmodel import Session, col, select

from niemand_alleen.distribution.service import send_oproep
from niemand_alleen.intake.service import AanmeldingInput, approve_oproep, register_resident
from niemand_alleen.models import (
    Dispatch,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Oproep,
    Organisation,
    OutboxMail,
    Resident,
    User,
    Volunteer,
    VolunteerStatus,
    local_today,
    utcnow,
)
from niemand_alleen.reference import forget_cached_gazetteers, import_shipped_reference

STERRENBURG, DUBBELDAM, BINNENSTAD = "WK050509", "WK050510", "WK050501"
APPROVED_TEXT = (
    "Een vrouw van in de 80 woont sinds kort alleen. Ze zoekt iemand die af en toe een "
    "kopje koffie komt drinken en samen een spelletje wil doen."
)


def load_geography(session: Session) -> Session:
    import_shipped_reference(session)
    session.commit()
    forget_cached_gazetteers()
    return session


def aanmelding(**changes: object) -> AanmeldingInput:
    values: dict[str, Any] = {  # fields of mixed types
        "first_name": "Wilhelmina",
        "last_name": "van der Berg-de Vries",
        "street": "Groenedijk",
        "house_number": "212",
        "postcode": "3328AB",
        "phone": "+31612345678",
        "email": "w.vandenberg@example.org",
        "birth_date": date(1941, 3, 12),
        "situation": "Mevrouw woont alleen sinds haar man overleed.",
        "help_wished": ("bezoekje",),
        "help_other": "",
        "preferences": "",
        "lawful_basis_art6": LawfulBasisArt6.PUBLIC_TASK,
        "lawful_basis_art9": LawfulBasisArt9.SOCIAL_CARE,
        "consent_date": None,
        "deadline": local_today() + timedelta(days=14),
    }
    values.update(changes)
    return AanmeldingInput(**values)


@dataclass
class Scenario:
    coordinator: User
    resident: Resident
    oproep: Oproep


@dataclass
class OpenScenario(Scenario):
    """tests/matching's ``open_scenario``: the oproep sent, with the coordinator's e-mail
    address read before that commit expired the user."""

    coordinator_email: str


def approved_oproep(
    app: Flask, session: Session, coordinator: User, text: str = APPROVED_TEXT, **changes: object
) -> tuple[Resident, Oproep]:
    with app.app_context():
        saved = register_resident(
            session, app.config["SETTINGS"], aanmelding(**changes), coordinator.id
        )
        saved.oproep.proposed_text = text
        saved.oproep.proposal_checked_at = utcnow()
        approve_oproep(session, app.config["SETTINGS"], saved.oproep, text, coordinator.id)
    session.commit()
    return saved.resident, saved.oproep


@dataclass
class OpenOproep:
    coordinator: User
    oproep: Oproep
    dispatch: Dispatch

    @property
    def path(self) -> str:
        return f"/aanmelden/{self.dispatch.referral_code}"


def open_oproep(app: Flask, session: Session, coordinator: User, **changes: Any) -> OpenOproep:
    """An approved oproep mailed to one organisation of its wijk (so: OPEN, with a link).

    ``changes`` go to ``approved_oproep``: its ``text`` or fields of the aanmelding."""
    _, oproep = approved_oproep(app, session, coordinator, **changes)
    organisation = add_organisation(session, f"Buurthuis {oproep.id.hex[:6]}", STERRENBURG)
    with app.app_context():
        (dispatch,) = send_oproep(
            session,
            app.config["SETTINGS"],
            oproep,
            [organisation.id],
            coordinator.id,
            local_today(),
        )
    # The organisation mails are not what these tests look at.
    session.execute(delete(OutboxMail))
    session.commit()
    return OpenOproep(coordinator=coordinator, oproep=oproep, dispatch=dispatch)


class OpenOproepFactory(Protocol):
    """tests/signup's ``open_oproep_factory``: ``open_oproep`` for its coordinator."""

    def __call__(self, **changes: Any) -> OpenOproep: ...


def add_organisation(
    session: Session,
    name: str,
    *wijken: str,
    emails: tuple[str, ...] = (),
    active: bool = True,
    unsubscribed: bool = False,
) -> Organisation:
    return factories.organisation(
        session, name, *wijken, emails=emails, active=active, unsubscribed=unsubscribed
    )


def fresh(session: Session, row: object) -> object:
    session.rollback()
    session.refresh(row)
    return row


def distribution_page(oproep: Oproep) -> str:
    return f"/oproepen/{oproep.id}/verspreiding"


def reloaded(session: Session, oproep: Oproep) -> Oproep:
    """The oproep as the app committed it (ends the test session's transaction first)."""
    session.rollback()
    found = session.get(Oproep, oproep.id)
    assert found is not None
    session.refresh(found)
    return found


def outbox_of(session: Session, oproep: Oproep, kind: str | None = None) -> list[OutboxMail]:
    session.rollback()
    query = select(OutboxMail).where(OutboxMail.oproep_id == oproep.id)
    if kind is not None:
        query = query.where(OutboxMail.kind == kind)
    return list(session.exec(query.order_by(col(OutboxMail.id))).all())


def add_volunteer(
    session: Session,
    oproep: Oproep,
    status: VolunteerStatus = VolunteerStatus.CONFIRMED,
    dispatch_id: uuid.UUID | None = None,
) -> Volunteer:
    return factories.signup(session, oproep, status=status, dispatch_id=dispatch_id)


def checked_proposal(session: Session, text: str, oproep_id: uuid.UUID | None = None) -> Oproep:
    """A draft oproep whose proposed ``text`` the worker has checked, ready for review."""
    return factories.oproep(session, text=text, id=oproep_id or uuid.uuid4())
