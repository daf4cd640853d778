"""The pure matcher and neighbours from outside the service area: never proposed further from
the resident than their own limit; within it, ranked like everybody else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from geographiclib.geodesic import Geodesic

from niemand_alleen.matching.matcher import Exclusion, Neighbour, Origin, Rules, rank

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
RESIDENT = Origin(51.8134, 4.6687)  # about the middle of 3311, the old town
WGS84 = Geodesic.WGS84


def at(metres: float, *, outside: bool = False, minutes: int = 0) -> Neighbour:
    """A neighbour this many metres due north of the resident (exactly, on the ellipsoid)."""
    point = WGS84.Direct(RESIDENT.lat, RESIDENT.lon, 0.0, metres)
    return Neighbour(
        id=uuid.uuid4(),
        signed_up_at=T0 + timedelta(minutes=minutes),
        lat=point["lat2"],
        lon=point["lon2"],
        outside_area=outside,
    )


def test_outside_the_area_is_proposed_only_within_its_own_limit() -> None:
    inside_far = at(2500)
    outside_near = at(1900, outside=True)
    outside_far = at(2100, outside=True)  # Papendrecht across the river: about 2.1 km
    rules = Rules(places=3, max_distance_m=3000.0, outside_area_max_distance_m=2000.0)
    ranking = rank(RESIDENT, [inside_far, outside_near, outside_far], rules)
    assert [r.neighbour for r in ranking.proposed] == [outside_near, inside_far]
    (excluded,) = ranking.excluded
    assert excluded.neighbour is outside_far
    assert excluded.reason is Exclusion.OUTSIDE_AREA_TOO_FAR
    assert excluded.explanation == (
        "Woont buiten het werkgebied en verder weg dan 2 km (ongeveer 2,1 km)."
    )
    assert excluded.distance_m is not None
    assert abs(excluded.distance_m - 2100) < 10  # a spherical estimate: surely too far


def test_the_limit_holds_to_the_metre() -> None:
    just_inside = at(1999.5, outside=True)
    just_outside = at(2000.5, outside=True)
    rules = Rules(max_distance_m=3000.0, outside_area_max_distance_m=2000.0)
    ranking = rank(RESIDENT, [just_inside, just_outside], rules)
    assert [r.neighbour for r in ranking.ranked] == [just_inside]
    assert [e.neighbour for e in ranking.excluded] == [just_outside]


def test_the_limit_holds_when_the_general_one_is_switched_off() -> None:
    far = at(2500, outside=True)
    inside = at(8000)
    rules = Rules(max_distance_m=None, outside_area_max_distance_m=2000.0)
    ranking = rank(RESIDENT, [far, inside], rules)
    assert [r.neighbour for r in ranking.ranked] == [inside]
    assert [e.reason for e in ranking.excluded] == [Exclusion.OUTSIDE_AREA_TOO_FAR]


def test_a_larger_outside_limit_never_widens_the_general_one() -> None:
    outside = at(4000, outside=True)
    rules = Rules(max_distance_m=3000.0, outside_area_max_distance_m=5000.0)
    ranking = rank(RESIDENT, [outside], rules)
    assert not ranking.ranked
    (excluded,) = ranking.excluded
    assert excluded.reason is Exclusion.TOO_FAR
    assert "verder weg dan 3 km" in excluded.explanation


def test_within_the_limit_they_are_ranked_as_usual() -> None:
    """Same distance: sign-up time decides, whether inside or outside the area."""
    early_outside = at(800, outside=True, minutes=0)
    late_inside = at(800, minutes=5)
    rules = Rules(places=1, max_distance_m=3000.0, outside_area_max_distance_m=2000.0)
    ranking = rank(RESIDENT, [late_inside, early_outside], rules)
    assert [r.neighbour for r in ranking.proposed] == [early_outside]
    assert [r.neighbour for r in ranking.reserve] == [late_inside]
    assert not ranking.excluded


def test_the_closest_are_found_past_excluded_neighbours_from_outside() -> None:
    """With a small reserve the matcher ranks a shortlist; neighbours from outside who are
    closer but beyond their limit never take a place in it."""
    outside = [at(2100 + i, outside=True) for i in range(20)]
    inside = [at(2500 + i) for i in range(5)]
    rules = Rules(
        places=3, max_distance_m=3000.0, outside_area_max_distance_m=2000.0, reserve_size=1
    )
    ranking = rank(RESIDENT, [*outside, *inside], rules)
    assert [r.neighbour for r in ranking.ranked] == inside[:4]
    assert ranking.further == 1
    assert len(ranking.excluded) == 20
