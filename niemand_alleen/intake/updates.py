"""Keeping the buurtwerker informed: a short mail when the oproep of a resident they
registered moves on (approved, sent, closed, matched, checked after six weeks), and the
latest step on their own list. Never a neighbour's contact details, never the resident's
name: the mail names the aanmelding by its date and wijk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func
from sqlmodel import Session, select

from niemand_alleen.config import Settings
from niemand_alleen.mail import queue_mail, render_mail
from niemand_alleen.models import (
    FollowupOutcome,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Resident,
    Role,
    User,
    utcnow,
)
from niemand_alleen.reference import wijk_short_name

# What the buurtwerker reads, per step.
STEP_TEXTS = {
    OproepStatus.APPROVED.value: "De coördinator heeft de oproep goedgekeurd.",
    OproepStatus.OPEN.value: "De oproep is naar de organisaties in de wijk gestuurd.",
    OproepStatus.CLOSED.value: (
        "Aanmelden kan niet meer. De coördinator belt nu de goede buren die zich meldden."
    ),
    OproepStatus.MATCHED.value: (
        "Er zijn goede buren gevonden. De coördinator brengt hen in contact met de bewoner."
    ),
}
# The six-week check may be recorded early (with a reason), so its text names no time.
FOLLOWUP_TEXTS = {
    FollowupOutcome.ACTIVE: "Het contact tussen de bewoner en de goede buren loopt nog.",
    FollowupOutcome.ENDED: "Het contact tussen de bewoner en de goede buren is gestopt.",
    FollowupOutcome.UNKNOWN: "Het is niet bekend of het contact nog loopt.",
}
FOLLOWUP_STEP = "De coördinator heeft nagevraagd hoe het contact gaat. {outcome}"
# The oproep's status as the buurtwerker reads it (the coordinator's words are shorter).
BUURTWERKER_STATUS_LABELS = {
    OproepStatus.DRAFT: "Wacht op de coördinator",
    OproepStatus.APPROVED: "Goedgekeurd, nog niet verstuurd",
    OproepStatus.OPEN: "Goede buren kunnen zich aanmelden",
    OproepStatus.CLOSED: "Aanmelden gesloten, de coördinator belt",
    OproepStatus.MATCHED: "Goede buur gevonden",
    OproepStatus.CANCELLED: "Gestopt",
}


def step_text(oproep: Oproep, step: str) -> str:
    """What the buurtwerker reads about ``step``; the six-week check names its outcome."""
    if step != "followup":
        return STEP_TEXTS[step]
    outcome = oproep.followup_outcome or FollowupOutcome.UNKNOWN
    return FOLLOWUP_STEP.format(outcome=FOLLOWUP_TEXTS[outcome])


def neighbours_found(number: int) -> str:
    """The number of good neighbours found, e.g. "1 goede buur gevonden"."""
    return f"{number} goede {'buur' if number == 1 else 'buren'} gevonden"


def matched_text(found: int) -> str:
    """The matched step with the number of good neighbours found, singular or plural."""
    if found == 1:
        return (
            "Er is een goede buur gevonden. De coördinator brengt deze buur in contact met de "
            "bewoner."
        )
    return (
        f"Er zijn {found} goede buren gevonden. De coördinator brengt hen in contact met de "
        "bewoner."
    )


def _step_text(session: Session, oproep: Oproep, step: str) -> str:
    if step != OproepStatus.MATCHED.value:
        return step_text(oproep, step)
    found = session.exec(
        select(func.count())
        .select_from(Match)
        .where(Match.oproep_id == oproep.id, Match.status == MatchStatus.CONFIRMED)
    ).one()
    return matched_text(found) if found else STEP_TEXTS[step]


def tell_buurtwerker(
    session: Session, settings: Settings, oproep: Oproep, step: str, now: datetime | None = None
) -> None:
    """Queue the mail about ``step`` (a status value or ``followup``) to the buurtwerker
    who registered the resident, if they still have an active buurtwerker's account."""
    resident = session.get(Resident, oproep.resident_id) if oproep.resident_id else None
    if resident is None or resident.registered_by_id is None:
        return
    user = session.get(User, resident.registered_by_id)
    # Only buurtwerkers register residents; any other account is told elsewhere.
    if user is None or not user.active or user.role != Role.BUURTWERKER:
        return
    day = (now or utcnow()).date().isoformat()
    mail = render_mail(
        "buurtwerker_update",
        buurtwerker_name=user.name,
        step=_step_text(session, oproep, step),
        registered_on=resident.created_at,
        wijk_name=wijk_short_name(session, oproep.wijk_code),
        resident_url=f"{settings.public_base_url}/aanmeldingen/{resident.id}",
    )
    queue_mail(
        session,
        idempotency_key=f"buurtwerker:{oproep.id}:{step}:{day}",
        kind="buurtwerker_update",
        recipient=user.email,
        mail=mail,
        # Not filed under the oproep: the oproep's mails are those to its organisations and
        # neighbours (their overview, retries and follow-ups).
    )


def on_oproep_moved(
    session: Session, settings: Settings, oproep: Oproep, _actor: uuid.UUID | None
) -> None:
    """``lifecycle.on_entering`` hook: the new state is the step."""
    tell_buurtwerker(session, settings, oproep, oproep.status.value)


@dataclass(frozen=True)
class LatestStep:
    text: str
    at: datetime


class StepTimes(Protocol):
    """When an oproep passed each step (an ``Oproep``, or a row of the buurtwerker's list)."""

    @property
    def approved_at(self) -> datetime | None: ...
    @property
    def sent_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def matched_at(self) -> datetime | None: ...
    @property
    def followup_recorded_at(self) -> datetime | None: ...


def latest_step(oproep: StepTimes) -> LatestStep | None:
    """The most recent thing that happened to an oproep, for the buurtwerker's list."""
    steps = [
        ("Nagevraagd hoe het contact gaat", oproep.followup_recorded_at),
        ("Goede buren gevonden", oproep.matched_at),
        ("Aanmelden gesloten", oproep.closed_at),
        ("Naar de organisaties gestuurd", oproep.sent_at),
        ("Goedgekeurd", oproep.approved_at),
    ]
    known = [(text, at) for text, at in steps if at is not None]
    if not known:
        return None
    text, at = max(known, key=lambda step: step[1])
    return LatestStep(text, at)
