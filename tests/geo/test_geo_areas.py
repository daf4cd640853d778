from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from geopy.distance import geodesic
from shapely.geometry import box

from niemand_alleen.geo import (
    Area,
    AreaDataError,
    AreaIndex,
    AreaKind,
    Gazetteer,
    load_area_geojson,
    load_point_csv,
    parse_area_geojson,
    short_name,
    wijkcode_of,
)

DORDRECHT_PC4 = [str(n) for n in range(3311, 3320)] + ["3328", "3329"]


def _pc4_points(postcodes_dir: Path) -> dict[str, tuple[float, float]]:
    points = load_point_csv(postcodes_dir / "drechtsteden_pc4.csv")
    return {p.postcode: (p.lat, p.lon) for p in points}


def test_shipped_areas_load(postcodes_dir: Path) -> None:
    wijken = load_area_geojson(postcodes_dir / "dordrecht_wijken_2024.geojson", AreaKind.WIJK)
    buurten = load_area_geojson(postcodes_dir / "dordrecht_buurten_2024.geojson", AreaKind.BUURT)
    assert len(wijken) == 13
    assert len(buurten) == 132
    assert all(shapely.is_valid(a.geometry) for a in [*wijken, *buurten])
    wijkcodes = {w.statcode for w in wijken}
    assert {b.wijkcode for b in buurten} == wijkcodes  # every wijk has buurten, no orphans
    repaired = next(b for b in buurten if b.statcode == "BU05051104")
    assert repaired.statnaam == "Bedrijventerrein Groene Zoom"


def test_short_names(gazetteer: Gazetteer) -> None:
    names = {w.statcode: w.short_name for w in gazetteer.areas.wijken}
    assert names["WK050501"] == "Binnenstad"
    assert names["WK050510"] == "Dubbeldam"
    assert names["WK050511"] == "Stadspolders"
    assert names["WK050598"] == "Verspreide bebouwing"
    assert all(not name.startswith("Wijk") for name in names.values())
    assert short_name("Wijk 08 Crabbehof/Zuidhoven") == "Crabbehof/Zuidhoven"
    assert short_name("Centrum") == "Centrum"
    assert short_name("  Wijk 12  Iets  ") == "Iets"
    assert short_name("Wijkerbroek") == "Wijkerbroek"


def test_every_dordrecht_pc4_point_lies_in_a_wijk(
    gazetteer: Gazetteer, postcodes_dir: Path
) -> None:
    points = _pc4_points(postcodes_dir)
    strict = AreaIndex(gazetteer.areas.wijken, gazetteer.areas.buurten, tolerance_m=0)
    for pc4 in DORDRECHT_PC4:
        lat, lon = points[pc4]
        assert strict.wijk_at(lat, lon) is not None, pc4
        match = gazetteer.areas_at(lat, lon)
        assert match.wijk is not None, pc4
        assert match.buurt is not None, pc4
        assert match.buurt.wijkcode == match.wijk.statcode


@pytest.mark.parametrize(
    ("pc4", "wijk", "buurt"),
    [
        # Verified against the shipped polygons, not assumed.
        ("3311", "Binnenstad", "Centrum"),
        ("3328", "Sterrenburg", "Mildenburg en omgeving"),
        ("3318", "Sterrenburg", "Sterrenburg 1-Oost"),
        ("3319", "Dubbeldam", "Dubbeldam-Zuid"),  # pilot wijk
        ("3315", "Stadspolders", "Van den Broek-erf en omgeving"),  # pilot wijk
        ("3329", "Verspreide bebouwing", "Dordtse Biesbosch"),
    ],
)
def test_known_pc4_locations(
    gazetteer: Gazetteer, postcodes_dir: Path, pc4: str, wijk: str, buurt: str
) -> None:
    lat, lon = _pc4_points(postcodes_dir)[pc4]
    match = gazetteer.areas_at(lat, lon)
    assert match.wijk is not None
    assert match.buurt is not None
    assert (match.wijk.short_name, match.buurt.short_name) == (wijk, buurt)


