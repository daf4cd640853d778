"""Builders for the questionnaire tests: a matched oproep with its confirmed good neighbour,
and a closed oproep with the organisations it was sent to (one unsubscribed since), as the
questionnaire job finds them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import factories
from sqlmodel import Session

from niemand_alleen.models import (
    Dispatch,
    DispatchStatus,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Organisation,
    Volunteer,
    VolunteerStatus,
    utcnow,
)

RESIDENT_FIELDS = ("Wilhelmina", "Jansen", "Groenedijk", "3311AB", "+31612345678", "1941")


@dataclass
class Matched:
    oproep: Oproep
    volunteer: Volunteer
    match: Match


@dataclass
class Closed:
    oproep: Oproep
    organisation: Organisation
    unsubscribed: Organisation
    dispatch: Dispatch


def matched_oproep(
    session: Session,
    *,
    days_ago: int = 43,
    status: VolunteerStatus = VolunteerStatus.CONFIRMED,
) -> Matched:
    now = utcnow()
    oproep = factories.oproep(
        session,
        status=OproepStatus.MATCHED,
        text=factories.OPROEP_TEXT,
        closed_at=now - timedelta(days=days_ago + 5),
        matched_at=now - timedelta(days=days_ago),
    )
    neighbour = factories.signup(
        session,
        oproep,
        first_name="Jorinde",
        last_name="Verbeek",
        email="jorinde.buur@example.org",
        status=status,
    )
    match = Match(
        oproep_id=oproep.id, volunteer_id=neighbour.id, rank=1, status=MatchStatus.CONFIRMED
    )
    session.add(match)
    session.commit()
    return Matched(oproep, neighbour, match)


def _dispatch(session: Session, oproep: Oproep, organisation: Organisation, code: str) -> Dispatch:
    made = Dispatch(
        oproep_id=oproep.id,
        organisation_id=organisation.id,
        referral_code=code,
        status=DispatchStatus.SENT,
        sent_at=utcnow() - timedelta(days=20),
    )
    session.add(made)
    session.commit()
    return made


def closed_oproep(db_session: Session) -> Closed:
    oproep = factories.oproep(
        db_session,
        status=OproepStatus.CLOSED,
        text=factories.OPROEP_TEXT,
        sent_at=utcnow() - timedelta(days=20),
        closed_at=utcnow() - timedelta(hours=1),
    )
    organisation = factories.organisation(
        db_session,
        "Buurtkerk De Ark",
        emails=("info@ark.example.org", "secretariaat@ark.example.org"),
    )
    unsubscribed = factories.organisation(db_session, "Wijkcentrum Oost", unsubscribed=True)
    dispatch = _dispatch(db_session, oproep, organisation, "ark-vragen")
    _dispatch(db_session, oproep, unsubscribed, "oost-vragen")
    return Closed(oproep, organisation, unsubscribed, dispatch)
