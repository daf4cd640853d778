"""Matching services: load candidates, close an oproep, propose, follow up, and finish.

Services take the session and flush; the request or job commits once. Every state change of
an oproep's proposals happens under a row lock on the oproep (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite every write transaction starts with ``BEGIN IMMEDIATE``), so two
coordinators clicking at once are serialised and never confirm two neighbours for one place.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from niemand_alleen import signup
from niemand_alleen.audit import RecordType, details, record_saved
from niemand_alleen.config import Settings
from niemand_alleen.dates import long_date
from niemand_alleen.distribution import (
    general_signup_url,
    oproep_contact,
    resident_location,
)
from niemand_alleen.geo import LocationPrecision, bounding_box, short_name
from niemand_alleen.intake import tell_buurtwerker
from niemand_alleen.lifecycle import Move, move_oproep
from niemand_alleen.mail import queue_mail, render_mail
from niemand_alleen.matching.matcher import (
    Neighbour,
    Origin,
    Ranking,
    Rules,
    Source,
    measured_distance_label,
    rank,
)
from niemand_alleen.models import (
    DeclineCode,
    FollowupOutcome,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Resident,
    ResidentVeto,
    Volunteer,
    VolunteerStatus,
    Wijk,
    utcnow,
)

ACTIVE_MATCH = (MatchStatus.PROPOSED, MatchStatus.APPROACHED, MatchStatus.CONFIRMED)
DECLINE_REASON_MAX = 500
# Neighbours on the "ask me again" list are sought within this radius when the maximum
# distance is switched off (MATCH_MAX_DISTANCE_M=0).
CONTACT_AGAIN_FALLBACK_M = 3000


class MatchingError(ValueError):
    """A refused step, with a Dutch message for the coordinator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- loading candidates -----------------------------------------------------------------


def oproep_origin(session: Session, oproep: Oproep) -> Origin | None:
    resident = session.get(Resident, oproep.resident_id) if oproep.resident_id else None
    location = resident_location(resident)
    if location is None or resident is None:
        return None
    precision = resident.location_precision
    if precision is LocationPrecision.UNKNOWN:
        precision = LocationPrecision.PC4
    return Origin(lat=location[0], lon=location[1], precision=precision)


def match_rules(settings: Settings, oproep: Oproep, reserve_size: int | None = None) -> Rules:
    return Rules(
        places=max(oproep.places, 1),
        max_distance_m=float(settings.match_max_distance_m) or None,
        max_active_networks=settings.match_max_active_networks,
        reserve_size=reserve_size,
        outside_area_max_distance_m=settings.outside_area_max_distance_km * 1000,
    )


def _pool_select() -> Any:
    return sa.select(
        col(Volunteer.id),
        col(Volunteer.created_at),
        col(Volunteer.lat),
        col(Volunteer.lon),
        col(Volunteer.location_precision),
        col(Volunteer.status),
        col(Volunteer.email_hash),
        col(Volunteer.outside_area),
    )


def contact_again_radius(settings: Settings) -> int:
    return settings.match_max_distance_m or CONTACT_AGAIN_FALLBACK_M


@dataclass
class _Flags:
    """Per-person facts from earlier decisions: few rows, loaded once per ranking."""

    vetoed: set[str]
    declined_people: set[str]
    decided_here: dict[uuid.UUID | None, MatchStatus]
    busy: dict[str, int]


