"""Which organisations get an oproep: the pure search area and proposal."""

from __future__ import annotations

import uuid

from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from niemand_alleen.distribution.selection import (
    Candidate,
    distance_to_area_m,
    propose,
    search_area,
)

# Three square "wijken" along a parallel near Dordrecht: home, 500 m east, 3 km east.
LAT = 51.80
HOME = box(4.660, 51.795, 4.670, 51.805)
NEAR = box(4.6772, 51.795, 4.687, 51.805)  # its west edge is ~500 m from the east of HOME
FAR = box(4.7135, 51.795, 4.72, 51.805)
WIJKEN = {"WK_HOME": HOME, "WK_NEAR": NEAR, "WK_FAR": FAR}
RESIDENT = (LAT, 4.670)  # on the east edge of HOME


def org(name: str, *wijken: str, active: bool = True, unsubscribed: bool = False) -> Candidate:
    return Candidate(
        id=uuid.uuid4(),
        name=name,
        wijk_codes=frozenset(wijken),
        active=active,
        unsubscribed=unsubscribed,
    )


def test_distance_in_the_local_plane_agrees_with_the_geodesic() -> None:
    measured = distance_to_area_m(LAT, 4.670, NEAR)
    exact = geodesic((LAT, 4.670), (LAT, 4.6772)).meters
    assert abs(measured - exact) < 1.0
    assert 450 < exact < 550
    assert distance_to_area_m(LAT, 4.665, HOME) == 0.0


def test_search_area_is_the_home_wijk_plus_wijken_within_the_radius() -> None:
    area = search_area("WK_HOME", RESIDENT, WIJKEN, radius_m=1000)
    assert area.home_wijk == "WK_HOME"
    assert area.nearby_wijken == {"WK_NEAR"}
    assert area.wijk_codes == {"WK_HOME", "WK_NEAR"}

    assert search_area("WK_HOME", RESIDENT, WIJKEN, radius_m=400).wijk_codes == {"WK_HOME"}
    assert search_area("WK_HOME", RESIDENT, WIJKEN, radius_m=5000).wijk_codes == set(WIJKEN)


def test_without_a_location_or_radius_only_the_home_wijk_counts() -> None:
    assert search_area("WK_HOME", None, WIJKEN, radius_m=5000).wijk_codes == {"WK_HOME"}
    assert search_area("WK_HOME", RESIDENT, WIJKEN, radius_m=0).wijk_codes == {"WK_HOME"}
    # Outside every wijk (another municipality): the wijken near the address still count.
    outside = search_area(None, (LAT, 4.700), WIJKEN, radius_m=1500)
    assert outside.wijk_codes == {"WK_NEAR", "WK_FAR"}


def test_proposal_takes_reachable_organisations_active_in_the_area_by_name() -> None:
    home = org("buurthuis", "WK_HOME")
    near = org("Anker", "WK_NEAR", "WK_FAR")
    far = org("Verweg", "WK_FAR")
    stopped = org("Gestopt", "WK_HOME", active=False)
    unsubscribed = org("Afgemeld", "WK_HOME", unsubscribed=True)
    area = search_area("WK_HOME", RESIDENT, WIJKEN, radius_m=1000)

    chosen = propose(area, [home, near, far, stopped, unsubscribed])

    assert [candidate.name for candidate in chosen] == ["Anker", "buurthuis"]


def test_no_organisation_in_the_area_gives_an_empty_proposal() -> None:
    area = search_area("WK_HOME", RESIDENT, WIJKEN, radius_m=100)
    assert propose(area, [org("Verweg", "WK_FAR")]) == []


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(min_value=4.60, max_value=4.78),
    lat=st.floats(min_value=51.76, max_value=51.84),
    small=st.integers(min_value=0, max_value=3000),
    extra=st.integers(min_value=0, max_value=3000),
)
def test_a_larger_radius_never_drops_a_wijk(lon: float, lat: float, small: int, extra: int) -> None:
    smaller = search_area("WK_HOME", (lat, lon), WIJKEN, radius_m=small)
    larger = search_area("WK_HOME", (lat, lon), WIJKEN, radius_m=small + extra)
    assert smaller.wijk_codes <= larger.wijk_codes
    for code in larger.nearby_wijken - smaller.nearby_wijken:
        assert small < distance_to_area_m(lat, lon, WIJKEN[code]) <= small + extra
