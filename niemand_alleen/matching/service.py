"""Matching services: load candidates, close an oproep, propose, follow up, and finish.

Services take the session and flush; the request or job commits once. Every state change of
an oproep's proposals happens under a row lock on the oproep (``SELECT ... FOR UPDATE`` on
PostgreSQL; on SQLite every write transaction starts with ``BEGIN IMMEDIATE``), so two
coordinators clicking at once are serialised and never confirm two neighbours for one place.
"""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import or_
from sqlmodel import Session, col, select

from niemand_alleen import signup
from niemand_alleen.audit import RecordType, details, record_saved
from niemand_alleen.config import Settings
from niemand_alleen.dates import long_date
from niemand_alleen.distribution import (
    general_signup_url,
    oproep_contact,
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
    search_radius,
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


# The statements of a ranking are built once (module level) and run with parameters: a
# ranking runs several, and building and compiling a statement costs more than running it.
_RESIDENT = Resident.__table__  # type: ignore[attr-defined]
_VOLUNTEER = Volunteer.__table__  # type: ignore[attr-defined]
_MATCH = Match.__table__  # type: ignore[attr-defined]
_OPROEP = Oproep.__table__  # type: ignore[attr-defined]
_VETO = ResidentVeto.__table__  # type: ignore[attr-defined]


def _param(name: str, like: sa.Column[Any]) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=like.type)


_ORIGIN = sa.select(_RESIDENT.c.location, _RESIDENT.c.location_precision).where(
    _RESIDENT.c.id == _param("resident_id", _RESIDENT.c.id)
)


def oproep_origin(session: Session, oproep: Oproep) -> Origin | None:
    """The resident's stored location: only that column is read (and decrypted)."""
    if oproep.resident_id is None:
        return None
    found = session.execute(_ORIGIN, {"resident_id": oproep.resident_id}).first()
    if found is None or not found[0]:
        return None
    location, precision = found
    lat, lon = (float(part) for part in location.split(","))
    precision = LocationPrecision(precision)
    if precision is LocationPrecision.UNKNOWN:
        precision = LocationPrecision.PC4
    return Origin(lat=lat, lon=lon, precision=precision)


