"""Coordinates with an explicit precision, and the result type of a postcode look-up."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = [
    "UNKNOWN_LOCATION",
    "HasLatLon",
    "LocateResult",
    "Location",
    "LocationPrecision",
    "check_lat_lon",
]


class LocationPrecision(StrEnum):
    """How a location was determined, from most to least precise.

    The values are stable strings meant for storage in the database.
    """

    ADDRESS = "address"
    PC6 = "pc6"
    PC4 = "pc4"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """Short Dutch description for the user interface and mails."""
        return _LABELS[self]

    @property
    def is_approximate(self) -> bool:
        """True when the point stands for a postcode area rather than the address."""
        return self in (LocationPrecision.PC6, LocationPrecision.PC4)


_LABELS: dict[LocationPrecision, str] = {
    LocationPrecision.ADDRESS: "adres",
    LocationPrecision.PC6: "bij benadering (postcode)",
    LocationPrecision.PC4: "bij benadering (postcodegebied)",
    LocationPrecision.UNKNOWN: "onbekend",
}


class HasLatLon(Protocol):
    """Anything with WGS84 ``lat``/``lon`` attributes (a Location, a database row, ...)."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


def check_lat_lon(lat: float, lon: float) -> None:
    """Raise ValueError unless lat/lon are finite WGS84 degrees."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError("latitude and longitude must be finite numbers")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside -90..90")
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is outside -180..180")


@dataclass(frozen=True, slots=True)
class Location:
    """A known WGS84 point. Unknown locations are not Locations (see LocateResult)."""

    lat: float
    lon: float
    precision: LocationPrecision

    def __post_init__(self) -> None:
        check_lat_lon(self.lat, self.lon)
        if self.precision is LocationPrecision.UNKNOWN:
            raise ValueError("a Location has coordinates, so its precision cannot be unknown")

    @property
    def label(self) -> str:
        return self.precision.label


@dataclass(frozen=True, slots=True)
class LocateResult:
    """Outcome of locating a postcode (and house number).

    Always carries a precision; ``location`` is None exactly when the precision is
    unknown, so callers never have to invent coordinates.
    """

    location: Location | None = None

    @property
    def precision(self) -> LocationPrecision:
        return LocationPrecision.UNKNOWN if self.location is None else self.location.precision

    @property
    def is_known(self) -> bool:
        return self.location is not None

    @property
    def label(self) -> str:
        return self.precision.label


UNKNOWN_LOCATION = LocateResult(None)
