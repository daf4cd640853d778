"""The pure matcher: against a brute-force ranking (hypothesis), and its explanations."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import TypedDict, Unpack

import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from niemand_alleen.geo.location import LocationPrecision
from niemand_alleen.matching.matcher import (
    Exclusion,
    Neighbour,
    Origin,
    Rules,
    Source,
    distance_label,
    format_distance,
    geodesic_m,
    rank,
    round_distance,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DORDRECHT = (51.80, 4.68)


def brute_force(
    origin: Origin | None, neighbours: list[Neighbour], rules: Rules
) -> tuple[list[uuid.UUID], dict[uuid.UUID, Exclusion]]:
    """The obvious ranking: check every rule in turn, measure everyone exactly, sort all."""
    excluded: dict[uuid.UUID, Exclusion] = {}
    eligible = []
    for n in neighbours:
        if n.withdrawn:
            excluded[n.id] = Exclusion.WITHDRAWN
        elif not n.confirmed:
            excluded[n.id] = Exclusion.UNCONFIRMED
        elif n.vetoed:
            excluded[n.id] = Exclusion.VETOED
        elif n.declined_before:
            excluded[n.id] = Exclusion.DECLINED
        elif n.unreachable_here:
            excluded[n.id] = Exclusion.UNREACHABLE
        elif rules.max_active_networks is not None and (
            n.active_networks >= rules.max_active_networks
        ):
            excluded[n.id] = Exclusion.BUSY
        else:
            eligible.append(n)

    def dedupe_key(n: Neighbour) -> tuple[object, ...]:
        located = origin is not None and n.lat is not None
        distance = (
            geodesic((origin.lat, origin.lon), (n.lat, n.lon)).meters
            if origin is not None and located
            else float("inf")
        )
        return (n.source != Source.SIGNUP, not located, distance, n.signed_up_at, str(n.id))

    best: dict[str, Neighbour] = {}
    for n in eligible:
        if n.person and (n.person not in best or dedupe_key(n) < dedupe_key(best[n.person])):
            best[n.person] = n
    scored = []
    for n in eligible:
        if n.person and best[n.person] is not n:
            excluded[n.id] = Exclusion.DUPLICATE
        elif origin is None:
            excluded[n.id] = Exclusion.NO_ORIGIN
        elif n.lat is None or n.lon is None:
            excluded[n.id] = Exclusion.NO_LOCATION
        else:
            d = geodesic((origin.lat, origin.lon), (n.lat, n.lon)).meters
            limit, reason = rules.max_distance_m, Exclusion.TOO_FAR
            outside = rules.outside_area_max_distance_m
            if n.outside_area and outside is not None and (limit is None or outside < limit):
                limit, reason = outside, Exclusion.OUTSIDE_AREA_TOO_FAR
            if limit is not None and d > limit:
                excluded[n.id] = reason
            else:
                scored.append(((d, n.signed_up_at, str(n.id)), n.id))
    scored.sort()
    return [neighbour_id for _key, neighbour_id in scored], excluded


# Coordinates rounded to 0.001° as stored, in a small area: many ties on distance.
coordinate = st.tuples(
    st.integers(51_760, 51_840).map(lambda v: v / 1000),
    st.integers(4_600, 4_760).map(lambda v: v / 1000),
)


@st.composite
def neighbours(draw: st.DrawFn) -> Neighbour:
    location = draw(st.one_of(coordinate, st.just(None)))
    return Neighbour(
        id=uuid.UUID(int=draw(st.integers(0, 2**128 - 1))),
        # Few distinct times: ties on distance *and* time fall back to the id.
        signed_up_at=T0 + timedelta(hours=draw(st.integers(0, 5))),
        lat=None if location is None else location[0],
        lon=None if location is None else location[1],
        precision=draw(st.sampled_from([LocationPrecision.ADDRESS, LocationPrecision.PC4])),
        source=draw(st.sampled_from(list(Source))),
        confirmed=draw(st.booleans().map(lambda b: b or draw(st.booleans()))),
        withdrawn=draw(st.integers(0, 9)) == 0,
        person=draw(st.sampled_from(["", "", "", "p1", "p2", "p3"])),
        vetoed=draw(st.integers(0, 9)) == 0,
        declined_before=draw(st.integers(0, 9)) == 0,
        unreachable_here=draw(st.integers(0, 9)) == 0,
        active_networks=draw(st.integers(0, 3)),
        outside_area=draw(st.integers(0, 3)) == 0,
    )


rules_strategy = st.builds(
    Rules,
    places=st.integers(1, 4),
    max_distance_m=st.one_of(st.none(), st.integers(200, 6000).map(float)),
    max_active_networks=st.one_of(st.none(), st.integers(1, 3)),
    reserve_size=st.one_of(st.none(), st.integers(0, 4)),
    outside_area_max_distance_m=st.one_of(st.none(), st.integers(200, 6000).map(float)),
)
origin_strategy = st.one_of(
    st.none(),
    st.builds(
        Origin,
        lat=st.floats(51.77, 51.83),
        lon=st.floats(4.62, 4.74),
        precision=st.sampled_from([LocationPrecision.ADDRESS, LocationPrecision.PC4]),
    ),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    origin=origin_strategy,
    pool=st.lists(neighbours(), max_size=40, unique_by=lambda n: n.id),
    rules=rules_strategy,
)
def test_matches_brute_force(origin: Origin | None, pool: list[Neighbour], rules: Rules) -> None:
    """Same proposals in the same order, same reserve, same exclusions, nobody dropped."""
    expected_order, expected_excluded = brute_force(origin, pool, rules)
    ranking = rank(origin, pool, rules)

    assert [r.neighbour.id for r in ranking.proposed] == expected_order[: rules.places]
    wanted = len(expected_order)
    if rules.reserve_size is not None:
        wanted = min(wanted, rules.places + rules.reserve_size)
    assert [r.neighbour.id for r in ranking.ranked] == expected_order[:wanted]
    assert ranking.further == len(expected_order) - wanted
    assert {e.neighbour.id: e.reason for e in ranking.excluded} == expected_excluded
    # Every candidate is accounted for exactly once.
    assert len(ranking.ranked) + ranking.further + len(ranking.excluded) == len(pool)
    for position, ranked in enumerate(ranking.ranked, start=1):
        assert ranked.position == position
        assert ranked.proposed == (position <= rules.places)


@settings(max_examples=60, deadline=None)
@given(
    origin=origin_strategy.filter(lambda o: o is not None),
    points=st.lists(
        st.tuples(st.floats(51.70, 51.90), st.floats(4.50, 4.90)), min_size=5, max_size=300
    ),
    places=st.integers(1, 5),
)
def test_shortlist_of_a_big_pool_is_exact(
    origin: Origin, points: list[tuple[float, float]], places: int
) -> None:
    """Unrounded coordinates, small reserve: the numpy shortlist never loses the true top k."""
    pool = [
        Neighbour(id=uuid.UUID(int=i), signed_up_at=T0, lat=lat, lon=lon)
        for i, (lat, lon) in enumerate(points)
    ]
    rules = Rules(places=places, max_distance_m=None, max_active_networks=None, reserve_size=1)
    expected, _ = brute_force(origin, pool, rules)
    assert [r.neighbour.id for r in rank(origin, pool, rules).ranked] == expected[: places + 1]


@settings(max_examples=300, deadline=None)
@given(
    a=st.tuples(st.floats(-89, 89), st.floats(-179, 179)),
    b=st.tuples(st.floats(-89, 89), st.floats(-179, 179)),
)
def test_distance_is_geopys_geodesic(a: tuple[float, float], b: tuple[float, float]) -> None:
    ours = geodesic_m(Origin(*a), Neighbour(id=uuid.uuid4(), signed_up_at=T0, lat=b[0], lon=b[1]))
    assert ours == geodesic(a, b).meters


class NeighbourChanges(TypedDict, total=False):
    """The fields of a ``Neighbour`` a test may set (its id is always new)."""

    signed_up_at: datetime
    lat: float | None
    lon: float | None
    precision: LocationPrecision
    source: Source
    confirmed: bool
    withdrawn: bool
    person: str
    vetoed: bool
    declined_before: bool
    unreachable_here: bool
    active_networks: int
    outside_area: bool


def neighbour(**changes: Unpack[NeighbourChanges]) -> Neighbour:
    base = Neighbour(id=uuid.uuid4(), signed_up_at=T0, lat=DORDRECHT[0], lon=DORDRECHT[1])
    return dataclasses.replace(base, **changes)


def test_ties_by_signup_time_and_explained() -> None:
    origin = Origin(51.801, 4.681)
    late = neighbour(signed_up_at=T0 + timedelta(hours=2))
    early = neighbour(signed_up_at=T0)
    far = neighbour(lat=51.805, lon=4.690)
    ranking = rank(origin, [late, far, early], Rules(places=2))
    assert [r.neighbour for r in ranking.proposed] == [early, late]
    assert [r.neighbour for r in ranking.reserve] == [far]
    assert ranking.proposed[1].tie_with_previous
    assert "meldde zich eerder aan" in ranking.proposed[1].explanation
    assert ranking.proposed[0].explanation.startswith("Voorgesteld, nummer 1")
    assert ranking.reserve[0].explanation.startswith("Reserve, nummer 3")


def test_every_exclusion_has_a_dutch_reason() -> None:
    origin = Origin(51.80, 4.68, LocationPrecision.PC4)
    pool = [
        neighbour(withdrawn=True),
        neighbour(confirmed=False),
        neighbour(vetoed=True),
        neighbour(declined_before=True),
        neighbour(unreachable_here=True),
        neighbour(active_networks=2),
        neighbour(lat=None, lon=None),
        neighbour(lat=float("nan")),
        neighbour(lat=51.90),
        neighbour(person="same", signed_up_at=T0 + timedelta(days=1)),
        neighbour(person="same", source=Source.CONTACT_AGAIN),
    ]
    ranking = rank(origin, pool, Rules(max_distance_m=3000, max_active_networks=2))
    reasons = [e.reason for e in ranking.excluded]
    assert reasons == [
        Exclusion.WITHDRAWN,
        Exclusion.UNCONFIRMED,
        Exclusion.VETOED,
        Exclusion.DECLINED,
        Exclusion.UNREACHABLE,
        Exclusion.BUSY,
        Exclusion.DUPLICATE,
        Exclusion.NO_LOCATION,
        Exclusion.NO_LOCATION,
        Exclusion.TOO_FAR,
    ]
    # The sign-up for this oproep wins over the same person's earlier "ask me again".
    assert ranking.excluded[6].neighbour.source is Source.CONTACT_AGAIN
    assert "2 netwerken" in ranking.excluded[5].explanation
    assert "3 km" in ranking.excluded[-1].explanation
    assert all(e.explanation for e in ranking.excluded)
    assert [r.neighbour.person for r in ranking.proposed] == ["same"]
    assert "bij benadering" in ranking.proposed[0].distance_label


def test_without_the_residents_location_nobody_is_dropped() -> None:
    pool = [neighbour(), neighbour(withdrawn=True)]
    ranking = rank(None, pool, Rules())
    assert not ranking.ranked
    assert [e.reason for e in ranking.excluded] == [Exclusion.WITHDRAWN, Exclusion.NO_ORIGIN]


@pytest.mark.parametrize(
    ("metres", "rounded", "label"),
    [
        (0, 0, "0 m"),
        (24.9, 0, "0 m"),
        (25, 50, "50 m"),
        (1234, 1250, "1,25 km"),
        (2990, 3000, "3 km"),
    ],
)
def test_distances_rounded_to_50_m(metres: float, rounded: int, label: str) -> None:
    assert round_distance(metres) == rounded
    assert format_distance(metres) == label


@pytest.mark.parametrize(
    ("metres", "approximate", "coarse", "label"),
    [
        (30, False, False, "50 m"),  # exact addresses keep their distance
        (30, True, False, "bij benadering 50 m"),  # a PC6 centre is close to the address
        (0, True, True, "minder dan 1 km (bij benadering)"),  # the same PC4 centre
        (949, True, True, "minder dan 1 km (bij benadering)"),
        (1000, True, True, "bij benadering 1 km"),
        (2990, True, True, "bij benadering 3 km"),
    ],
)
def test_short_distances_from_a_postcode_area_are_not_given_in_metres(
    metres: float, approximate: bool, coarse: bool, label: str
) -> None:
    assert distance_label(metres, approximate=approximate, coarse=coarse) == label


def test_a_pc4_position_on_either_side_makes_the_ranked_distance_coarse() -> None:
    for origin_precision, neighbour_precision, coarse in (
        (LocationPrecision.ADDRESS, LocationPrecision.PC4, True),
        (LocationPrecision.PC4, LocationPrecision.ADDRESS, True),
        (LocationPrecision.PC6, LocationPrecision.ADDRESS, False),
    ):
        origin = Origin(lat=DORDRECHT[0], lon=DORDRECHT[1], precision=origin_precision)
        pool = [
            neighbour(lat=DORDRECHT[0] + 0.001, lon=DORDRECHT[1], precision=neighbour_precision)
        ]
        ranked = rank(origin, pool, Rules()).proposed[0]
        assert ranked.coarse is coarse
        assert ranked.distance_label.startswith("minder dan 1 km") is coarse
