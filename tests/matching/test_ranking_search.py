"""The three ways of finding the closest neighbours in the database (the first small box, the
direct scan of the positions, the growing box) give exactly the ranking of everyone within
the whole radius: the same proposals and reserve, in the same order, for random pools with
every kind of exclusion (hypothesis, on SQLite and PostgreSQL)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import factories
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oproep_support import STERRENBURG
from sqlmodel import Session

from niemand_alleen.geo.location import LocationPrecision
from niemand_alleen.matching import service
from niemand_alleen.matching.matcher import Ranking, Rules, Source, rank
from niemand_alleen.models import (
    FollowupOutcome,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    ResidentVeto,
    Volunteer,
    VolunteerStatus,
    utcnow,
)

HOME = (51.7935, 4.6920)
PEOPLE = 12  # few addresses, so people sign up more than once


@dataclass(frozen=True)
class Spec:
    """One sign-up of the random pool."""

    metres: float
    bearing: float
    minutes: int  # sign-up time: ties happen
    kind: str  # "own" (this oproep), "again" (asked to be asked again), "other"
    status: VolunteerStatus
    located: bool
    person: int
    purged: bool
    decision: str | None  # "declined_here", "unreachable_here", "declined_before", "busy"


distances = st.one_of(
    st.floats(0, 250), st.floats(0, 1500), st.floats(0, 4500), st.sampled_from([0.0, 600.0])
)
specs = st.builds(
    Spec,
    metres=distances,
    bearing=st.floats(0, 2 * math.pi),
    minutes=st.integers(0, 5),
    kind=st.sampled_from(["own", "again", "again", "again", "other"]),
    status=st.sampled_from(
        [VolunteerStatus.CONFIRMED] * 6 + [VolunteerStatus.UNCONFIRMED, VolunteerStatus.WITHDRAWN]
    ),
    located=st.sampled_from([True] * 5 + [False]),
    person=st.integers(0, PEOPLE - 1),
    purged=st.sampled_from([False] * 9 + [True]),
    decision=st.sampled_from(
        [None] * 8 + ["declined_here", "unreachable_here", "declined_before", "busy"]
    ),
)
rules_of_the_run = st.builds(
    Rules,
    places=st.integers(1, 3),
    max_distance_m=st.sampled_from([None, 800.0, 3000.0]),
    max_active_networks=st.sampled_from([None, 1, 2]),
    reserve_size=st.integers(0, 5),
)


def _point(spec: Spec) -> tuple[float, float]:
    """About ``metres`` from home in direction ``bearing``, rounded to 0.001° as stored."""
    north = spec.metres * math.cos(spec.bearing) / 111_200
    east = spec.metres * math.sin(spec.bearing) / (111_200 * math.cos(math.radians(HOME[0])))
    return round(HOME[0] + north, 3), round(HOME[1] + east, 3)


def _store(session: Session, pool: list[Spec], vetoed: set[int]) -> Oproep:
    resident = factories.resident(
        session,
        location=f"{HOME[0]},{HOME[1]}",
        location_precision=LocationPrecision.ADDRESS,
    )
    oproep = factories.oproep(
        session, of=resident, status=OproepStatus.CLOSED, places=3, wijk_code=STERRENBURG
    )
    earlier = factories.oproep(session, of=resident, status=OproepStatus.CLOSED)
    elsewhere = [
        factories.oproep(
            session,
            status=OproepStatus.MATCHED,
            followup_outcome=FollowupOutcome.ENDED if number == 2 else None,
        )
        for number in range(3)
    ]
    start = utcnow() - timedelta(days=1)
    for number, spec in enumerate(pool):
        lat, lon = _point(spec) if spec.located else (None, None)
        volunteer = factories.signup(
            session,
            oproep if spec.kind == "own" else None,
            status=spec.status,
            email_hash=f"person-{spec.person}",
            contact_again=spec.kind == "again",
            lat=lat,
            lon=lon,
            wijk_code=None if spec.located else STERRENBURG,
            location_precision=LocationPrecision.PC6 if spec.located else LocationPrecision.UNKNOWN,
            created_at=start + timedelta(minutes=spec.minutes),
            purged_at=utcnow() if spec.purged else None,
        )
        _decide(session, spec, number, volunteer, oproep, earlier, elsewhere)
    for person in vetoed:
        session.add(ResidentVeto(resident_id=resident.id, email_hash=f"person-{person}"))
    session.commit()
    return oproep


def _decide(
    session: Session,
    spec: Spec,
    number: int,
    volunteer: Volunteer,
    oproep: Oproep,
    earlier: Oproep,
    elsewhere: list[Oproep],
) -> None:
    """The match that gives this sign-up its flag: declined or unreachable for this oproep,
    declined the resident's earlier oproep, or confirmed in other networks."""
    if spec.decision is None:
        return
    where: list[tuple[Oproep, MatchStatus]] = {
        "declined_here": [(oproep, MatchStatus.DECLINED)],
        "unreachable_here": [(oproep, MatchStatus.UNREACHABLE)],
        "declined_before": [(earlier, MatchStatus.DECLINED)],
        "busy": [(network, MatchStatus.CONFIRMED) for network in elsewhere[: 1 + number % 3]],
    }[spec.decision]
    for network, status in where:
        session.add(Match(oproep_id=network.id, volunteer_id=volunteer.id, rank=1, status=status))