def match_rules(settings: Settings, oproep: Oproep, reserve_size: int | None = None) -> Rules:
    return Rules(
        places=max(oproep.places, 1),
        max_distance_m=float(settings.match_max_distance_m) or None,
        max_active_networks=settings.match_max_active_networks,
        reserve_size=reserve_size,
        outside_area_max_distance_m=settings.outside_area_max_distance_km * 1000,
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


_VETOED = sa.select(_VETO.c.email_hash).where(
    _VETO.c.resident_id == _param("resident_id", _VETO.c.resident_id)
)


def _decisions() -> sa.Select[Any]:
    """Every match that flags a neighbour, with the hash of its sign-up joined in; the
    three kinds as columns. Parameters ``oproep_id`` and ``resident_id`` (NULL: none)."""
    match, oproep, status = _MATCH.c, _OPROEP.c, _MATCH.c.status
    this_oproep = _param("oproep_id", _OPROEP.c.id)
    # Declined this resident, for this or an earlier oproep.
    declined_resident = sa.and_(
        status == MatchStatus.DECLINED,
        oproep.resident_id == _param("resident_id", _OPROEP.c.resident_id),
    )
    decided_here = sa.and_(
        match.oproep_id == this_oproep,
        or_(status == MatchStatus.DECLINED, status == MatchStatus.UNREACHABLE),
    )
    # Confirmed in another network that is still active.
    confirmed_elsewhere = sa.and_(
        status == MatchStatus.CONFIRMED,
        oproep.status == OproepStatus.MATCHED,
        oproep.id != this_oproep,
        or_(oproep.followup_outcome.is_(None), oproep.followup_outcome != FollowupOutcome.ENDED),
    )
    return (
        sa.select(
            match.volunteer_id,
            status,
            match.oproep_id,
            _VOLUNTEER.c.email_hash,
            declined_resident,
            decided_here,
            confirmed_elsewhere,
        )
        .join_from(_MATCH, _OPROEP, oproep.id == match.oproep_id)
        .outerjoin(_VOLUNTEER, _VOLUNTEER.c.id == match.volunteer_id)
        .where(or_(declined_resident, decided_here, confirmed_elsewhere))
    )


_DECISIONS = _decisions()


def _flags(session: Session, oproep: Oproep) -> _Flags:
    """Read from the (small) match and veto tables: never a scan of the whole sign-up
    table; two statements whatever the pool."""
    vetoed: set[str] = set()
    if oproep.resident_id is not None:
        vetoed = set(session.execute(_VETOED, {"resident_id": oproep.resident_id}).scalars().all())
    rows = session.execute(
        _DECISIONS, {"oproep_id": oproep.id, "resident_id": oproep.resident_id}
    ).all()
    declined_people: set[str] = set()
    decided_here: dict[uuid.UUID | None, MatchStatus] = {}
    networks: dict[str, set[uuid.UUID]] = {}
    for volunteer_id, status, network, person, by_resident, here, elsewhere in rows:
        if by_resident and person:
            declined_people.add(person)
        if here:
            decided_here[volunteer_id] = MatchStatus(status)
        if elsewhere and person:
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


def _pool_statements() -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """This oproep's own sign-ups; the "ask me again" ones without a location in its wijk;
    those in a box; and where everyone in a box lives (the (lat, lon) index alone).
    Parameters ``oproep_id``, ``wijk_code``, ``min_lat`` … ``max_lon``, ``limit``."""
    v = _VOLUNTEER.c
    columns = (
        v.id,
        v.created_at,
        v.lat,
        v.lon,
        v.location_precision,
        v.status,
        v.email_hash,
        v.outside_area,
    )
    oproep_id = _param("oproep_id", v.oproep_id)
    again = (
        v.contact_again.is_(True),
        v.status == VolunteerStatus.CONFIRMED,
        v.purged_at.is_(None),
        or_(v.oproep_id.is_(None), v.oproep_id != oproep_id),
    )
    in_box = (
        v.lat.between(_param("min_lat", v.lat), _param("max_lat", v.lat)),
        v.lon.between(_param("min_lon", v.lon), _param("max_lon", v.lon)),
    )
    own = sa.select(*columns).where(v.oproep_id == oproep_id, v.purged_at.is_(None))
    unlocated = sa.select(*columns).where(
        v.lat.is_(None), v.wijk_code == _param("wijk_code", v.wijk_code), *again
    )
    nearby = sa.select(*columns).where(*in_box, *again)
    positions = sa.select(v.lat, v.lon).where(*in_box).limit(sa.bindparam("limit"))
    return own, unlocated, nearby, positions


_OWN, _UNLOCATED, _NEARBY, _POSITIONS = _pool_statements()


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
        self.fixed: dict[uuid.UUID, Neighbour] = {}
        for row in session.execute(_OWN, {"oproep_id": oproep.id}).all():
            self.fixed[row[0]] = _neighbour(tuple(row), Source.SIGNUP, self.flags)
        if oproep.wijk_code:
            for row in session.execute(
                _UNLOCATED, {"oproep_id": oproep.id, "wijk_code": oproep.wijk_code}
            ).all():
                self.fixed.setdefault(
                    row[0], _neighbour(tuple(row), Source.CONTACT_AGAIN, self.flags)
                )

    def _box(self, radius_m: float) -> dict[str, float]:
        assert self.origin is not None
        box = bounding_box(self.origin.lat, self.origin.lon, radius_m)
        return {
            "min_lat": box.min_lat,
            "max_lat": box.max_lat,
            "min_lon": box.min_lon,
            "max_lon": box.max_lon,
        }

    def pool(self, radius_m: float) -> list[Neighbour]:
        found = dict(self.fixed)
        if self.origin is not None:
            parameters = {"oproep_id": self.oproep.id, **self._box(radius_m)}
            for row in self.session.execute(_NEARBY, parameters).all():
                if row[0] not in found:
                    found[row[0]] = _neighbour(tuple(row), Source.CONTACT_AGAIN, self.flags)
        return list(found.values())

    def positions(self, radius_m: float, limit: int) -> tuple[list[float], list[float]] | None:
        """Where the sign-ups within the box of ``radius_m`` live, read from the (lat, lon)
        index alone: a superset of the candidates there (any status, any oproep). None
        when there are more than ``limit``."""
        rows = self.session.execute(_POSITIONS, {**self._box(radius_m), "limit": limit + 1}).all()
        if len(rows) > limit:
            return None
        return [row[0] for row in rows], [row[1] for row in rows]


# The positions in this box tell a dense pool's radius: a few hundred index entries for a
# million neighbours (stored points are rounded to 0.001°, about 110 by 70 m).
FIRST_SEARCH_RADIUS_M = 100.0
# When the first box holds too few, and at most this many sign-ups lie in the box of the
# whole radius, their positions are read from the index in one go and the radius that
# holds enough of them is computed (numpy) instead of doubling the box; more than this,
# and reading the positions costs more than doubling.
DIRECT_SCAN_MAX_CANDIDATES = 20_000


def ranking_for(
    session: Session, settings: Settings, oproep: Oproep, reserve_size: int | None = None
) -> Ranking:
    """The ranking for an oproep.

    This oproep's own sign-ups are always loaded in full. Without a reserve size everyone
    on the "ask me again" list within the contact-again radius is loaded and ranked (the
    report). With a reserve size (the coordinator's page, closing, proposing the next one)
    only the closest are needed: see :func:`nearest_ranking`.
    """
    origin = oproep_origin(session, oproep)
    rules = match_rules(settings, oproep, reserve_size)
    loader = PoolLoader(session, oproep, origin)
    full_radius = float(contact_again_radius(settings))
    if reserve_size is None or origin is None:
        return rank(origin, loader.pool(full_radius), rules)
    return nearest_ranking(loader, rules, full_radius)


def _ranked_within(
    loader: PoolLoader, rules: Rules, radius: float, pool: list[Neighbour] | None = None
) -> tuple[Ranking, bool]:
    """The ranking of the pool loaded within ``radius``, and whether it is final: enough
    ranked neighbours lie within the radius. That is exact: everyone within the radius is
    inside the loaded box, so those are in their true order and nobody closer is missing."""
    ranking = rank(loader.origin, loader.pool(radius) if pool is None else pool, rules)
    wanted = rules.places + (rules.reserve_size or 0)
    within = sum(1 for entry in ranking.ranked if entry.distance_m <= radius)
    return ranking, within >= wanted


def search_growing_box(
    loader: PoolLoader, rules: Rules, full_radius: float, start: float = FIRST_SEARCH_RADIUS_M
) -> Ranking:
    """The bounding box starts at ``start`` metres around the resident and doubles until
    enough ranked neighbours lie within it (or it reaches the whole radius)."""
    radius = min(start, full_radius)
    while True:
        ranking, final = _ranked_within(loader, rules, radius)
        if final or radius >= full_radius:
            return ranking
        radius = min(radius * 2, full_radius)


def _scan(
    loader: PoolLoader,
    rules: Rules,
    full_radius: float,
    positions: tuple[list[float], list[float]],
    scanned: float,
) -> Ranking | None:
    """Rank within the radius that holds twice the wanted number of ``positions`` (those of
    everyone in the box of ``scanned`` metres); widen it while exclusions leave too few.
    None when the positions read are too few to tell and more lie beyond ``scanned``."""
    assert loader.origin is not None
    lats, lons = positions
    count = 2 * (rules.places + (rules.reserve_size or 0))
    while True:
        radius = search_radius(loader.origin, lats, lons, count)
        if radius is None or radius > scanned:
            if scanned < full_radius:
                return None
            radius = full_radius
        radius = min(radius, full_radius)
        ranking, final = _ranked_within(loader, rules, radius)
        if final or radius >= full_radius:
            return ranking
        count *= 4


def scan_directly(
    loader: PoolLoader,
    rules: Rules,
    full_radius: float,
    positions: tuple[list[float], list[float]],
) -> Ranking:
    """From the positions of everyone in the box of the whole radius (``positions``, read
    from the index), the radius within which twice the wanted number live is computed
    (numpy); one box of that radius is loaded and ranked. Only when exclusions leave too
    few within it is the radius widened."""
    ranking = _scan(loader, rules, full_radius, positions, full_radius)
    assert ranking is not None
    return ranking


def nearest_ranking(
    loader: PoolLoader,
    rules: Rules,
    full_radius: float,
    direct_scan_max: int = DIRECT_SCAN_MAX_CANDIDATES,
) -> Ranking:
    """The closest neighbours, exactly as ranking everyone within ``full_radius`` would
    order them.

    The positions in a small first box usually tell the radius (:func:`_scan`). When they
    are too few, the positions are read again further out: as far as their density so far
    suggests, or, with none at all, in the box of the whole radius (a sparse pool, scanned
    directly). With more than ``direct_scan_max`` positions in a box, reading them costs
    more than searching with :func:`search_growing_box`.
    """
    enough = 2 * (rules.places + (rules.reserve_size or 0))  # as _scan starts
    scanned = min(FIRST_SEARCH_RADIUS_M, full_radius)
    while True:
        positions = loader.positions(scanned, direct_scan_max)
        if positions is None:
            return search_growing_box(loader, rules, full_radius)
        ranking = _scan(loader, rules, full_radius, positions, scanned)
        if ranking is not None:
            return ranking
        seen = len(positions[0])
        further = scanned * max(2.0, 1.5 * math.sqrt(enough / seen)) if seen else full_radius
        scanned = min(further, full_radius)


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
    signups = signup.confirmed_signups(session, oproep.id)
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
    MatchStatus.WITHDRAWN: "Teruggetrokken",
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


def settle_withdrawal(
    session: Session, settings: Settings, volunteer_id: uuid.UUID, now: datetime
) -> list[Match]:
    """The neighbour withdrew their sign-up: each of their open or confirmed proposals is
    settled as *withdrawn* (not a refusal, no longer open, no longer confirmed), under the
    oproep's lock. A closed oproep gets the next candidate at once, as after a refusal; when
    a confirmed neighbour of a matched oproep withdrew, the coordinator hears it."""
    settled: list[Match] = []
    oproep_ids = session.exec(
        select(Match.oproep_id)
        .where(Match.volunteer_id == volunteer_id, col(Match.status).in_(ACTIVE_MATCH))
        .distinct()
    ).all()
    for oproep_id in sorted(oproep_ids, key=str):
        oproep = lock_oproep(session, oproep_id)
        for match in matches_of(session, oproep.id):
            if match.volunteer_id != volunteer_id or match.status not in ACTIVE_MATCH:
                continue
            was_confirmed = match.status == MatchStatus.CONFIRMED
            match.status = MatchStatus.WITHDRAWN
            match.updated_at = now
            session.add(match)
            record_saved(
                session,
                match,
                actor_user_id=None,
                record_type=RecordType.MATCH,
                detail=details.match_decided(MatchStatus.WITHDRAWN),
            )
            settled.append(match)
            if oproep.status == OproepStatus.MATCHED and was_confirmed:
                _tell_withdrawn(session, settings, oproep, match)
        session.flush()
        if oproep.status == OproepStatus.CLOSED:
            fill_proposals(session, settings, oproep)
    return settled


def settle_stale_withdrawals(session: Session, settings: Settings, oproep_id: uuid.UUID) -> int:
    """Open or confirmed proposals of this oproep whose neighbour withdrew before withdrawals
    settled proposals: settled now, as :func:`settle_withdrawal` would have. One read when
    there are none (the usual case)."""
    stale = session.exec(
        select(Match.volunteer_id)
        .join(Volunteer, col(Volunteer.id) == col(Match.volunteer_id))
        .where(
            Match.oproep_id == oproep_id,
            col(Match.status).in_(ACTIVE_MATCH),
            Volunteer.status == VolunteerStatus.WITHDRAWN,
        )
    ).all()
    settled = 0
    for volunteer_id in sorted({v for v in stale if v is not None}, key=str):
        settled += len(settle_withdrawal(session, settings, volunteer_id, utcnow()))
    return settled


def _tell_withdrawn(session: Session, settings: Settings, oproep: Oproep, match: Match) -> None:
    """The coordinator's mail: a confirmed good neighbour of a matched oproep withdrew
    (no neighbour's details, only the oproep and the link to its page)."""
    contact = oproep_contact(session, oproep)
    if contact is None:
        return
    left = _confirmed_count(session, oproep)
    queue_mail(
        session,
        idempotency_key=f"match_withdrawn:{oproep.id}:{match.id}",
        kind="match_withdrawn",
        recipient=contact.email,
        mail=render_mail(
            "match_withdrawn",
            coordinator_name=contact.name,
            wijk_name=_wijk_name(session, oproep),
            pc4=oproep.pc4,
            matched_at=oproep.matched_at,
            confirmed_left=left,
            oproep_url=matching_url(settings, oproep.id),
        ),
        oproep_id=oproep.id,
    )


def _neighbour_context(settings: Settings, volunteer: Volunteer) -> dict[str, object]:
    return {
        "first_name": volunteer.first_name,
        "withdraw_url": signup.withdraw_url(
            settings.public_base_url, settings.secret_key, volunteer.id
        ),
        "privacy_url": f"{settings.public_base_url}/privacy",
        "general_signup_url": general_signup_url(settings.public_base_url),
    }


def _mail_neighbour(
    session: Session,
    settings: Settings,
    oproep: Oproep,
    volunteer: Volunteer,
    *,
    kind: str,
    context: Mapping[str, object],
) -> None:
    """Queue the mail ``kind`` about the oproep to one neighbour, once per neighbour."""
    queue_mail(
        session,
        idempotency_key=f"{kind}:{oproep.id}:{volunteer.id}",
        kind=kind,
        recipient=volunteer.email,
        mail=render_mail(
            kind,
            locale=volunteer.locale,  # a neighbour reads the language they signed up in
            **context,
            **_neighbour_context(settings, volunteer),
        ),
        oproep_id=oproep.id,
    )


def complete_match(
    session: Session, settings: Settings, oproep: Oproep, actor_id: uuid.UUID | None
) -> None:
    """Matched: confirmed neighbours hear what happens next, the others get thanks and the
    offer to be asked again, the organisations hear the oproep is filled (distribution's
    part of the move to *matched*)."""
    about: dict[str, object] = {
        "wijk_name": _wijk_name(session, oproep),
        "contact": oproep_contact(session, oproep),
    }
    matches = matches_of(session, oproep.id)
    confirmed_ids = {m.volunteer_id for m in matches if m.status == MatchStatus.CONFIRMED}
    confirmed = [
        v for v in (session.get(Volunteer, i) for i in confirmed_ids if i) if v is not None
    ]
    told: set[str] = set()
    for volunteer in sorted(confirmed, key=lambda v: str(v.id)):
        told.add(volunteer.email_hash)
        _mail_neighbour(
            session,
            settings,
            oproep,
            volunteer,
            kind="match_confirmed",
            context={**about, "all_filled": len(confirmed) >= oproep.places},
        )
    others = _others(session, oproep, matches)
    for volunteer in others:
        if not volunteer.email or volunteer.email_hash in told:
            continue
        told.add(volunteer.email_hash)
        thanks = {**about, "contact_again": volunteer.contact_again}
        _mail_neighbour(session, settings, oproep, volunteer, kind="match_thanks", context=thanks)
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