def _hashes(session: Session, volunteer_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    ids = [i for i in set(volunteer_ids) if i is not None]
    if not ids:
        return {}
    return dict(
        session.exec(
            select(Volunteer.id, Volunteer.email_hash).where(col(Volunteer.id).in_(ids))
        ).all()
    )


def _flags(session: Session, oproep: Oproep) -> _Flags:
    """Read from the (small) match and veto tables first, then the few sign-ups they name:
    never a scan of the whole sign-up table."""
    vetoed: set[str] = set()
    declined_people: set[str] = set()
    if oproep.resident_id is not None:
        vetoed = set(
            session.exec(
                select(ResidentVeto.email_hash).where(
                    ResidentVeto.resident_id == oproep.resident_id
                )
            )
        )
        declined_ids = session.exec(
            select(Match.volunteer_id)
            .join(Oproep, col(Oproep.id) == col(Match.oproep_id))
            .where(
                Match.status == MatchStatus.DECLINED,
                Oproep.resident_id == oproep.resident_id,
            )
        ).all()
        declined_people = set(_hashes(session, declined_ids).values()) - {""}
    decided_here: dict[uuid.UUID | None, MatchStatus] = {
        volunteer_id: MatchStatus(status)
        for volunteer_id, status in session.exec(
            select(Match.volunteer_id, Match.status).where(
                Match.oproep_id == oproep.id,
                col(Match.status).in_([MatchStatus.DECLINED, MatchStatus.UNREACHABLE]),
            )
        ).all()
    }
    confirmed_elsewhere = session.exec(
        select(Match.volunteer_id, Match.oproep_id)
        .join(Oproep, col(Oproep.id) == col(Match.oproep_id))
        .where(
            Match.status == MatchStatus.CONFIRMED,
            Oproep.status == OproepStatus.MATCHED,
            Oproep.id != oproep.id,
            or_(
                col(Oproep.followup_outcome).is_(None),
                col(Oproep.followup_outcome) != FollowupOutcome.ENDED,
            ),
        )
    ).all()
    hashes = _hashes(session, (volunteer_id for volunteer_id, _ in confirmed_elsewhere))
    networks: dict[str, set[uuid.UUID]] = {}
    for volunteer_id, network in confirmed_elsewhere:
        person = hashes.get(volunteer_id) if volunteer_id else None
        if person:
            networks.setdefault(person, set()).add(network)
    busy = {person: len(oproepen) for person, oproepen in networks.items()}
    return _Flags(vetoed, declined_people, decided_here, busy)


def _neighbour(row: tuple[Any, ...], source: Source, flags: _Flags) -> Neighbour:
    volunteer_id, created_at, lat, lon, precision, status, email_hash, outside_area = row
    person = str(email_hash or "")
    return Neighbour(
        id=volunteer_id,
        signed_up_at=created_at,
        lat=lat,
        lon=lon,
        precision=LocationPrecision(precision),
        source=source,
        confirmed=status == VolunteerStatus.CONFIRMED,
        withdrawn=status == VolunteerStatus.WITHDRAWN,
        person=person,
        vetoed=bool(person) and person in flags.vetoed,
        declined_before=flags.decided_here.get(volunteer_id) == MatchStatus.DECLINED
        or (bool(person) and person in flags.declined_people),
        unreachable_here=flags.decided_here.get(volunteer_id) == MatchStatus.UNREACHABLE,
        active_networks=flags.busy.get(person, 0) if person else 0,
        outside_area=bool(outside_area),
    )


def volunteer_distance_label(origin: Origin | None, volunteer: Volunteer) -> str | None:
    """The distance from the resident to any sign-up, also one the ranking left out (declined,
    unreachable): measured as the ranking measures. None when a location is unknown."""
    neighbour = Neighbour(
        id=volunteer.id,
        signed_up_at=volunteer.created_at,
        lat=volunteer.lat,
        lon=volunteer.lon,
        precision=LocationPrecision(volunteer.location_precision),
    )
    return measured_distance_label(origin, neighbour)


class PoolLoader:
    """This oproep's sign-ups (all of them, so exclusions can be shown) and, near the
    resident, earlier neighbours who asked to be asked again.

    The second group is prefiltered in SQL on the indexed ``lat``/``lon`` columns with a
    bounding box that provably contains the radius (``geo.bounding_box``); the matcher then
    measures exactly. Neighbours on that list without a location, in the oproep's wijk, are
    loaded too so they show up as excluded instead of vanishing. The fixed parts are read
    once; :meth:`pool` can be asked for growing radii.
    """

    def __init__(self, session: Session, oproep: Oproep, origin: Origin | None) -> None:
        self.session, self.oproep, self.origin = session, oproep, origin
        self.flags = _flags(session, oproep)
        self._again = (
            col(Volunteer.contact_again).is_(True),
            col(Volunteer.status) == VolunteerStatus.CONFIRMED,
            col(Volunteer.purged_at).is_(None),
            or_(col(Volunteer.oproep_id).is_(None), col(Volunteer.oproep_id) != oproep.id),
        )
        self.fixed: dict[uuid.UUID, Neighbour] = {}
        for row in session.execute(
            _pool_select().where(
                col(Volunteer.oproep_id) == oproep.id, col(Volunteer.purged_at).is_(None)
            )
        ):
            self.fixed[row[0]] = _neighbour(tuple(row), Source.SIGNUP, self.flags)
        if oproep.wijk_code:
            for row in session.execute(
                _pool_select().where(
                    col(Volunteer.lat).is_(None),
                    col(Volunteer.wijk_code) == oproep.wijk_code,
                    *self._again,
                )
            ):
                self.fixed.setdefault(
                    row[0], _neighbour(tuple(row), Source.CONTACT_AGAIN, self.flags)
                )

    def pool(self, radius_m: float) -> list[Neighbour]:
        found = dict(self.fixed)
        if self.origin is not None:
            box = bounding_box(self.origin.lat, self.origin.lon, radius_m)
            for row in self.session.execute(
                _pool_select().where(
                    col(Volunteer.lat).between(box.min_lat, box.max_lat),
                    col(Volunteer.lon).between(box.min_lon, box.max_lon),
                    *self._again,
                )
            ):
                if row[0] not in found:
                    found[row[0]] = _neighbour(tuple(row), Source.CONTACT_AGAIN, self.flags)
        return list(found.values())


# Small enough that a dense pool (a million neighbours) reads a few hundred rows at first;
# a sparse one needs a few more doublings, each a cheap indexed query.
FIRST_SEARCH_RADIUS_M = 100.0


def ranking_for(
    session: Session, settings: Settings, oproep: Oproep, reserve_size: int | None = None
) -> Ranking:
    """The ranking for an oproep.

    With a reserve size (closing, proposing the next one) only the closest neighbours are
    needed: the "ask me again" neighbours are loaded within a small radius first, doubled
    until enough ranked neighbours lie within it. That is exact: everyone within radius r
    is inside the loaded box, so ranked neighbours at distance <= r are in their true order
    and nobody closer is missing. This oproep's own sign-ups are always loaded in full.
    Without a reserve size everyone within the contact-again radius is loaded and ranked
    (the coordinator's page).
    """
    origin = oproep_origin(session, oproep)
    rules = match_rules(settings, oproep, reserve_size)
    loader = PoolLoader(session, oproep, origin)
    full_radius = float(contact_again_radius(settings))
    if reserve_size is None or origin is None:
        return rank(origin, loader.pool(full_radius), rules)
    wanted = rules.places + reserve_size
    radius = min(FIRST_SEARCH_RADIUS_M, full_radius)
    while True:
        ranking = rank(origin, loader.pool(radius), rules)
        within = sum(1 for entry in ranking.ranked if entry.distance_m <= radius)
        if radius >= full_radius or within >= wanted:
            return ranking
        radius = min(radius * 2, full_radius)


# --- locking and proposing -----------------------------------------------------------------


def lock_oproep(session: Session, oproep_id: uuid.UUID) -> Oproep:
    """The oproep, freshly read and locked for the rest of the transaction."""
    oproep = session.exec(
        select(Oproep)
        .where(Oproep.id == oproep_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if oproep is None:
        raise MatchingError("Deze oproep bestaat niet (meer).")
    return oproep


def matches_of(session: Session, oproep_id: uuid.UUID) -> list[Match]:
    return list(
        session.exec(
            select(Match)
            .where(Match.oproep_id == oproep_id)
            .order_by(col(Match.created_at), col(Match.rank))
            .execution_options(populate_existing=True)
        ).all()
    )


def fill_proposals(session: Session, settings: Settings, oproep: Oproep) -> list[Match]:
    """Propose the next closest neighbours until every place has an open proposal.

    The caller holds the oproep's lock. Proposals already made stay where they are; a new
    ranking (without those who declined or could not be reached) fills the open places.
    """
    existing = matches_of(session, oproep.id)
    active = [m for m in existing if m.status in ACTIVE_MATCH]
    open_places = oproep.places - len(active)
    if open_places <= 0:
        return []
    taken = {m.volunteer_id for m in existing}
    ranking = ranking_for(session, settings, oproep, reserve_size=len(existing) + oproep.places)
    new: list[Match] = []
    now = utcnow()
    for ranked in ranking.ranked:
        if len(new) == open_places:
            break
        if ranked.neighbour.id in taken:
            continue
        match = Match(
            oproep_id=oproep.id,
            volunteer_id=ranked.neighbour.id,
            rank=ranked.position,
            created_at=now,
            updated_at=now,
        )
        session.add(match)
        new.append(match)
    session.flush()
    return new


# --- closing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseResult:
    proposed: list[Match]
    confirmed_signups: int

    @property
    def no_candidates(self) -> bool:
        return not self.proposed


def _wijk_name(session: Session, oproep: Oproep) -> str | None:
    wijk = session.get(Wijk, oproep.wijk_code) if oproep.wijk_code else None
    return short_name(wijk.name) if wijk else None


def matching_url(settings: Settings, oproep_id: uuid.UUID) -> str:
    return f"{settings.public_base_url}/oproepen/{oproep_id}/koppelen"


def _tell_coordinator(
    session: Session, settings: Settings, oproep: Oproep, kind: str, **context: object
) -> None:
    contact = oproep_contact(session, oproep)
    if contact is None:
        return
    mail = render_mail(
        kind,
        coordinator_name=contact.name,
        wijk_name=_wijk_name(session, oproep),
        pc4=oproep.pc4,
        oproep_url=matching_url(settings, oproep.id),
        distribution_url=f"{settings.public_base_url}/oproepen/{oproep.id}/verspreiding",
        **context,
    )
    stamp = (oproep.closed_at or utcnow()).strftime("%Y%m%d%H%M%S")
    queue_mail(
        session,
        idempotency_key=f"{kind}:{oproep.id}:{stamp}",
        kind=kind,
        recipient=contact.email,
        mail=mail,
        oproep_id=oproep.id,
    )


def confirmed_signups(session: Session, oproep_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count())
        .select_from(Volunteer)
        .where(Volunteer.oproep_id == oproep_id, Volunteer.status == VolunteerStatus.CONFIRMED)
    ).one()


def close_oproep(
    session: Session, settings: Settings, oproep_id: uuid.UUID, actor_id: uuid.UUID | None
) -> CloseResult:
    """Close an open oproep (deadline passed, or the coordinator) and propose neighbours.

    Without any candidate the oproep stays closed, ``no_candidates_at`` records it and the
    coordinator is told what can be done (extend the deadline, widen the search, remind).
    """
    oproep = lock_oproep(session, oproep_id)
    if oproep.status != OproepStatus.OPEN:
        raise MatchingError("Alleen een lopende oproep kan gesloten worden.")
    proposed = fill_proposals(session, settings, oproep)
    signups = confirmed_signups(session, oproep.id)
    now = utcnow()
    move_oproep(
        session,
        settings,
        oproep,
        Move.CLOSE,
        actor_id=actor_id,
        detail=details.oproep_closed(len(proposed), signups),
        now=now,
    )
    if proposed:
        oproep.no_candidates_at = None
        _tell_coordinator(
            session,
            settings,
            oproep,
            "match_proposals",
            proposals=len(proposed),
            places=oproep.places,
            signups=signups,
        )
    else:
        oproep.no_candidates_at = now
        _tell_coordinator(session, settings, oproep, "match_no_candidates", signups=signups)
    session.add(oproep)
    session.flush()
    return CloseResult(proposed=proposed, confirmed_signups=signups)


def close_due_oproepen(session: Session, settings: Settings, today: date) -> int:
    """The job: every open oproep whose deadline has passed is closed (idempotent)."""
    due = session.exec(
        select(Oproep.id).where(
            Oproep.status == OproepStatus.OPEN,
            col(Oproep.deadline).is_not(None),
            col(Oproep.deadline) < today,
        )
    ).all()
    closed = 0
    for oproep_id in due:
        try:
            close_oproep(session, settings, oproep_id, None)
        except MatchingError:  # closed meanwhile by a coordinator
            continue
        closed += 1
    return closed


def reopen_oproep(
    session: Session,
    settings: Settings,
    oproep_id: uuid.UUID,
    deadline: date,
    actor_id: uuid.UUID,
    today: date,
) -> Oproep:
    """A closed oproep without open proposals runs again until a new deadline."""
    oproep = lock_oproep(session, oproep_id)
    if oproep.status != OproepStatus.CLOSED:
        raise MatchingError("Alleen een gesloten oproep kan weer open.")
    if any(m.status in ACTIVE_MATCH for m in matches_of(session, oproep.id)):
        raise MatchingError(
            "Er lopen nog voorstellen. Rond die eerst af (afgewezen of niet bereikbaar)."
        )
    if deadline <= today:
        raise MatchingError("Kies een nieuwe einddatum na vandaag.")
    oproep.deadline = deadline
    return move_oproep(session, settings, oproep, Move.REOPEN, actor_id=actor_id)


# --- the coordinator's decisions --------------------------------------------------------


class Action(enum.StrEnum):
    APPROACHED = "approached"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"


ALLOWED_FROM: dict[Action, tuple[MatchStatus, ...]] = {
    Action.APPROACHED: (MatchStatus.PROPOSED,),
    Action.CONFIRMED: (MatchStatus.PROPOSED, MatchStatus.APPROACHED),
    Action.DECLINED: (MatchStatus.PROPOSED, MatchStatus.APPROACHED, MatchStatus.CONFIRMED),
    Action.UNREACHABLE: (MatchStatus.PROPOSED, MatchStatus.APPROACHED),
}
STATUS_LABELS = {
    MatchStatus.PROPOSED: "Voorgesteld",
    MatchStatus.APPROACHED: "Benaderd",
    MatchStatus.CONFIRMED: "Bevestigd",
    MatchStatus.DECLINED: "Afgewezen",
    MatchStatus.UNREACHABLE: "Niet bereikbaar",
}
DECLINE_LABELS = {
    DeclineCode.NO_TIME: "Heeft (nu) geen tijd",
    DeclineCode.NOT_A_FIT: "Past niet bij wat de bewoner zoekt",
    DeclineCode.RESIDENT_DECLINED: "De bewoner wil deze buur liever niet",
    DeclineCode.CIRCUMSTANCES: "Persoonlijke omstandigheden",
    DeclineCode.OTHER: "Andere reden",
}


@dataclass
class Decision:
    match: Match
    new_proposals: list[Match] = field(default_factory=list)
    matched: bool = False


def decide(
    session: Session,
    settings: Settings,
    oproep_id: uuid.UUID,
    match_id: uuid.UUID,
    action: Action,
    actor_id: uuid.UUID,
    *,
    decline_code: DeclineCode | None = None,
    reason: str | None = None,
    veto: bool = False,
) -> Decision:
    """Record the coordinator's outcome for one proposal, under the oproep's lock.

    Declined or unreachable: the next candidate is proposed at once. The last confirmation
    completes the match (mails to everyone involved and to the organisations).
    """
    oproep = lock_oproep(session, oproep_id)
    match, volunteer = _decidable_match(session, oproep, match_id, action)
    match.status = MatchStatus(action.value)
    match.decided_by_id = actor_id
    match.updated_at = utcnow()
    if action is Action.DECLINED:
        match.decline_code = (
            DeclineCode.RESIDENT_DECLINED if veto else (decline_code or DeclineCode.OTHER)
        )
        match.decline_reason = (reason or "").strip()[:DECLINE_REASON_MAX] or None
        if veto and oproep.resident_id and volunteer is not None and volunteer.email_hash:
            _record_veto(session, oproep.resident_id, volunteer.email_hash, actor_id)
    record_saved(
        session,
        match,
        actor_user_id=actor_id,
        record_type=RecordType.MATCH,
        detail=details.match_decided(match.status, veto=veto),
    )
    decision = Decision(match=match)
    if action in (Action.DECLINED, Action.UNREACHABLE):
        decision.new_proposals = fill_proposals(session, settings, oproep)
    elif action is Action.CONFIRMED and _confirmed_count(session, oproep) >= oproep.places:
        complete_match(session, settings, oproep, actor_id)
        decision.matched = True
    return decision


def _confirmed_count(session: Session, oproep: Oproep) -> int:
    return sum(1 for m in matches_of(session, oproep.id) if m.status == MatchStatus.CONFIRMED)


def _decidable_match(
    session: Session, oproep: Oproep, match_id: uuid.UUID, action: Action
) -> tuple[Match, Volunteer | None]:
    """The proposal the coordinator decides on, and its neighbour; raises
    :class:`MatchingError` when this decision is not possible (any more)."""
    if oproep.status != OproepStatus.CLOSED:
        raise MatchingError(
            "Deze oproep is al afgerond of gestopt; de voorstellen kunnen niet meer veranderen."
        )
    match = next((m for m in matches_of(session, oproep.id) if m.id == match_id), None)
    if match is None:
        raise MatchingError("Dit voorstel hoort niet bij deze oproep.")
    if match.status not in ALLOWED_FROM[action]:
        raise MatchingError(
            f"Dit voorstel staat al op ‘{STATUS_LABELS[match.status].lower()}’ "
            "(misschien door een collega). Bekijk de pagina opnieuw."
        )
    if action is Action.CONFIRMED and _confirmed_count(session, oproep) >= oproep.places:
        raise MatchingError("Alle plaatsen zijn al bevestigd.")
    volunteer = session.get(Volunteer, match.volunteer_id) if match.volunteer_id else None
    if action is Action.CONFIRMED and (
        volunteer is None or volunteer.status != VolunteerStatus.CONFIRMED
    ):
        raise MatchingError(
            "Deze buur heeft de aanmelding ingetrokken. Kies ‘afgewezen’ voor een volgende."
        )
    return match, volunteer


def _record_veto(
    session: Session, resident_id: uuid.UUID, email_hash: str, actor_id: uuid.UUID
) -> None:
    exists = session.exec(
        select(ResidentVeto).where(
            ResidentVeto.resident_id == resident_id, ResidentVeto.email_hash == email_hash
        )
    ).first()
    if exists is None:
        session.add(
            ResidentVeto(resident_id=resident_id, email_hash=email_hash, recorded_by_id=actor_id)
        )
        session.flush()


def finish_with_fewer(
    session: Session, settings: Settings, oproep_id: uuid.UUID, actor_id: uuid.UUID
) -> None:
    """The coordinator ends the search with the neighbours confirmed so far (at least one)."""
    oproep = lock_oproep(session, oproep_id)
    if oproep.status != OproepStatus.CLOSED:
        raise MatchingError("Deze oproep is al afgerond of gestopt.")
    matches = matches_of(session, oproep.id)
    if not any(m.status == MatchStatus.CONFIRMED for m in matches):
        raise MatchingError("Bevestig eerst minstens één goede buur.")
    if any(m.status in (MatchStatus.PROPOSED, MatchStatus.APPROACHED) for m in matches):
        raise MatchingError(
            "Er lopen nog voorstellen. Zet ze eerst op afgewezen of niet bereikbaar."
        )
    complete_match(session, settings, oproep, actor_id)


def _neighbour_context(settings: Settings, volunteer: Volunteer) -> dict[str, object]:
    return {
        "first_name": volunteer.first_name,
        "withdraw_url": signup.withdraw_url(
            settings.public_base_url, settings.secret_key, volunteer.id
        ),
        "privacy_url": f"{settings.public_base_url}/privacy",
        "general_signup_url": general_signup_url(settings.public_base_url),
    }


def complete_match(
    session: Session, settings: Settings, oproep: Oproep, actor_id: uuid.UUID | None
) -> None:
    """Matched: confirmed neighbours hear what happens next, the others get thanks and the
    offer to be asked again, the organisations hear the oproep is filled (distribution's
    part of the move to *matched*)."""
    contact = oproep_contact(session, oproep)
    wijk_name = _wijk_name(session, oproep)
    matches = matches_of(session, oproep.id)
    confirmed_ids = {m.volunteer_id for m in matches if m.status == MatchStatus.CONFIRMED}
    confirmed = [
        v for v in (session.get(Volunteer, i) for i in confirmed_ids if i) if v is not None
    ]
    told: set[str] = set()
    for volunteer in sorted(confirmed, key=lambda v: str(v.id)):
        told.add(volunteer.email_hash)
        queue_mail(
            session,
            idempotency_key=f"match_confirmed:{oproep.id}:{volunteer.id}",
            kind="match_confirmed",
            recipient=volunteer.email,
            mail=render_mail(
                "match_confirmed",
                wijk_name=wijk_name,
                contact=contact,
                **_neighbour_context(settings, volunteer),
            ),
            oproep_id=oproep.id,
        )
    others = _others(session, oproep, matches)
    for volunteer in others:
        if not volunteer.email or volunteer.email_hash in told:
            continue
        told.add(volunteer.email_hash)
        queue_mail(
            session,
            idempotency_key=f"match_thanks:{oproep.id}:{volunteer.id}",
            kind="match_thanks",
            recipient=volunteer.email,
            mail=render_mail(
                "match_thanks",
                wijk_name=wijk_name,
                contact=contact,
                contact_again=volunteer.contact_again,
                **_neighbour_context(settings, volunteer),
            ),
            oproep_id=oproep.id,
        )
    move_oproep(
        session,
        settings,
        oproep,
        Move.MATCH,
        actor_id=actor_id,
        detail=details.oproep_matched(len(confirmed)),
    )


def _others(session: Session, oproep: Oproep, matches: Iterable[Match]) -> list[Volunteer]:
    """Confirmed sign-ups of this oproep and proposed neighbours who were not confirmed."""
    confirmed = {m.volunteer_id for m in matches if m.status == MatchStatus.CONFIRMED}
    proposed = {m.volunteer_id for m in matches if m.volunteer_id} - confirmed
    found = session.exec(
        select(Volunteer)
        .where(
            or_(
                col(Volunteer.oproep_id) == oproep.id,
                col(Volunteer.id).in_([i for i in proposed if i is not None]),
            ),
            Volunteer.status == VolunteerStatus.CONFIRMED,
            col(Volunteer.purged_at).is_(None),
        )
        .order_by(col(Volunteer.created_at), col(Volunteer.id))
    ).all()
    return [v for v in found if v.id not in confirmed]


# --- six weeks later ---------------------------------------------------------------------


def followup_due(settings: Settings, oproep: Oproep) -> datetime | None:
    if oproep.matched_at is None:
        return None
    return oproep.matched_at + timedelta(days=settings.match_followup_days)


def remind_followups(session: Session, settings: Settings, now: datetime) -> int:
    """Remind the coordinator, once per match, to check that the network is still active."""
    cutoff = now - timedelta(days=settings.match_followup_days)
    reminded = 0
    for oproep in session.exec(
        select(Oproep).where(
            Oproep.status == OproepStatus.MATCHED,
            col(Oproep.matched_at) <= cutoff,
            col(Oproep.followup_reminded_at).is_(None),
            col(Oproep.followup_outcome).is_(None),
        )
    ).all():
        contact = oproep_contact(session, oproep)
        if contact is not None:
            queue_mail(
                session,
                idempotency_key=f"match_followup:{oproep.id}",
                kind="match_followup",
                recipient=contact.email,
                mail=render_mail(
                    "match_followup",
                    coordinator_name=contact.name,
                    wijk_name=_wijk_name(session, oproep),
                    pc4=oproep.pc4,
                    matched_at=oproep.matched_at,
                    weeks=settings.match_followup_days // 7,
                    oproep_url=matching_url(settings, oproep.id),
                ),
                oproep_id=oproep.id,
            )
        oproep.followup_reminded_at = now
        session.add(oproep)
        reminded += 1
    session.flush()
    return reminded


class EarlyFollowupReason(enum.StrEnum):
    """Why a six-week check is recorded before the six weeks are over."""

    CONTACTED = "contacted"
    ENDED = "ended"
    OTHER = "other"


EARLY_FOLLOWUP_LABELS = {
    EarlyFollowupReason.CONTACTED: "De bewoner of een goede buur nam zelf contact op",
    EarlyFollowupReason.ENDED: "Het netwerk is al eerder gestopt",
    EarlyFollowupReason.OTHER: "Een andere reden (staat in het dossier van de bewoner)",
}


def record_followup(
    session: Session,
    settings: Settings,
    oproep_id: uuid.UUID,
    outcome: FollowupOutcome,
    actor_id: uuid.UUID,
    *,
    early_reason: EarlyFollowupReason | None = None,
    now: datetime | None = None,
) -> Oproep:
    """The six-week check: from ``MATCH_FOLLOWUP_DAYS`` after the match, or earlier only
    with a reason (kept in the audit log as a code, never as text)."""
    oproep = lock_oproep(session, oproep_id)
    if oproep.status != OproepStatus.MATCHED:
        raise MatchingError("Alleen bij een gekoppelde oproep is er een nacontrole.")
    due = followup_due(settings, oproep)
    early = due is not None and (now or utcnow()) < due
    if early and early_reason is None:
        assert due is not None
        raise MatchingError(
            f"De nacontrole is pas vanaf {long_date(due)}. "
            "Wilt u hem nu al vastleggen? Kies dan waarom."
        )
    oproep.followup_outcome = outcome
    oproep.followup_recorded_at = utcnow()
    oproep.followup_recorded_by_id = actor_id
    record_saved(
        session,
        oproep,
        actor_user_id=actor_id,
        record_type=RecordType.OPROEP,
        detail=details.followup_recorded(
            outcome, early_reason.value if early and early_reason else None
        ),
    )
    tell_buurtwerker(session, settings, oproep, "followup")
    return oproep