def _clear(session: Session) -> None:
    session.rollback()
    for model in (Match, ResidentVeto, Volunteer, Oproep):
        session.execute(sa.delete(model))
    session.commit()


def _shape(ranking: Ranking) -> list[tuple[object, ...]]:
    """What the coordinator sees of a ranking: who, where, how far, and why there."""
    return [
        (e.neighbour.id, e.position, e.distance_m, e.tie_with_previous, e.proposed)
        for e in ranking.ranked
    ] + [
        (e.neighbour.id, e.reason) for e in ranking.excluded if e.neighbour.source is Source.SIGNUP
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # the closest are all excluded: the direct scan must widen its radius
    pool=[
        Spec(50.0 + 10 * n, n, 0, "other", VolunteerStatus.CONFIRMED, True, n, False, None)
        for n in range(12)
    ]
    + [Spec(150.0, 1.0, 0, "again", VolunteerStatus.UNCONFIRMED, True, 0, False, None)] * 4
    + [
        Spec(900.0 + 100 * n, n, n, "again", VolunteerStatus.CONFIRMED, True, n, False, None)
        for n in range(8)
    ]
    + [Spec(2500.0, 0.0, 0, "own", VolunteerStatus.CONFIRMED, True, 11, False, None)],
    vetoed=set(),
    rules=Rules(places=3, max_distance_m=3000.0, max_active_networks=2, reserve_size=3),
    start=100.0,
)
@given(
    pool=st.lists(specs, max_size=40),
    vetoed=st.sets(st.integers(0, PEOPLE - 1), max_size=2),
    rules=rules_of_the_run,
    start=st.sampled_from([25.0, 100.0, 400.0]),
)
def test_every_search_ranks_like_the_whole_pool(
    geography: Session, pool: list[Spec], vetoed: set[int], rules: Rules, start: float
) -> None:
    try:
        oproep = _store(geography, pool, vetoed)
        origin = service.oproep_origin(geography, oproep)
        assert origin is not None
        loader = service.PoolLoader(geography, oproep, origin)
        full_radius = rules.max_distance_m or float(service.CONTACT_AGAIN_FALLBACK_M)
        everyone = _shape(rank(origin, loader.pool(full_radius), rules))

        growing = service.search_growing_box(loader, rules, full_radius, start=start)
        assert _shape(growing) == everyone
        positions = loader.positions(full_radius, limit=len(pool))
        assert positions is not None
        direct = service.scan_directly(loader, rules, full_radius, positions)
        assert _shape(direct) == everyone
        assert _shape(service.nearest_ranking(loader, rules, full_radius)) == everyone
        # More sign-ups in the box than the direct scan takes: the growing box takes over.
        assert _shape(service.nearest_ranking(loader, rules, full_radius, 0)) == everyone
    finally:
        _clear(geography)


