"""CBS wijken and buurten: parsing, validation and point-in-area look-up.

The shipped boundaries are generalised (~100 m) and wijken and buurten were generalised
independently, so buurten do not nest exactly in wijken (see postcodes/SOURCES.md).
Look-ups therefore allow a small tolerance, and the wijk of a buurt always comes from
its ``wijkcode``, never from a geometric test.

Data errors are meant for maintainers, so they are English and name the feature.

numpy and shapely are imported where geometry is handled, not with the module: a web worker
that only needs names and codes (``short_name``, ``AreaKind``) never loads them.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from niemand_alleen.geo.distance import NETHERLANDS, BoundingBox
from niemand_alleen.geo.location import check_lat_lon

if TYPE_CHECKING:
    import numpy as np
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DEFAULT_TOLERANCE_M",
    "Area",
    "AreaDataError",
    "AreaIndex",
    "AreaKind",
    "AreaMatch",
    "area_from_record",
    "load_area_geojson",
    "parse_area_geojson",
    "short_name",
    "wijkcode_of",
]

# Slightly more than the ~100 m generalisation of the shipped boundaries, and well under
# the ~260 m gap to the nearest neighbouring-municipality postcode points.
DEFAULT_TOLERANCE_M = 150.0

_WIJK_RE = re.compile(r"WK[0-9]{6}")
_BUURT_RE = re.compile(r"BU[0-9]{8}")
# CBS display names carry a numeric prefix ("Wijk 01 Binnenstad") users do not need.
_PREFIX_RE = re.compile(r"(?:Wijk|Buurt)\s+[0-9]+\s+(?P<name>\S.*)", re.IGNORECASE)

# WGS84 constants for the local metric scale used by the tolerance search.
_A = 6_378_137.0
_E2 = 6.694379990141316e-3


class AreaKind(StrEnum):
    WIJK = "wijk"
    BUURT = "buurt"


class AreaDataError(ValueError):
    """An area file or record is invalid; the message names the feature."""


def short_name(statnaam: str) -> str:
    """Name for the UI and mails: ``"Wijk 01 Binnenstad"`` -> ``"Binnenstad"``."""
    name = statnaam.strip()
    match = _PREFIX_RE.fullmatch(name)
    return match.group("name").strip() if match else name


def wijkcode_of(buurtcode: str) -> str:
    """The wijk statcode of a buurt statcode: ``BU0505WWBB`` -> ``WK0505WW``."""
    if _BUURT_RE.fullmatch(buurtcode) is None:
        raise ValueError(f"{buurtcode!r} is not a buurt code like BU05050101")
    return "WK" + buurtcode[2:8]


@dataclass(frozen=True, slots=True)
class Area:
    """A wijk or buurt. For a wijk, ``wijkcode`` equals its own ``statcode``."""

    kind: AreaKind
    statcode: str
    statnaam: str
    wijkcode: str
    geometry: BaseGeometry = field(compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind is AreaKind.WIJK:
            if _WIJK_RE.fullmatch(self.statcode) is None:
                raise ValueError(f"statcode {self.statcode!r} is not a wijk code like WK050501")
            if self.wijkcode != self.statcode:
                raise ValueError("a wijk's wijkcode must equal its statcode")
        else:
            if _BUURT_RE.fullmatch(self.statcode) is None:
                raise ValueError(f"statcode {self.statcode!r} is not a buurt code like BU05050101")
            if self.wijkcode != wijkcode_of(self.statcode):
                raise ValueError(
                    f"wijkcode {self.wijkcode!r} does not match statcode {self.statcode}"
                    f" (expected {wijkcode_of(self.statcode)})"
                )
        if not self.statnaam.strip():
            raise ValueError("statnaam is empty")
        _check_geometry(self.geometry, None)

    @property
    def short_name(self) -> str:
        return short_name(self.statnaam)


@dataclass(frozen=True, slots=True)
class AreaMatch:
    """Wijk and buurt of a point; either may be None (outside the covered area)."""

    wijk: Area | None = None
    buurt: Area | None = None


def _to_geometry(value: object) -> BaseGeometry:
    import shapely
    from shapely.geometry import shape
    from shapely.geometry.base import BaseGeometry

    if isinstance(value, BaseGeometry):
        return value
    if isinstance(value, Mapping):
        return shape(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return shapely.from_wkb(bytes(value))
    if isinstance(value, str):
        text = value.strip()
        return shape(json.loads(text)) if text.startswith("{") else shapely.from_wkt(text)
    raise TypeError(f"unsupported geometry value of type {type(value).__name__}")


def _check_geometry(geometry: BaseGeometry, bounds: BoundingBox | None) -> None:
    import shapely
    from shapely.geometry.base import BaseGeometry

    if not isinstance(geometry, BaseGeometry):
        raise ValueError("geometry is not a shapely geometry")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"geometry type {geometry.geom_type} is not Polygon or MultiPolygon")
    if geometry.is_empty:
        raise ValueError("geometry is empty")
    if not shapely.is_valid(geometry):
        raise ValueError(f"geometry is invalid: {shapely.is_valid_reason(geometry)}")
    if bounds is not None:
        min_lon, min_lat, max_lon, max_lat = geometry.bounds
        # GeoJSON is lon,lat; a file with swapped axes falls outside the area here.
        if not (bounds.contains(min_lat, min_lon) and bounds.contains(max_lat, max_lon)):
            raise ValueError("geometry lies (partly) outside the allowed area; lon/lat swapped?")


def _build_area(
    properties: Mapping[str, Any],
    geometry_value: object,
    kind: AreaKind,
    bounds: BoundingBox | None,
) -> Area:
    statcode = properties.get("statcode")
    statnaam = properties.get("statnaam")
    if not isinstance(statcode, str) or not statcode.strip():
        raise ValueError("property 'statcode' is missing or not text")
    if not isinstance(statnaam, str) or not statnaam.strip():
        raise ValueError("property 'statnaam' is missing or not text")
    statcode = statcode.strip()
    pattern = _WIJK_RE if kind is AreaKind.WIJK else _BUURT_RE
    if pattern.fullmatch(statcode) is None:
        example = "WK050501" if kind is AreaKind.WIJK else "BU05050101"
        raise ValueError(f"statcode {statcode!r} is not a {kind} code like {example}")
    if kind is AreaKind.WIJK:
        wijkcode = statcode
    else:
        given = properties.get("wijkcode")
        if given is None or given == "":
            wijkcode = wijkcode_of(statcode)
        elif isinstance(given, str) and _WIJK_RE.fullmatch(given.strip()):
            wijkcode = given.strip()
        else:
            raise ValueError(f"wijkcode {given!r} is not a wijk code like WK050501")
    if geometry_value is None:
        raise ValueError("geometry is missing")
    from shapely.errors import ShapelyError

    try:
        geometry = _to_geometry(geometry_value)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ShapelyError) as exc:
        raise ValueError(f"geometry cannot be read: {exc}") from exc
    _check_geometry(geometry, bounds)
    return Area(kind, statcode, statnaam.strip(), wijkcode, geometry)


def parse_area_geojson(
    data: Mapping[str, Any] | str | bytes,
    kind: AreaKind,
    *,
    source: str = "<geojson>",
    bounds: BoundingBox | None = NETHERLANDS,
) -> list[Area]:
    """Parse a CBS wijk or buurt FeatureCollection (WGS84, lon/lat) into Areas.

    Every feature is validated; the first problem raises :class:`AreaDataError`
    naming ``source`` and the 1-based feature number (and statcode when known).
    """
    areas: list[Area] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(_features(data, source), start=1):
        area, where = _feature_area(feature, f"{source}, feature {number}", kind, bounds)
        if area.statcode in seen:
            raise AreaDataError(
                f"{where}: duplicate statcode (first in feature {seen[area.statcode]})"
            )
        seen[area.statcode] = number
        areas.append(area)
    return areas


def _features(data: Mapping[str, Any] | str | bytes, source: str) -> list[Any]:
    """The features of a FeatureCollection (parsed first when given as JSON text)."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise AreaDataError(f"{source}, line {exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise AreaDataError(f"{source}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise AreaDataError(f"{source}: 'features' is not a list")
    return features


def _feature_area(
    feature: Any, where: str, kind: AreaKind, bounds: BoundingBox | None
) -> tuple[Area, str]:
    """One feature as an Area, and ``where`` with its statcode for later messages;
    problems raise :class:`AreaDataError` saying where."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise AreaDataError(f"{where}: not a GeoJSON Feature")
    properties = feature.get("properties")
    if not isinstance(properties, Mapping):
        raise AreaDataError(f"{where}: 'properties' is missing")
    statcode = properties.get("statcode")
    if isinstance(statcode, str):
        where += f" ({statcode})"
    try:
        return _build_area(properties, feature.get("geometry"), kind, bounds), where
    except ValueError as exc:
        raise AreaDataError(f"{where}: {exc}") from exc


def load_area_geojson(
    path: str | os.PathLike[str],
    kind: AreaKind,
    *,
    bounds: BoundingBox | None = NETHERLANDS,
) -> list[Area]:
    file_path = Path(path)
    text = file_path.read_text(encoding="utf-8-sig")
    return parse_area_geojson(text, kind, source=file_path.name, bounds=bounds)


def area_from_record(
    record: Area | Mapping[str, object],
    kind: AreaKind,
    *,
    bounds: BoundingBox | None = NETHERLANDS,
) -> Area:
    """Build an Area from e.g. a database row with ``statcode``, ``statnaam``, optional
    ``wijkcode`` and ``geometry`` (GeoJSON mapping or text, WKT, WKB or shapely)."""
    if isinstance(record, Area):
        if record.kind is not kind:
            raise ValueError(f"{record.statcode} is a {record.kind}, expected a {kind}")
        _check_geometry(record.geometry, bounds)
        return record
    return _build_area(record, record.get("geometry"), kind, bounds)


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(east-west, north-south) metres per degree on WGS84 at this latitude."""
    phi = math.radians(lat)
    w = math.sqrt(1.0 - _E2 * math.sin(phi) ** 2)
    per_rad_lon = _A * math.cos(phi) / w
    per_rad_lat = _A * (1.0 - _E2) / w**3
    return math.radians(per_rad_lon), math.radians(per_rad_lat)


class _Layer:
    """STRtree over the areas of one kind."""

    def __init__(self, areas: Sequence[Area]) -> None:
        from shapely.strtree import STRtree

        self.areas = tuple(areas)
        self._tree = STRtree([area.geometry for area in self.areas])

    def at(self, lat: float, lon: float, tolerance_m: float) -> Area | None:
        if not self.areas:
            return None
        from shapely.geometry import Point

        point = Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits):
            # A point on a shared border touches two areas; pick one deterministically.
            return min((self.areas[int(i)] for i in hits), key=lambda area: area.statcode)
        if tolerance_m <= 0:
            return None
        return self._nearest(lat, lon, tolerance_m)

    def _nearest(self, lat: float, lon: float, tolerance_m: float) -> Area | None:
        import shapely
        from shapely.geometry import Point, box

        per_deg_lon, per_deg_lat = metres_per_degree(lat)
        d_lat = tolerance_m / per_deg_lat
        d_lon = 180.0 if per_deg_lon < 1.0 else min(180.0, tolerance_m / per_deg_lon)
        candidates = self._tree.query(box(lon - d_lon, lat - d_lat, lon + d_lon, lat + d_lat))

        def to_local_metres(coords: np.ndarray) -> np.ndarray:
            # Local equirectangular projection around the point; accurate to well under
            # 1% over a few hundred metres, which is all the tolerance needs.
            return (coords - (lon, lat)) * (per_deg_lon, per_deg_lat)

        origin = Point(0.0, 0.0)
        best: tuple[float, str, Area] | None = None
        for index in candidates:
            area = self.areas[int(index)]
            distance = shapely.transform(area.geometry, to_local_metres).distance(origin)
            if distance <= tolerance_m:
                key = (distance, area.statcode, area)
                if best is None or key[:2] < best[:2]:
                    best = key
        return None if best is None else best[2]


class AreaIndex:
    """Answers "which wijk and buurt contain this point" for CBS areas."""

    def __init__(
        self,
        wijken: Iterable[Area],
        buurten: Iterable[Area] = (),
        *,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
    ) -> None:
        if not math.isfinite(tolerance_m) or tolerance_m < 0:
            raise ValueError("tolerance_m must be a finite number >= 0")
        self.tolerance_m = tolerance_m
        wijk_list = sorted(wijken, key=lambda area: area.statcode)
        buurt_list = sorted(buurten, key=lambda area: area.statcode)
        self._wijk_by_code = _by_code(wijk_list, AreaKind.WIJK)
        self._buurt_by_code = _by_code(buurt_list, AreaKind.BUURT)
        if self._wijk_by_code:
            orphans = sorted(b.statcode for b in buurt_list if b.wijkcode not in self._wijk_by_code)
            if orphans:
                raise AreaDataError(
                    f"buurten refer to unknown wijken: {', '.join(orphans[:5])}"
                    + (" ..." if len(orphans) > 5 else "")
                )
        self._wijken = _Layer(wijk_list)
        self._buurten = _Layer(buurt_list)

    @property
    def wijken(self) -> tuple[Area, ...]:
        """All wijken, sorted by statcode."""
        return self._wijken.areas

    @property
    def buurten(self) -> tuple[Area, ...]:
        """All buurten, sorted by statcode."""
        return self._buurten.areas

    def wijk(self, statcode: str) -> Area | None:
        return self._wijk_by_code.get(statcode)

    def buurt(self, statcode: str) -> Area | None:
        return self._buurt_by_code.get(statcode)

    def buurten_in(self, wijkcode: str) -> tuple[Area, ...]:
        """The buurten whose wijkcode is ``wijkcode`` (administrative, not geometric)."""
        return tuple(b for b in self._buurten.areas if b.wijkcode == wijkcode)

    def wijk_at(self, lat: float, lon: float) -> Area | None:
        """Wijk polygon containing the point, else the nearest within the tolerance."""
        check_lat_lon(lat, lon)
        return self._wijken.at(lat, lon, self.tolerance_m)

    def buurt_at(self, lat: float, lon: float) -> Area | None:
        """Buurt polygon containing the point, else the nearest within the tolerance."""
        check_lat_lon(lat, lon)
        return self._buurten.at(lat, lon, self.tolerance_m)

    def lookup(self, lat: float, lon: float) -> AreaMatch:
        """Wijk and buurt of a point, always consistent with each other.

        The buurt is found geometrically; when there is one, the wijk is the buurt's
        own wijk (by wijkcode), because the independently generalised wijk polygons
        disagree with the buurten near borders. Only without a buurt is the wijk
        polygon consulted.
        """
        buurt = self.buurt_at(lat, lon)
        if buurt is not None:
            return AreaMatch(wijk=self._wijk_by_code.get(buurt.wijkcode), buurt=buurt)
        return AreaMatch(wijk=self.wijk_at(lat, lon), buurt=None)


def _by_code(areas: Sequence[Area], kind: AreaKind) -> dict[str, Area]:
    by_code: dict[str, Area] = {}
    for area in areas:
        if area.kind is not kind:
            raise AreaDataError(f"{area.statcode} is a {area.kind}, expected a {kind}")
        if area.statcode in by_code:
            raise AreaDataError(f"duplicate statcode {area.statcode}")
        by_code[area.statcode] = area
    return by_code
