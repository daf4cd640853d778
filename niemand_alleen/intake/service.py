"""Aanmeldingen (registered residents) and their oproepen: create, change, review, approve.

Services take the database session and never commit; the request or the job does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from niemand_alleen.audit import RecordType, record_audit
from niemand_alleen.config import Settings
from niemand_alleen.geo import AreaMatch, LocateResult
from niemand_alleen.lifecycle import Move, move_oproep
from niemand_alleen.models import (
    AuditAction,
    LawfulBasisArt6,
    LawfulBasisArt9,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Resident,
    Volunteer,
    VolunteerStatus,
    utcnow,
)
from niemand_alleen.pagination import PER_PAGE, Listing, page_span
from niemand_alleen.reference import locate_address

HELP_CHOICES = {
    "bezoekje": "Een bezoekje, een praatje",
    "wandelen": "Samen wandelen",
    "boodschappen": "Boodschappen doen",
    "klusjes": "Kleine klusjes",
    "vervoer": "Vervoer, bijvoorbeeld naar de huisarts",
    "gezelschap": "Gezelschap bij een activiteit",
}


@dataclass(frozen=True)
class AanmeldingInput:
    """Validated values of the aanmelding form."""

    first_name: str
    last_name: str
    street: str
    house_number: str
    postcode: str
    phone: str
    email: str | None
    birth_date: date
    situation: str
    help_wished: tuple[str, ...]
    help_other: str
    preferences: str
    lawful_basis_art6: LawfulBasisArt6
    lawful_basis_art9: LawfulBasisArt9
    consent_date: date | None
    deadline: date


@dataclass
class SaveResult:
    resident: Resident
    oproep: Oproep
    warnings: list[str] = field(default_factory=list)


def _location_fields(placed_result: LocateResult, areas: AreaMatch) -> dict[str, object]:
    location = placed_result.location
    return {
        "location": f"{location.lat:.6f},{location.lon:.6f}" if location else None,
        "location_precision": placed_result.precision,
        "wijk_code": areas.wijk.statcode if areas.wijk else None,
        "buurt_code": areas.buurt.statcode if areas.buurt else None,
    }


def _apply(
    session: Session,
    settings: Settings,
    resident: Resident,
    data: AanmeldingInput,
    recorded_by: uuid.UUID,
) -> list[str]:
    """Copy the form values onto the resident, locate the address; returns warnings."""
    placed = locate_address(session, settings, data.postcode, data.house_number)
    resident.first_name = data.first_name
    resident.last_name = data.last_name
    resident.street = data.street
    resident.house_number = data.house_number
    resident.postcode = placed.postcode
    resident.pc4 = placed.postcode[:4]
    resident.phone = data.phone
    resident.email = data.email
    resident.birth_date = data.birth_date.isoformat()
    resident.situation = data.situation
    resident.help_wished = ",".join(data.help_wished)
    resident.help_other = data.help_other or None
    resident.preferences = data.preferences or None
    resident.lawful_basis_art6 = data.lawful_basis_art6
    resident.lawful_basis_art9 = data.lawful_basis_art9
    if data.lawful_basis_art9 == LawfulBasisArt9.EXPLICIT_CONSENT:
        consent_day = data.consent_date or utcnow().date()
        if (
            resident.consent_recorded_at is None
            or resident.consent_recorded_at.date() != consent_day
        ):
            resident.consent_recorded_at = datetime.combine(
                consent_day, datetime.min.time(), tzinfo=utcnow().tzinfo
            )
            resident.consent_recorded_by_id = recorded_by
        resident.consent_text_version = settings.consent_text_version
    else:
        resident.consent_recorded_at = None
        resident.consent_recorded_by_id = None
        resident.consent_text_version = None
    for name, value in _location_fields(placed.result, placed.areas).items():
        setattr(resident, name, value)
    resident.updated_at = utcnow()
    warnings = []
    if placed.areas.wijk is None:
        warnings.append(
            "Dit adres ligt buiten de wijken die we kennen. De aanmelding is opgeslagen, "
            "maar er is geen wijk toegekend; overleg met de coördinator."
        )
    return warnings


def register_resident(
    session: Session, settings: Settings, data: AanmeldingInput, registered_by: uuid.UUID
) -> SaveResult:
    """A new aanmelding with its oproep in concept; the worker prepares the proposal."""
    resident = Resident(
        registered_by_id=registered_by,
        first_name="",
        last_name="",
        street="",
        house_number="",
        postcode="",
        phone="",
        birth_date="",
        situation="",
        lawful_basis_art6=data.lawful_basis_art6,
        lawful_basis_art9=data.lawful_basis_art9,
    )
    warnings = _apply(session, settings, resident, data, registered_by)
    session.add(resident)
    session.flush()
    oproep = Oproep(
        resident_id=resident.id,
        pc4=resident.pc4,
        wijk_code=resident.wijk_code,
        deadline=data.deadline,
        places=settings.oproep_places,
    )
    session.add(oproep)
    session.flush()
    _audit_resident(session, registered_by, AuditAction.CREATE, resident)
    return SaveResult(resident=resident, oproep=oproep, warnings=warnings)


def update_resident(
    session: Session,
    settings: Settings,
    resident: Resident,
    data: AanmeldingInput,
    changed_by: uuid.UUID,
) -> SaveResult:
    """Change an aanmelding; a concept oproep gets a fresh proposal when the text changed."""
    old_situation = resident.situation
    warnings = _apply(session, settings, resident, data, changed_by)
    session.add(resident)
    oproep = oproep_of(session, resident)
    if oproep.status == OproepStatus.DRAFT:
        oproep.pc4 = resident.pc4
        oproep.wijk_code = resident.wijk_code
        oproep.deadline = data.deadline
        if old_situation != resident.situation:
            # The worker prepares (and checks) a new proposal.
            oproep.proposed_text = None
            oproep.proposal_checked_at = None
            oproep.proposal_warnings = None
        session.add(oproep)
    session.flush()
    _audit_resident(session, changed_by, AuditAction.UPDATE, resident)
    return SaveResult(resident=resident, oproep=oproep, warnings=warnings)


def confirmed_neighbours(session: Session, oproep: Oproep) -> int:
    """How many good neighbours confirmed for this oproep (a number, never who)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(Match)
            .where(Match.oproep_id == oproep.id, Match.status == MatchStatus.CONFIRMED)
        ).one()
    )