def test_wijk_follows_the_buurt_where_polygons_disagree(
    gazetteer: Gazetteer, postcodes_dir: Path
) -> None:
    # The 3313 point lies in wijk polygon Staart but in buurt Iroko, which CBS assigns
    # to Stadspolders (SOURCES.md: buurten do not nest exactly in the wijk polygons).
    lat, lon = _pc4_points(postcodes_dir)["3313"]
    wijk_polygon = gazetteer.areas.wijk_at(lat, lon)
    assert wijk_polygon is not None
    assert wijk_polygon.short_name == "Staart"
    match = gazetteer.areas_at(lat, lon)
    assert match.buurt is not None
    assert match.buurt.statnaam == "Iroko en omgeving"
    assert match.wijk is not None
    assert match.wijk.short_name == "Stadspolders"


@pytest.mark.parametrize("pc4", ["3330", "3331", "3350", "3361", "2950", "3372", "2995"])
def test_neighbouring_municipalities_are_outside(
    gazetteer: Gazetteer, postcodes_dir: Path, pc4: str
) -> None:
    lat, lon = _pc4_points(postcodes_dir)[pc4]
    match = gazetteer.areas_at(lat, lon)
    assert match.wijk is None
    assert match.buurt is None


def test_buurten_in_and_code_lookup(gazetteer: Gazetteer) -> None:
    dubbeldam = gazetteer.areas.wijk("WK050510")
    assert dubbeldam is not None
    buurten = gazetteer.areas.buurten_in("WK050510")
    assert buurten
    assert all(b.statcode.startswith("BU050510") for b in buurten)
    assert gazetteer.areas.buurt(buurten[0].statcode) == buurten[0]
    assert gazetteer.areas.wijk("WK999999") is None


def _square(statcode: str, statnaam: str, lon0: float, lat0: float, size: float) -> Area:
    kind = AreaKind.WIJK if statcode.startswith("WK") else AreaKind.BUURT
    wijkcode = statcode if kind is AreaKind.WIJK else wijkcode_of(statcode)
    return Area(kind, statcode, statnaam, wijkcode, box(lon0, lat0, lon0 + size, lat0 + size))


def _east_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    target = geodesic(meters=metres).destination((lat, lon), 90.0)
    return target.latitude, target.longitude


def test_tolerance_picks_nearest_within_150_m() -> None:
    west = _square("WK999901", "Wijk 01 West", 4.60, 51.80, 0.01)
    east = _square("WK999902", "Wijk 02 Oost", 4.62, 51.80, 0.01)  # 0.01 deg gap (~690 m)
    index = AreaIndex([west, east])
    inside = index.wijk_at(51.805, 4.605)
    assert inside == west
    near_west = _east_of(51.805, 4.61, 100)
    assert index.wijk_at(*near_west) == west
    near_east = _east_of(51.805, 4.61, 600)
    assert index.wijk_at(*near_east) == east
    assert index.wijk_at(*_east_of(51.805, 4.61, 200)) is None
    assert index.wijk_at(*_east_of(51.805, 4.61, 145)) == west
    assert index.wijk_at(*_east_of(51.805, 4.61, 155)) is None
    assert AreaIndex([west], tolerance_m=0).wijk_at(*near_west) is None
    assert index.lookup(*near_west).buurt is None


def test_point_on_shared_border_is_deterministic() -> None:
    a = _square("WK999901", "A", 4.60, 51.80, 0.01)
    border = a.geometry.bounds[2]  # exact float of the shared edge
    b = _square("WK999902", "B", border, 51.80, 0.01)
    assert AreaIndex([b, a]).wijk_at(51.805, border) == a
    assert AreaIndex([a, b]).wijk_at(51.805, border) == a


def test_buurt_outside_its_wijk_polygon_still_gets_its_wijk() -> None:
    wijk = _square("WK999901", "Wijk 01 Noord", 4.60, 51.80, 0.01)
    other = _square("WK999902", "Wijk 02 Zuid", 4.60, 51.79, 0.01)
    # Buurt of wijk 01 that (through generalisation) overlaps wijk 02's polygon.
    buurt = _square("BU99990101", "Buurtje", 4.60, 51.795, 0.004)
    index = AreaIndex([wijk, other], [buurt])
    match = index.lookup(51.797, 4.602)
    assert match.buurt == buurt
    assert match.wijk == wijk
    assert index.wijk_at(51.797, 4.602) == other


