from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from niemand_alleen.geo import (
    AreaDataError,
    Gazetteer,
    HouseNumber,
    LocationPrecision,
    PointDataError,
)


def _features(path: Path) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return features


def test_from_directory(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.areas.wijken) == 13
    assert len(gazetteer.areas.buurten) == 132
    assert len(gazetteer.points) == 45


def test_shipped_finds_the_same_data(gazetteer: Gazetteer) -> None:
    shipped = Gazetteer.shipped()
    assert shipped.areas.wijken == gazetteer.areas.wijken
    assert list(shipped.points) == list(gazetteer.points)


def test_attribution_is_shipped(postcodes_dir: Path) -> None:
    lines = (postcodes_dir / "ATTRIBUTION.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Bron: CBS/PDOK, Wijk- en buurtkaart 2024, CC-BY 4.0"
    assert "drikusroor/dutch-postal-code-city-coordinates" in lines[1]


def test_locate_and_areas_offline(gazetteer: Gazetteer) -> None:
    result = gazetteer.locate("3319 xx", HouseNumber(5))
    assert result.precision is LocationPrecision.PC4
    assert result.label == "bij benadering (postcodegebied)"
    match = gazetteer.areas_for(result)
    assert match.wijk is not None
    assert match.wijk.short_name == "Dubbeldam"
    unknown = gazetteer.locate("1012AB")
    assert unknown.precision is LocationPrecision.UNKNOWN
    empty = gazetteer.areas_for(unknown)
    assert empty.wijk is None
    assert empty.buurt is None


def test_from_records_matches_from_directory(gazetteer: Gazetteer, postcodes_dir: Path) -> None:
    wijk_rows: list[dict[str, object]] = [
        {**f["properties"], "geometry": f["geometry"]}
        for f in _features(postcodes_dir / "dordrecht_wijken_2024.geojson")
    ]
    # Buurten as a database might hold them: WKT text and no stored wijkcode.
    buurt_rows: list[dict[str, object]] = [
        {
            "statcode": area.statcode,
            "statnaam": area.statnaam,
            "geometry": area.geometry.wkt,
        }
        for area in gazetteer.areas.buurten
    ]
    point_rows: list[dict[str, object]] = [
        {"postcode": p.postcode, "lat": p.lat, "lon": p.lon, "plaats": p.plaats}
        for p in gazetteer.points
    ]
    rebuilt = Gazetteer.from_records(wijken=wijk_rows, buurten=buurt_rows, points=point_rows)
    assert [w.statcode for w in rebuilt.areas.wijken] == [
        w.statcode for w in gazetteer.areas.wijken
    ]
    assert [b.wijkcode for b in rebuilt.areas.buurten] == [
        b.wijkcode for b in gazetteer.areas.buurten
    ]
    for pc in ["3311AA", "3313AA", "3315AA", "3328AA", "3330AA"]:
        located = gazetteer.locate(pc)
        assert located.location is not None
        assert rebuilt.locate(pc) == located
        assert rebuilt.areas_for(located) == gazetteer.areas_for(located)


def test_from_records_accepts_ready_made_objects(gazetteer: Gazetteer) -> None:
    rebuilt = Gazetteer.from_records(
        wijken=gazetteer.areas.wijken,
        buurten=gazetteer.areas.buurten,
        points=list(gazetteer.points),
    )
    assert len(rebuilt.areas.buurten) == 132


def test_from_records_errors_name_the_record(gazetteer: Gazetteer) -> None:
    good = {"statcode": "WK050501", "statnaam": "W", "geometry": "POLYGON EMPTY"}
    with pytest.raises(AreaDataError, match="wijk record 1: geometry is empty"):
        Gazetteer.from_records(wijken=[good])
    bad_wkt = {"statcode": "WK050501", "statnaam": "W", "geometry": "POLYGON ((oops"}
    with pytest.raises(AreaDataError, match="wijk record 1: geometry cannot be read"):
        Gazetteer.from_records(wijken=[bad_wkt])
    with pytest.raises(AreaDataError, match="buurt record 1: WK050501 is a wijk"):
        Gazetteer.from_records(wijken=[], buurten=[gazetteer.areas.wijken[0]])
    with pytest.raises(PointDataError, match="point record 2"):
        Gazetteer.from_records(
            wijken=[],
            points=[
                {"postcode": "3311", "lat": 51.8, "lon": 4.6},
                {"postcode": "3311SA", "lat": 51.8, "lon": 4.6},
            ],
        )
    with pytest.raises(PointDataError, match="point record 1: 'lat'"):
        Gazetteer.from_records(wijken=[], points=[{"postcode": "3311", "lon": 4.6}])