def oproep_of(session: Session, resident: Resident) -> Oproep:
    oproep = session.exec(
        select(Oproep).where(Oproep.resident_id == resident.id).order_by(col(Oproep.created_at))
    ).first()
    if oproep is None:  # every resident gets one on registration
        raise LookupError(f"resident {resident.id} has no oproep")
    return oproep


@dataclass(frozen=True)
class ResidentRow:
    """One line of the buurtwerker's list: the resident's name (decrypted) and how far the
    oproep is; its step times are what ``updates.latest_step`` reads."""

    id: uuid.UUID
    first_name: str
    last_name: str
    created_at: datetime
    wijk_code: str | None
    status: OproepStatus
    approved_at: datetime | None
    sent_at: datetime | None
    closed_at: datetime | None
    matched_at: datetime | None
    followup_recorded_at: datetime | None


ResidentsPage = Listing[ResidentRow, OproepStatus]

_RESIDENT_COLUMNS = (
    col(Resident.id),
    col(Resident.first_name),
    col(Resident.last_name),
    col(Resident.created_at),
    col(Resident.wijk_code),
    col(Oproep.status),
    col(Oproep.approved_at),
    col(Oproep.sent_at),
    col(Oproep.closed_at),
    col(Oproep.matched_at),
    col(Oproep.followup_recorded_at),
)


def residents_page(
    session: Session, buurtwerker_id: uuid.UUID, status: OproepStatus | None, page: int
) -> ResidentsPage:
    """A page of the residents a buurtwerker registered, newest first, optionally those whose
    oproep has one status: two queries, whatever the number of residents."""
    own = (col(Resident.registered_by_id) == buurtwerker_id,)
    counts = {
        OproepStatus(found): int(number)
        for found, number in session.execute(
            sa.select(col(Oproep.status), func.count())
            .join(Resident, col(Oproep.resident_id) == col(Resident.id))
            .where(*own)
            .group_by(col(Oproep.status))
        ).all()
    }
    total = counts.get(status, 0) if status is not None else sum(counts.values())
    span = page_span(total, page)
    query = (
        sa.select(*_RESIDENT_COLUMNS)
        .join(Oproep, col(Oproep.resident_id) == col(Resident.id))
        .where(*own)
    )
    if status is not None:
        query = query.where(col(Oproep.status) == status)
    found = session.execute(
        query.order_by(col(Resident.created_at).desc(), col(Resident.id), col(Oproep.id))
        .offset(span.offset)
        .limit(span.limit)
    ).all()
    rows = [ResidentRow(*values) for values in found]
    return Listing(rows, status, counts, span.page, span.pages, total)