def test_index_validation() -> None:
    wijk = _square("WK999901", "W", 4.60, 51.80, 0.01)
    orphan = _square("BU99990201", "B", 4.60, 51.80, 0.001)
    with pytest.raises(AreaDataError, match="unknown wijken: BU99990201"):
        AreaIndex([wijk], [orphan])
    with pytest.raises(AreaDataError, match="duplicate statcode WK999901"):
        AreaIndex([wijk, wijk])
    with pytest.raises(AreaDataError, match="expected a wijk"):
        AreaIndex([orphan])
    with pytest.raises(ValueError, match="tolerance"):
        AreaIndex([wijk], tolerance_m=-1)
    with pytest.raises(ValueError, match="latitude"):
        AreaIndex([wijk]).wijk_at(95.0, 4.6)


def _feature(statcode: str, statnaam: str, coordinates: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"statcode": statcode, "statnaam": statnaam, **extra},
        "geometry": {"type": "Polygon", "coordinates": coordinates},
    }


RING = [[[4.60, 51.80], [4.61, 51.80], [4.61, 51.81], [4.60, 51.81], [4.60, 51.80]]]


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_wijkcode_is_derived_when_missing() -> None:
    areas = parse_area_geojson(_collection(_feature("BU05050101", "B", RING)), AreaKind.BUURT)
    assert areas[0].wijkcode == "WK050501"
    with pytest.raises(AreaDataError, match="feature 1 \\(BU05050101\\): wijkcode 'WK050502'"):
        parse_area_geojson(
            _collection(_feature("BU05050101", "B", RING, wijkcode="WK050502")), AreaKind.BUURT
        )


def test_multipolygon_is_accepted() -> None:
    feature = _feature("WK050501", "W", RING)
    feature["geometry"] = {"type": "MultiPolygon", "coordinates": [RING]}
    assert parse_area_geojson(_collection(feature), AreaKind.WIJK)[0].geometry.geom_type == (
        "MultiPolygon"
    )


BOWTIE = [[[4.60, 51.80], [4.61, 51.81], [4.61, 51.80], [4.60, 51.81], [4.60, 51.80]]]
SWAPPED = [[[lat, lon] for lon, lat in RING[0]]]


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        (_feature("WK05050", "W", RING), "statcode 'WK05050' is not a wijk code"),
        (_feature("BU05050101", "W", RING), "statcode 'BU05050101' is not a wijk code"),
        (_feature("WK050502", "", RING), "'statnaam' is missing"),
        (_feature("WK050502", "W", BOWTIE), "geometry is invalid: Self-intersection"),
        (_feature("WK050502", "W", SWAPPED), "outside the allowed area"),
        (_feature("WK050502", "W", [[[4.6, 51.8], [4.61]]]), "geometry cannot be read"),
        (_feature("WK050502", "W", "nonsense"), "geometry cannot be read"),
        (_feature("WK050501", "W", RING), "duplicate statcode (first in feature 1)"),
        ({"type": "Feature", "properties": None, "geometry": None}, "'properties' is missing"),
        ({"type": "Something"}, "not a GeoJSON Feature"),
        (
            {
                "type": "Feature",
                "properties": {"statcode": "WK050502", "statnaam": "W"},
                "geometry": {"type": "Point", "coordinates": [4.6, 51.8]},
            },
            "geometry type Point is not Polygon or MultiPolygon",
        ),
        (
            {"type": "Feature", "properties": {"statcode": "WK050502", "statnaam": "W"}},
            "geometry is missing",
        ),
    ],
)
def test_bad_features_are_named(bad: dict[str, Any], fragment: str) -> None:
    data = _collection(_feature("WK050501", "Wijk 01 Goed", RING), bad)
    with pytest.raises(AreaDataError) as info:
        parse_area_geojson(data, AreaKind.WIJK, source="wijken.geojson")
    message = str(info.value)
    assert message.startswith("wijken.geojson, feature 2")
    assert fragment in message


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n  {oops}\n]}')
    with pytest.raises(AreaDataError, match="broken.geojson, line 3: invalid JSON"):
        load_area_geojson(path, AreaKind.WIJK)


def test_not_a_feature_collection() -> None:
    with pytest.raises(AreaDataError, match="not a GeoJSON FeatureCollection"):
        parse_area_geojson(json.dumps({"type": "Feature"}), AreaKind.WIJK)
    with pytest.raises(AreaDataError, match="'features' is not a list"):
        parse_area_geojson({"type": "FeatureCollection", "features": {}}, AreaKind.WIJK)
