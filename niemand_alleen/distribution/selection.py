"""Which organisations get an oproep: pure functions on plain data (no Flask, no database).

The search area is the resident's wijk plus every wijk that comes within the configured
radius of the resident's location. Distances to wijk boundaries are measured in a local
metric plane around the resident (equirectangular on the WGS84 ellipsoid): across a city the
size of Dordrecht that is accurate to far better than the 100 m generalisation of the CBS
boundaries themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from niemand_alleen.geo import metres_per_degree

if TYPE_CHECKING:  # numpy and shapely are imported where distances are measured
    import numpy as np
    from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Candidate:
    """An organisation as the selection sees it."""

    id: uuid.UUID
    name: str
    wijk_codes: frozenset[str]
    active: bool = True
    unsubscribed: bool = False

    @property
    def reachable(self) -> bool:
        return self.active and not self.unsubscribed


@dataclass(frozen=True)
class SearchArea:
    """The wijken in which good neighbours are sought, and why each one is included."""

    home_wijk: str | None
    nearby_wijken: frozenset[str]  # within the radius, other than the home wijk
    radius_m: int

    @property
    def wijk_codes(self) -> frozenset[str]:
        home = {self.home_wijk} if self.home_wijk else set()
        return frozenset(home) | self.nearby_wijken


def distance_to_area_m(lat: float, lon: float, geometry: BaseGeometry) -> float:
    """Shortest distance in metres from the point to the area (0 inside it)."""
    import shapely
    from shapely.geometry import Point

    per_deg_lon, per_deg_lat = metres_per_degree(lat)

    def to_local_metres(coords: np.ndarray) -> np.ndarray:
        return (coords - (lon, lat)) * (per_deg_lon, per_deg_lat)

    return float(shapely.transform(geometry, to_local_metres).distance(Point(0.0, 0.0)))


def search_area(
    home_wijk: str | None,
    location: tuple[float, float] | None,
    wijk_geometries: Mapping[str, BaseGeometry],
    radius_m: int,
) -> SearchArea:
    """The home wijk plus the wijken within ``radius_m`` of ``location`` (lat, lon)."""
    nearby: set[str] = set()
    if location is not None and radius_m > 0:
        lat, lon = location
        for code, geometry in wijk_geometries.items():
            if code != home_wijk and distance_to_area_m(lat, lon, geometry) <= radius_m:
                nearby.add(code)
    return SearchArea(home_wijk=home_wijk, nearby_wijken=frozenset(nearby), radius_m=radius_m)


def propose(area: SearchArea, organisations: Sequence[Candidate]) -> list[Candidate]:
    """Active, subscribed organisations active in any wijk of the area, by name."""
    wanted = area.wijk_codes
    chosen = [org for org in organisations if org.reachable and org.wijk_codes & wanted]
    return sorted(chosen, key=lambda org: (org.name.casefold(), str(org.id)))