OPROEPEN_PER_PAGE = PER_PAGE


@dataclass(frozen=True)
class OproepRow:
    """One line of the coordinator's list: only what it shows (no text, no resident)."""

    id: uuid.UUID
    created_at: datetime
    pc4: str | None
    wijk_code: str | None
    status: OproepStatus
    deadline: date | None
    preparing: bool  # a draft whose proposed text the worker has not written yet
    confirmed_signups: int  # confirmed sign-ups via this oproep's links


OproepenPage = Listing[OproepRow, OproepStatus]


_ROW_COLUMNS = (
    col(Oproep.id),
    col(Oproep.created_at),
    col(Oproep.pc4),
    col(Oproep.wijk_code),
    col(Oproep.status),
    col(Oproep.deadline),
    col(Oproep.proposed_text).is_(None),
    # A correlated count in the same statement: the list stays at two queries per page.
    sa.select(func.count())
    .select_from(Volunteer)
    .where(
        col(Volunteer.oproep_id) == col(Oproep.id),
        col(Volunteer.status) == VolunteerStatus.CONFIRMED,
    )
    .correlate(Oproep)
    .scalar_subquery(),
)


def oproepen_page(session: Session, status: OproepStatus | None, page: int) -> OproepenPage:
    """A page of the oproepen, newest first, optionally of one status: two queries, whatever
    the number of oproepen (the counts per status, and the rows of this page)."""
    counts = {
        OproepStatus(found): int(number)
        for found, number in session.exec(
            select(Oproep.status, func.count()).group_by(col(Oproep.status))
        ).all()
    }
    total = counts.get(status, 0) if status is not None else sum(counts.values())
    span = page_span(total, page, OPROEPEN_PER_PAGE)
    query = sa.select(*_ROW_COLUMNS)
    if status is not None:
        query = query.where(col(Oproep.status) == status)
    found = session.execute(
        query.order_by(col(Oproep.created_at).desc(), col(Oproep.id))
        .offset(span.offset)
        .limit(span.limit)
    ).all()
    rows = [OproepRow(*values) for values in found]
    return Listing(rows, status, counts, span.page, span.pages, total)


def record_view(session: Session, actor: uuid.UUID, resident: Resident) -> None:
    """R1.10: every view of a resident's personal data is in the audit log."""
    _audit_resident(session, actor, AuditAction.VIEW, resident)


def _audit_resident(
    session: Session, actor: uuid.UUID, action: AuditAction, resident: Resident
) -> None:
    record_audit(
        session,
        actor_user_id=actor,
        action=action,
        record_type=RecordType.RESIDENT,
        record_id=str(resident.id),
    )


class ApprovalError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def approve_oproep(
    session: Session, settings: Settings, oproep: Oproep, text: str, approved_by: uuid.UUID
) -> Oproep:
    """Mark the (already checked) text as approved: ready for distribution."""
    if oproep.status != OproepStatus.DRAFT:
        raise ApprovalError("Deze oproep is al goedgekeurd of niet meer actief.")
    if not text.strip():
        raise ApprovalError("Schrijf eerst de tekst van de oproep.")
    if oproep.pc4 is not None and oproep.pc4 not in settings.service_area_pc4:
        # Registered before the aanmelding form refused such postcodes.
        raise ApprovalError(
            "De bewoner woont buiten het werkgebied van Niemand Alleen. Deze oproep kan "
            "niet verstuurd worden. Vraag de buurtwerker de postcode na te kijken."
        )
    oproep.text = text.strip()
    return move_oproep(session, settings, oproep, Move.APPROVE, actor_id=approved_by)