def _statements(session: Session, oproep: Oproep) -> tuple[Ranking, int]:
    seen: list[str] = []
    engine = session.get_bind()

    def count(*args: object) -> None:
        if str(args[2]).strip() != "BEGIN":  # SQLite's explicit transaction
            seen.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        origin = service.oproep_origin(session, oproep)
        loader = service.PoolLoader(session, oproep, origin)
        rules = Rules(places=3, max_distance_m=3000.0, reserve_size=3)
        ranking = service.nearest_ranking(loader, rules, 3000.0)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return ranking, len(seen)


def _spread(count: int) -> list[Spec]:
    """Neighbours on the "ask me again" list, none within 300 m: a sparse pool."""
    return [
        Spec(300.0 + 25 * n, n, 0, "again", VolunteerStatus.CONFIRMED, True, n, False, None)
        for n in range(count)
    ]


def test_the_direct_scan_reads_a_fixed_number_of_statements(geography: Session) -> None:
    """The resident's location, the vetoes, earlier decisions, the own sign-ups, those
    without a location in the wijk, the positions in the first box and in the whole
    radius, the box of the computed radius: eight statements, for 10 or 60 neighbours."""
    try:
        few, few_statements = _statements(geography, _store(geography, _spread(10), set()))
        _clear(geography)
        many, many_statements = _statements(geography, _store(geography, _spread(60), set()))
    finally:
        _clear(geography)
    assert len(few.ranked) == len(many.ranked) == 6
    assert many.ranked[0].distance_m < 350
    assert few_statements == many_statements == 8, (few_statements, many_statements)


def test_earlier_decisions_exclude_the_neighbours_they_name(geography: Session) -> None:
    """Declined this oproep or an earlier one of the resident, unreachable now, vetoed by
    the resident, or confirmed in two networks still running (a network whose six-week
    check said it ended does not count)."""

    def spec(kind: str, person: int, decision: str | None = None) -> Spec:
        return Spec(
            200.0 + 50 * person,
            0.5,
            0,
            kind,
            VolunteerStatus.CONFIRMED,
            True,
            person,
            False,
            decision,
        )

    pool = [
        spec("own", 0, "declined_here"),
        spec("own", 1, "unreachable_here"),
        spec("again", 2, "declined_before"),
        spec("again", 3),  # vetoed
        spec("again", 4, "busy"),  # number 4: two networks, both running
        spec("again", 5, "busy"),  # number 5: three networks, one of them ended
        spec("again", 6, "busy"),  # number 6: one network
        spec("own", 7),
    ]
    try:
        oproep = _store(geography, pool, vetoed={3})
        origin = service.oproep_origin(geography, oproep)
        loader = service.PoolLoader(geography, oproep, origin)
        rules = Rules(places=3, max_distance_m=3000.0, max_active_networks=2)
        ranking = rank(origin, loader.pool(3000.0), rules)
        person = {n.id: n.person for n in loader.pool(3000.0)}
        networks = {n.person: n.active_networks for n in loader.pool(3000.0) if n.active_networks}
        reasons = {person[e.neighbour.id]: e.reason.value for e in ranking.excluded}
        ranked = [person[e.neighbour.id] for e in ranking.ranked]
    finally:
        _clear(geography)
    assert reasons == {
        "person-0": "declined",
        "person-1": "unreachable",
        "person-2": "declined",
        "person-3": "vetoed",
        "person-4": "busy",
        "person-5": "busy",
    }
    assert ranked == ["person-6", "person-7"]
    assert networks == {"person-4": 2, "person-5": 2, "person-6": 1}
