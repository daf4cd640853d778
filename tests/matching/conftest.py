"""Fixtures: an open oproep in Sterrenburg and a helper to add good neighbours directly."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from oproep_support import (
    STERRENBURG,
    OpenScenario,
    add_organisation,
    approved_oproep,
    load_geography,
)
from sqlmodel import Session, select
from support import AddNeighbour, MakeUser

from niemand_alleen.crypto import lookup_hash
from niemand_alleen.distribution.service import resident_location, send_oproep
from niemand_alleen.geo.location import LocationPrecision
from niemand_alleen.models import Resident, Role, Volunteer, VolunteerStatus, local_today, utcnow

# Groenedijk 212 (3328AB), the resident of oproep_support, lies about here.
NEAR = (51.7935, 4.6920)


@pytest.fixture
def geography(app: Flask, db_session: Session) -> Session:
    return load_geography(db_session)


@pytest.fixture
def open_scenario(app: Flask, geography: Session, make_user: MakeUser) -> OpenScenario:
    coordinator = make_user(Role.COORDINATOR, name="Cor de Coördinator")
    coordinator_email = coordinator.email
    resident, oproep = approved_oproep(app, geography, coordinator)
    assert oproep.wijk_code == STERRENBURG
    organisation = add_organisation(geography, "Buurtkerk Sterrenburg", STERRENBURG)
    with app.app_context():
        send_oproep(
            geography,
            app.config["SETTINGS"],
            oproep,
            [organisation.id],
            coordinator.id,
            local_today(),
        )
    geography.commit()
    return OpenScenario(
        coordinator=coordinator,
        resident=resident,
        oproep=oproep,
        coordinator_email=coordinator_email,
    )


@pytest.fixture
def add_neighbour(app: Flask, db_session: Session) -> AddNeighbour:
    """A confirmed sign-up at (lat, lon) rounded as stored; e-mail unique unless given."""
    counter = iter(range(1, 10_000))

    def _add(
        oproep_id: uuid.UUID | None,
        offset_m: float = 0.0,
        *,
        email: str | None = None,
        minutes: int = 0,
        status: VolunteerStatus = VolunteerStatus.CONFIRMED,
        contact_again: bool = False,
        located: bool = True,
        wijk_code: str | None = STERRENBURG,
        outside_area: bool = False,
    ) -> Volunteer:
        number = next(counter)
        resident = db_session.exec(select(Resident)).first()
        base = resident_location(resident) or NEAR
        address = email or f"buur{number}@example.org"
        with app.app_context():
            email_hash = lookup_hash(address.casefold())
        created = utcnow() - timedelta(days=1) + timedelta(minutes=minutes)
        volunteer = Volunteer(
            oproep_id=oproep_id,
            wijk_code=wijk_code,
            first_name=f"Buur{number}",
            last_name="Test",
            email=address,
            email_hash=email_hash,
            phone="+31600000000",
            postcode="3328AB",
            house_number=str(number),
            pc4="3328",
            # About offset_m metres north of the resident (1° latitude ≈ 111 km).
            lat=round(base[0] + offset_m / 111_200, 3) if located else None,
            lon=round(base[1], 3) if located else None,
            location_precision=LocationPrecision.PC6 if located else LocationPrecision.UNKNOWN,
            availability="Dinsdagmiddag",
            motivation="Ik woon hier al lang.",
            contact_again=contact_again,
            outside_area=outside_area,
            status=status,
            created_at=created,
            confirmed_at=created if status == VolunteerStatus.CONFIRMED else None,
        )
        db_session.add(volunteer)
        db_session.commit()
        return volunteer

    return _add
