"""Postcode points (PC4 and PC6) from CSV files or database rows, and their look-up.

Data errors are meant for maintainers, so they are English and name the line.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from niemand_alleen.geo.distance import NETHERLANDS, BoundingBox
from niemand_alleen.geo.location import (
    UNKNOWN_LOCATION,
    LocateResult,
    Location,
    LocationPrecision,
    check_lat_lon,
)
from niemand_alleen.geo.postcode import PostcodeError, is_valid_pc4, normalise_postcode

__all__ = [
    "PointDataError",
    "PointTable",
    "PostcodePoint",
    "load_point_csv",
    "parse_point_csv",
    "point_from_record",
]

# Plain decimal notation only: float() would also accept "nan", "1e3" and "1_0".
_DECIMAL_RE = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]+)?")
_PC6_RE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")


class PointDataError(ValueError):
    """A postcode point file or record is invalid. ``line`` is 1-based when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class PostcodePoint:
    """A representative point for a PC4 (``"3311"``) or PC6 (``"3311AB"``) postcode."""

    postcode: str
    lat: float
    lon: float
    plaats: str | None = None

    def __post_init__(self) -> None:
        if not (is_valid_pc4(self.postcode) or _is_pc6(self.postcode)):
            raise ValueError("postcode must be a PC4 like '3311' or a normalised PC6 like '3311AB'")
        check_lat_lon(self.lat, self.lon)

    @property
    def precision(self) -> LocationPrecision:
        return LocationPrecision.PC4 if len(self.postcode) == 4 else LocationPrecision.PC6

    def to_location(self) -> Location:
        return Location(self.lat, self.lon, self.precision)


def _is_pc6(postcode: str) -> bool:
    if _PC6_RE.fullmatch(postcode) is None:
        return False
    try:
        return normalise_postcode(postcode) == postcode
    except PostcodeError:
        return False


def _parse_coordinate(text: str, name: str, low: float, high: float) -> float:
    value_text = text.strip()
    if _DECIMAL_RE.fullmatch(value_text) is None:
        raise ValueError(f"{name} {value_text!r} is not a decimal number")
    value = float(value_text)
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"{name} {value} is outside the allowed range {low}..{high}")
    return value


def _build_point(
    postcode_raw: str,
    lat_raw: str,
    lon_raw: str,
    plaats_raw: str | None,
    *,
    pc4_only: bool,
    bounds: BoundingBox | None,
) -> PostcodePoint:
    """Validate one row's raw text; raises ValueError with a message without location."""
    raw = postcode_raw.strip()
    if pc4_only:
        if not is_valid_pc4(raw):
            raise ValueError(f"pc4 {raw!r} is not four digits starting with 1-9")
        postcode = raw
    else:
        try:
            postcode = normalise_postcode(raw)
        except PostcodeError as exc:
            raise ValueError(f"postcode {raw!r} is not a valid PC6 postcode") from exc
    low_lat, low_lon, high_lat, high_lon = bounds or BoundingBox(-90.0, -180.0, 90.0, 180.0)
    lat = _parse_coordinate(lat_raw, "latitude", low_lat, high_lat)
    lon = _parse_coordinate(lon_raw, "longitude", low_lon, high_lon)
    plaats = (plaats_raw or "").strip() or None
    return PostcodePoint(postcode, lat, lon, plaats)


def parse_point_csv(
    lines: Iterable[str],
    *,
    source: str = "<points>",
    bounds: BoundingBox | None = NETHERLANDS,
) -> list[PostcodePoint]:
    """Parse a point table with header ``pc4,plaats,lat,lon`` or ``postcode,lat,lon[,plaats]``.

    Column order is free. Every row is validated; the first problem raises
    :class:`PointDataError` naming ``source`` and the line. ``bounds`` rejects points
    outside the area (swapped lat/lon columns land far outside the Netherlands).
    """
    reader = csv.reader(lines)
    header: list[str] | None = None
    key_column = ""
    points: list[PostcodePoint] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            key_column = _check_header(header, source, line)
            continue
        if len(row) != len(header):
            raise PointDataError(
                f"{source}, line {line}: expected {len(header)} fields, found {len(row)}",
                line=line,
            )
        cells = dict(zip(header, row, strict=True))
        try:
            point = _build_point(
                cells[key_column],
                cells["lat"],
                cells["lon"],
                cells.get("plaats"),
                pc4_only=key_column == "pc4",
                bounds=bounds,
            )
        except ValueError as exc:
            raise PointDataError(f"{source}, line {line}: {exc}", line=line) from exc
        if point.postcode in first_line:
            raise PointDataError(
                f"{source}, line {line}: duplicate postcode {point.postcode} "
                f"(first on line {first_line[point.postcode]})",
                line=line,
            )
        first_line[point.postcode] = line
        points.append(point)
    if header is None:
        raise PointDataError(f"{source}: file is empty, expected a header line")
    return points


