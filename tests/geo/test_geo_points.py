from __future__ import annotations

from pathlib import Path

import pytest

from niemand_alleen.geo import (
    LocationPrecision,
    PointDataError,
    PointTable,
    PostcodeError,
    PostcodePoint,
    load_point_csv,
    parse_point_csv,
)
from niemand_alleen.geo.points import point_from_record

DORDRECHT_PC4 = [str(n) for n in range(3311, 3320)] + ["3328", "3329"]


def test_shipped_pc4_table_loads(postcodes_dir: Path) -> None:
    points = load_point_csv(postcodes_dir / "drechtsteden_pc4.csv")
    assert len(points) == 45
    by_code = {p.postcode: p for p in points}
    assert all(by_code[pc].plaats == "Dordrecht" for pc in DORDRECHT_PC4)
    assert by_code["2995"].plaats == "Heerjansdam"
    assert "3300" not in by_code  # PO-box codes were excluded
    assert all(p.precision is LocationPrecision.PC4 for p in points)


def test_pc6_header_in_any_order() -> None:
    text = "lat,postcode,lon,plaats\n51.81,3311 ab,4.67,Dordrecht\n51.82,3311AC,4.66,\n"
    points = parse_point_csv(text.splitlines())
    assert [p.postcode for p in points] == ["3311AB", "3311AC"]
    assert points[0].precision is LocationPrecision.PC6
    assert points[1].plaats is None


def test_blank_lines_are_skipped_and_line_numbers_stay_right() -> None:
    text = "pc4,plaats,lat,lon\n\n3311,Dordrecht,51.8,4.6\n\n3312,Dordrecht,95,4.6\n"
    with pytest.raises(PointDataError) as info:
        parse_point_csv(text.splitlines(keepends=True), source="t.csv")
    assert info.value.line == 5
    assert str(info.value).startswith("t.csv, line 5: latitude")


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("3312,Dordrecht,91.0,4.6", "latitude"),
        ("3312,Dordrecht,abc,4.6", "latitude 'abc' is not a decimal number"),
        ("3312,Dordrecht,nan,4.6", "latitude 'nan' is not a decimal number"),
        ("3312,Dordrecht,5e1,4.6", "latitude '5e1' is not a decimal number"),
        ("3312,Dordrecht,,4.6", "latitude"),
        ("3312,Dordrecht,51.8,200", "longitude"),
        ("3312,Dordrecht,4.6,51.8", "latitude 4.6 is outside"),  # swapped columns
        ("0312,Dordrecht,51.8,4.6", "pc4 '0312'"),
        ("33121,Dordrecht,51.8,4.6", "pc4 '33121'"),
        ("3312AB,Dordrecht,51.8,4.6", "pc4 '3312AB'"),
        ("3311,Dordrecht,51.8,4.6", "duplicate postcode 3311 (first on line 2)"),
        ("3312,Dordrecht,51.8", "expected 4 fields, found 3"),
        ("3312,Dordrecht,51.8,4.6,extra", "expected 4 fields, found 5"),
    ],
)
def test_bad_pc4_rows_name_the_line(row: str, fragment: str) -> None:
    lines = ["pc4,plaats,lat,lon", "3311,Dordrecht,51.81,4.66", row]
    with pytest.raises(PointDataError) as info:
        parse_point_csv(lines, source="pc4.csv")
    message = str(info.value)
    assert message.startswith("pc4.csv, line 3: ")
    assert fragment in message
    assert info.value.line == 3


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("3328SA,51.8,4.6", "postcode '3328SA' is not a valid PC6"),
        ("3328,51.8,4.6", "postcode '3328' is not a valid PC6"),
        ("3311 ab,51.8,4.6", "duplicate postcode 3311AB"),
    ],
)
def test_bad_pc6_rows_name_the_line(row: str, fragment: str) -> None:
    lines = ["postcode,lat,lon", "3311AB,51.81,4.66", row]
    with pytest.raises(PointDataError, match="line 3: ") as info:
        parse_point_csv(lines)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "header",
    ["pc4,plaats,lat", "pc4,postcode,lat,lon", "pc4,lat,lon,wijk", "pc4,lat,lat,lon", "a,b,c"],
)
def test_bad_header(header: str) -> None:
    with pytest.raises(PointDataError, match="line 1: bad header|use either"):
        parse_point_csv([header, "3311,51.8,4.6"])


def test_empty_file() -> None:
    with pytest.raises(PointDataError, match="empty"):
        parse_point_csv([])


def test_bom_and_crlf_file(tmp_path: Path) -> None:
    path = tmp_path / "pc6.csv"
    path.write_bytes(b"\xef\xbb\xbfpostcode,lat,lon\r\n3311AB,51.81,4.66\r\n")
    assert load_point_csv(path) == [PostcodePoint("3311AB", 51.81, 4.66)]


def test_bounds_can_be_disabled() -> None:
    points = parse_point_csv(["pc4,lat,lon", "1234,0.5,0.5"], bounds=None)
    assert points[0].lat == 0.5


def test_point_table_prefers_pc6_then_pc4() -> None:
    table = PointTable(
        [
            PostcodePoint("3311", 51.81336, 4.66872, "Dordrecht"),
            PostcodePoint("3311AB", 51.8150, 4.6700),
        ]
    )
    pc6 = table.lookup("3311 ab")
    assert pc6.precision is LocationPrecision.PC6
    assert pc6.location is not None
    assert (pc6.location.lat, pc6.location.lon) == (51.8150, 4.6700)
    pc4 = table.lookup("3311XY")
    assert pc4.precision is LocationPrecision.PC4
    assert pc4.location is not None
    assert pc4.location.lat == 51.81336
    assert table.lookup("3311").precision is LocationPrecision.PC4
    unknown = table.lookup("1012AB")
    assert unknown.precision is LocationPrecision.UNKNOWN
    assert unknown.location is None
    with pytest.raises(PostcodeError):
        table.lookup("0123AB")
    assert len(table) == 2
    assert "3311AB" in table
    assert table.get("3311XY") is None


def test_point_table_rejects_duplicates() -> None:
    with pytest.raises(PointDataError, match="duplicate"):
        PointTable([PostcodePoint("3311", 51.8, 4.6), PostcodePoint("3311", 51.9, 4.7)])


def test_postcode_point_validation() -> None:
    with pytest.raises(ValueError, match="postcode"):
        PostcodePoint("3311 AB", 51.8, 4.6)
    with pytest.raises(ValueError, match="postcode"):
        PostcodePoint("3311SA", 51.8, 4.6)
    with pytest.raises(ValueError, match="latitude"):
        PostcodePoint("3311", 100.0, 4.6)


def test_point_from_record() -> None:
    assert point_from_record({"postcode": "3311 ab", "lat": 51.8, "lon": 4.6}) == PostcodePoint(
        "3311AB", 51.8, 4.6
    )
    blank_plaats = point_from_record({"postcode": "3311", "lat": 51, "lon": 4, "plaats": " "})
    assert blank_plaats.plaats is None
    with pytest.raises(ValueError, match="numbers"):
        point_from_record({"postcode": "3311", "lat": "51.8", "lon": 4.6})
    with pytest.raises(ValueError, match="outside"):
        point_from_record({"postcode": "3311", "lat": 4.6, "lon": 51.8})
