"""One object bundling the area index and the postcode points."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from niemand_alleen.geo.areas import (
    DEFAULT_TOLERANCE_M,
    Area,
    AreaDataError,
    AreaIndex,
    AreaKind,
    AreaMatch,
    area_from_record,
    load_area_geojson,
)
from niemand_alleen.geo.distance import NETHERLANDS, BoundingBox
from niemand_alleen.geo.geocoder import AddressGeocoder, GeocodeCache, locate
from niemand_alleen.geo.location import LocateResult
from niemand_alleen.geo.points import (
    PointDataError,
    PointTable,
    PostcodePoint,
    load_point_csv,
    point_from_record,
)
from niemand_alleen.geo.postcode import HouseNumber
from niemand_alleen.resources import resource_dir

__all__ = ["BUURTEN_FILE", "PC4_FILE", "WIJKEN_FILE", "Gazetteer"]

# File names in the shipped postcodes/ directory.
WIJKEN_FILE = "dordrecht_wijken_2024.geojson"
BUURTEN_FILE = "dordrecht_buurten_2024.geojson"
PC4_FILE = "drechtsteden_pc4.csv"


class Gazetteer:
    """Areas plus postcode points; pure data, no I/O after construction."""

    def __init__(self, areas: AreaIndex, points: PointTable) -> None:
        self.areas = areas
        self.points = points

    @classmethod
    def from_directory(
        cls,
        directory: str | os.PathLike[str],
        *,
        wijken_file: str = WIJKEN_FILE,
        buurten_file: str = BUURTEN_FILE,
        point_files: Sequence[str] = (PC4_FILE,),
        tolerance_m: float = DEFAULT_TOLERANCE_M,
    ) -> Gazetteer:
        """Load the shipped ``postcodes/`` folder (or one laid out the same way).

        ``point_files`` may list PC4 and PC6 CSVs; a postcode in two files is an error.
        """
        folder = Path(directory)
        wijken = load_area_geojson(folder / wijken_file, AreaKind.WIJK)
        buurten = load_area_geojson(folder / buurten_file, AreaKind.BUURT)
        points: list[PostcodePoint] = []
        for name in point_files:
            points.extend(load_point_csv(folder / name))
        return cls(AreaIndex(wijken, buurten, tolerance_m=tolerance_m), PointTable(points))

    @classmethod
    def shipped(cls, *, tolerance_m: float = DEFAULT_TOLERANCE_M) -> Gazetteer:
        """The data shipped in ``postcodes/`` (repository top or inside the wheel)."""
        return cls.from_directory(resource_dir("postcodes"), tolerance_m=tolerance_m)

    @classmethod
    def from_records(
        cls,
        *,
        wijken: Iterable[Area | Mapping[str, object]],
        buurten: Iterable[Area | Mapping[str, object]] = (),
        points: Iterable[PostcodePoint | Mapping[str, object]] = (),
        tolerance_m: float = DEFAULT_TOLERANCE_M,
        bounds: BoundingBox | None = NETHERLANDS,
    ) -> Gazetteer:
        """Build from database rows (mappings) or ready-made records.

        Area rows need ``statcode``, ``statnaam``, ``geometry`` (GeoJSON, WKT, WKB or
        shapely) and for buurten optionally ``wijkcode``; point rows need ``postcode``
        (PC4 or PC6), ``lat``, ``lon`` and optionally ``plaats``. Errors name the row.
        """
        wijk_areas = _areas(wijken, AreaKind.WIJK, bounds)
        buurt_areas = _areas(buurten, AreaKind.BUURT, bounds)
        postcode_points: list[PostcodePoint] = []
        for number, record in enumerate(points, start=1):
            try:
                postcode_points.append(point_from_record(record, bounds=bounds))
            except (ValueError, KeyError, TypeError) as exc:
                raise PointDataError(f"point record {number}: {exc}") from exc
        return cls(
            AreaIndex(wijk_areas, buurt_areas, tolerance_m=tolerance_m),
            PointTable(postcode_points),
        )

    def locate(
        self,
        postcode: str,
        house_number: HouseNumber | None = None,
        *,
        geocoder: AddressGeocoder | None = None,
        cache: GeocodeCache | None = None,
    ) -> LocateResult:
        """See :func:`niemand_alleen.geo.geocoder.locate`."""
        return locate(postcode, house_number, points=self.points, geocoder=geocoder, cache=cache)

    def areas_at(self, lat: float, lon: float) -> AreaMatch:
        return self.areas.lookup(lat, lon)

    def areas_for(self, result: LocateResult) -> AreaMatch:
        """Wijk and buurt of a located result; empty when the location is unknown."""
        if result.location is None:
            return AreaMatch()
        return self.areas.lookup(result.location.lat, result.location.lon)


def _areas(
    records: Iterable[Area | Mapping[str, object]],
    kind: AreaKind,
    bounds: BoundingBox | None,
) -> list[Area]:
    areas: list[Area] = []
    for number, record in enumerate(records, start=1):
        try:
            areas.append(area_from_record(record, kind, bounds=bounds))
        except (ValueError, KeyError, TypeError) as exc:
            raise AreaDataError(f"{kind} record {number}: {exc}") from exc
    return areas
