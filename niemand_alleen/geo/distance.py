"""Geodesic distance and a bounding box for cheap SQL prefiltering."""

from __future__ import annotations

import math
from typing import NamedTuple

from niemand_alleen.geo.location import HasLatLon, check_lat_lon

__all__ = ["NETHERLANDS", "BoundingBox", "PointLike", "bounding_box", "distance_m"]

# A point is either an object with lat/lon or a (lat, lon) tuple, as geopy uses.
PointLike = HasLatLon | tuple[float, float]

# Smallest radius of curvature of the WGS84 ellipsoid: the meridional radius at the
# equator, a * (1 - e^2). The ellipsoid's metric is at least that of a sphere with this
# radius everywhere, so every ellipsoidal distance is >= the spherical distance on it.
# A spherical cap of the same radius in metres therefore contains the geodesic circle.
_R_MIN_M = 6_335_439.327
# Covers floating-point rounding only; the bound above is already conservative.
_RELATIVE_MARGIN = 1e-6
_ABSOLUTE_MARGIN_DEG = 1e-9


class BoundingBox(NamedTuple):
    """Axis-aligned box in WGS84 degrees; never crosses the antimeridian."""

    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


# Generous box around the European Netherlands; used to reject swapped or garbage
# coordinates in data files.
NETHERLANDS = BoundingBox(min_lat=50.7, min_lon=3.2, max_lat=53.7, max_lon=7.3)


def _lat_lon(point: PointLike) -> tuple[float, float]:
    if isinstance(point, tuple):
        lat, lon = point
    else:
        lat, lon = point.lat, point.lon
    check_lat_lon(lat, lon)
    return float(lat), float(lon)


def distance_m(a: PointLike, b: PointLike) -> float:
    """Geodesic (WGS84) distance in metres between two points."""
    # Here, not with the module: geopy's distance loads geographiclib, which the web
    # worker needs only on the pages that measure.
    from geopy.distance import geodesic

    return float(geodesic(_lat_lon(a), _lat_lon(b)).meters)


def bounding_box(lat: float, lon: float, radius_m: float) -> BoundingBox:
    """A box containing every point within ``radius_m`` geodesic metres of (lat, lon).

    The box may be slightly larger than needed; filter exactly with :func:`distance_m`
    afterwards. When the circle reaches a pole or crosses the antimeridian the box
    spans all longitudes, so a single ``BETWEEN`` per axis always suffices in SQL.
    """
    check_lat_lon(lat, lon)
    if not math.isfinite(radius_m) or radius_m < 0:
        raise ValueError("radius_m must be a finite number >= 0")

    angle = radius_m * (1 + _RELATIVE_MARGIN) / _R_MIN_M + math.radians(_ABSOLUTE_MARGIN_DEG)
    if angle >= math.pi:
        return BoundingBox(-90.0, -180.0, 90.0, 180.0)

    phi = math.radians(lat)
    min_lat = math.degrees(phi - angle)
    max_lat = math.degrees(phi + angle)
    if max_lat >= 90.0 or min_lat <= -90.0:
        # The cap contains a pole: every longitude occurs.
        return BoundingBox(max(min_lat, -90.0), -180.0, min(max_lat, 90.0), 180.0)

    # Widest longitude extent of a spherical cap of angular radius `angle` at latitude
    # phi (reached north or south of the due-east point, hence not a destination call).
    ratio = math.sin(angle) / math.cos(phi)
    delta_lon = 180.0 if ratio >= 1.0 else math.degrees(math.asin(ratio))
    min_lon, max_lon = lon - delta_lon, lon + delta_lon
    if min_lon < -180.0 or max_lon > 180.0:
        min_lon, max_lon = -180.0, 180.0
    return BoundingBox(min_lat, min_lon, max_lat, max_lon)
