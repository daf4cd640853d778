"""Preparing and checking oproep texts with the anonymiser (worker side; no Flask).

The web side only stores what the coordinator wrote; the worker, which holds the loaded
anonymiser, writes proposals and checks every proposed text. Nothing here logs text.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlmodel import Session, col, select

from niemand_alleen.anonymiser import AnonymisedOproep, Finding, ResidentFields
from niemand_alleen.models import Oproep, OproepStatus, Resident, utcnow
from niemand_alleen.reference import wijk_short_name

log = logging.getLogger(__name__)


class ProposalWriter(Protocol):
    """What the worker needs of the anonymiser (the loaded ``Anonymiser`` fits)."""

    def anonymise(
        self, fields: ResidentFields, situatie: str, *, pc4: str | None, wijk: str | None
    ) -> AnonymisedOproep: ...

    def check(
        self, fields: ResidentFields, text: str, *, wijk: str | None = None
    ) -> list[Finding]: ...


def resident_fields(resident: Resident) -> ResidentFields:
    return ResidentFields(
        first_name=resident.first_name,
        last_name=resident.last_name,
        street=resident.street,
        house_number=resident.house_number,
        postcode=resident.postcode,
        phone=resident.phone,
        email=resident.email,
        birth_date=date.fromisoformat(resident.birth_date),
    )


@dataclass(frozen=True)
class StoredWarning:
    category: str
    start: int
    end: int
    sentence: int


def encode_warnings(findings: list[Finding]) -> str:
    return json.dumps(
        [
            {"category": f.category, "start": f.start, "end": f.end, "sentence": f.sentence}
            for f in findings
            if f.severity == "warning"
        ]
    )


def decode_warnings(raw: str | None) -> list[StoredWarning]:
    return [StoredWarning(**item) for item in json.loads(raw or "[]")]


def pending_oproepen(session: Session) -> list[Oproep]:
    """Concept oproepen without a proposal, or whose proposed text was not checked yet."""
    return list(
        session.exec(
            select(Oproep).where(
                Oproep.status == OproepStatus.DRAFT,
                col(Oproep.resident_id).is_not(None),
                col(Oproep.proposal_checked_at).is_(None),
            )
        ).all()
    )


def prepare(session: Session, writer: ProposalWriter, oproep: Oproep) -> None:
    """Write a proposal if there is none, then check the proposed text."""
    resident = session.get(Resident, oproep.resident_id)
    if resident is None:
        return
    fields = resident_fields(resident)
    wijk = wijk_short_name(session, oproep.wijk_code)
    if oproep.proposed_text is None:
        result = writer.anonymise(fields, resident.situation, pc4=oproep.pc4, wijk=wijk)
        oproep.proposed_text = result.text
    findings = writer.check(fields, oproep.proposed_text or "", wijk=wijk)
    oproep.proposal_warnings = encode_warnings(findings)
    oproep.proposal_checked_at = utcnow()
    session.add(oproep)
    session.flush()
    log.info(
        "proposal ready oproep=%s warnings=%d",
        oproep.id,
        len(decode_warnings(oproep.proposal_warnings)),
    )


def submit_text(session: Session, oproep: Oproep, text: str) -> None:
    """The coordinator's own text: kept as the proposal and queued for the worker's check."""
    oproep.proposed_text = text
    oproep.proposal_checked_at = None
    oproep.proposal_warnings = None
    session.add(oproep)
    session.flush()
