from __future__ import annotations

import math

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from niemand_alleen.geo import (
    NETHERLANDS,
    UNKNOWN_LOCATION,
    LocateResult,
    Location,
    LocationPrecision,
    bounding_box,
    distance_m,
)


def test_precision_values_and_labels() -> None:
    assert [p.value for p in LocationPrecision] == ["address", "pc6", "pc4", "unknown"]
    assert LocationPrecision.PC4.label.startswith("bij benadering")
    assert LocationPrecision.PC6.label.startswith("bij benadering")
    assert LocationPrecision.ADDRESS.label == "adres"
    assert LocationPrecision.UNKNOWN.label == "onbekend"
    assert LocationPrecision.PC4.is_approximate
    assert not LocationPrecision.ADDRESS.is_approximate


def test_location_validation() -> None:
    loc = Location(51.8, 4.67, LocationPrecision.PC4)
    assert loc.label == LocationPrecision.PC4.label
    for lat, lon in [(91.0, 0.0), (0.0, 181.0), (math.nan, 4.0), (51.0, math.inf)]:
        with pytest.raises(ValueError, match="latitude|longitude"):
            Location(lat, lon, LocationPrecision.PC4)
    with pytest.raises(ValueError, match="unknown"):
        Location(51.8, 4.67, LocationPrecision.UNKNOWN)


def test_locate_result() -> None:
    assert UNKNOWN_LOCATION.precision is LocationPrecision.UNKNOWN
    assert not UNKNOWN_LOCATION.is_known
    assert UNKNOWN_LOCATION.label == "onbekend"
    known = LocateResult(Location(51.8, 4.67, LocationPrecision.ADDRESS))
    assert known.is_known
    assert known.precision is LocationPrecision.ADDRESS


def test_distance_known_values() -> None:
    # One degree of longitude along the WGS84 equator is a * pi / 180 exactly.
    assert distance_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(6378137 * math.pi / 180, abs=1e-3)
    # One degree of latitude from the equator (WGS84 meridian arc).
    assert distance_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(110_574.389, abs=0.01)
    assert distance_m((51.8, 4.67), (51.8, 4.67)) == 0.0


def test_distance_accepts_locations_and_is_symmetric() -> None:
    centrum = Location(51.81336, 4.66872, LocationPrecision.PC4)  # PC4 3311
    sterrenburg = Location(51.77674, 4.67490, LocationPrecision.PC4)  # PC4 3328
    d = distance_m(centrum, sterrenburg)
    assert d == pytest.approx(distance_m(sterrenburg, centrum))
    assert d == pytest.approx(distance_m((51.81336, 4.66872), (51.77674, 4.67490)))
    # Haversine on a 6371 km sphere gives about 4.10 km; the ellipsoid differs by < 0.5%.
    assert 4050 < d < 4130


def test_distance_rejects_bad_coordinates() -> None:
    with pytest.raises(ValueError, match="latitude"):
        distance_m((95.0, 0.0), (0.0, 0.0))


def test_bounding_box_basics() -> None:
    box = bounding_box(51.8, 4.67, 1000)
    assert box.min_lat < 51.8 < box.max_lat
    assert box.min_lon < 4.67 < box.max_lon
    # About 1 km north-south and 1.45 km east-west per side at this latitude, not much more.
    assert 0.0090 < 51.8 - box.min_lat < 0.0092
    assert 0.0145 < 4.67 - box.min_lon < 0.0148
    point = bounding_box(51.8, 4.67, 0)
    assert point.contains(51.8, 4.67)
    with pytest.raises(ValueError, match="radius"):
        bounding_box(51.8, 4.67, -1)
    with pytest.raises(ValueError, match="radius"):
        bounding_box(51.8, 4.67, math.nan)


def test_bounding_box_poles_and_antimeridian() -> None:
    near_pole = bounding_box(89.99, 10.0, 5000)
    assert near_pole.max_lat == 90.0
    assert (near_pole.min_lon, near_pole.max_lon) == (-180.0, 180.0)
    wrap = bounding_box(0.0, 179.99, 5000)
    assert (wrap.min_lon, wrap.max_lon) == (-180.0, 180.0)
    assert bounding_box(0.0, 0.0, 30_000_000) == (-90.0, -180.0, 90.0, 180.0)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-180.0, 180.0),
    radius=st.floats(0.0, 3_000_000.0),
    fraction=st.floats(0.0, 1.0),
    bearing=st.floats(0.0, 360.0),
)
def test_bounding_box_contains_every_point_within_radius(
    lat: float, lon: float, radius: float, fraction: float, bearing: float
) -> None:
    box = bounding_box(lat, lon, radius)
    target = geodesic(meters=radius * fraction).destination((lat, lon), bearing)
    assert box.contains(target.latitude, target.longitude), (box, target)


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(51.7, 51.9),
    lon=st.floats(4.5, 4.9),
    radius=st.floats(10.0, 20_000.0),
    bearing=st.floats(0.0, 360.0),
)
def test_bounding_box_is_tight_in_dordrecht(
    lat: float, lon: float, radius: float, bearing: float
) -> None:
    # Points on the circle are inside; the conservative sphere makes the box <1% too large.
    box = bounding_box(lat, lon, radius)
    target = geodesic(meters=radius).destination((lat, lon), bearing)
    assert box.contains(target.latitude, target.longitude)
    north = geodesic(meters=radius).destination((lat, lon), 0.0).latitude
    assert box.max_lat - lat <= (north - lat) * 1.01 + 1e-8


def test_netherlands_box() -> None:
    assert NETHERLANDS.contains(51.8, 4.67)
    assert not NETHERLANDS.contains(4.67, 51.8)