def _check_header(header: list[str], source: str, line: int) -> str:
    if "pc4" in header and "postcode" in header:
        raise PointDataError(f"{source}, line {line}: use either 'pc4' or 'postcode'", line=line)
    key_column = "pc4" if "pc4" in header else "postcode"
    allowed = {key_column, "lat", "lon", "plaats"}
    missing = sorted({key_column, "lat", "lon"} - set(header))
    unknown = sorted(set(header) - allowed)
    duplicated = len(set(header)) != len(header)
    if missing or unknown or duplicated:
        raise PointDataError(
            f"{source}, line {line}: bad header {','.join(header)!r}; expected "
            "'pc4,plaats,lat,lon' or 'postcode,lat,lon[,plaats]'",
            line=line,
        )
    return key_column


def load_point_csv(
    path: str | os.PathLike[str], *, bounds: BoundingBox | None = NETHERLANDS
) -> list[PostcodePoint]:
    """Read and validate a point CSV file (UTF-8, an optional BOM is ignored)."""
    file_path = Path(path)
    with file_path.open(encoding="utf-8-sig", newline="") as handle:
        return parse_point_csv(handle, source=file_path.name, bounds=bounds)


def point_from_record(
    record: PostcodePoint | Mapping[str, object],
    *,
    bounds: BoundingBox | None = NETHERLANDS,
) -> PostcodePoint:
    """Build a point from a mapping with ``postcode`` (PC4 or PC6), ``lat``, ``lon``
    and optional ``plaats``, e.g. a database row; raises ValueError when invalid."""
    if isinstance(record, PostcodePoint):
        point = record
    else:
        postcode = str(record["postcode"]).strip()
        lat, lon = record["lat"], record["lon"]
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            raise ValueError("lat and lon must be numbers")
        plaats_value = record.get("plaats")
        plaats = None if plaats_value is None else (str(plaats_value).strip() or None)
        if not is_valid_pc4(postcode):
            postcode = normalise_postcode(postcode)
        point = PostcodePoint(postcode, float(lat), float(lon), plaats)
    if bounds is not None and not bounds.contains(point.lat, point.lon):
        raise ValueError(f"point for {point.postcode} lies outside the allowed area")
    return point


class PointTable:
    """Look-up of postcode points: the PC6 point if present, else the PC4 point."""

    def __init__(self, points: Iterable[PostcodePoint]) -> None:
        self._points: dict[str, PostcodePoint] = {}
        for point in points:
            if point.postcode in self._points:
                raise PointDataError(f"duplicate postcode point {point.postcode}")
            self._points[point.postcode] = point

    def __len__(self) -> int:
        return len(self._points)

    def __iter__(self) -> Iterator[PostcodePoint]:
        return iter(self._points.values())

    def __contains__(self, postcode: object) -> bool:
        return postcode in self._points

    def get(self, key: str) -> PostcodePoint | None:
        """The stored point for exactly this PC4 or PC6 key, without fallback."""
        return self._points.get(key)

    def lookup(self, postcode: str) -> LocateResult:
        """Locate a postcode (PC6, any accepted spelling, or a bare PC4).

        Raises :class:`PostcodeError` for an invalid postcode; a valid postcode that
        is not in the table gives ``UNKNOWN_LOCATION``.
        """
        key = postcode.strip()
        if not is_valid_pc4(key):
            key = normalise_postcode(key)
            point = self._points.get(key)
            if point is not None:
                return LocateResult(point.to_location())
            key = key[:4]
        point = self._points.get(key)
        return UNKNOWN_LOCATION if point is None else LocateResult(point.to_location())
