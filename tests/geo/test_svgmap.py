"""The server-drawn SVG map: valid XML, accessible, highlighted wijken, markers, escaping."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from shapely.geometry import Polygon, box

from niemand_alleen.geo import AreaKind, load_area_geojson
from niemand_alleen.geo.svgmap import (
    ATTRIBUTION,
    MapArea,
    MapCircle,
    MapMarker,
    map_area,
    wijk_map_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
STERRENBURG = "WK050509"


@pytest.fixture(scope="module")
def dordrecht(postcodes_dir: Path) -> list[MapArea]:
    areas = load_area_geojson(postcodes_dir / "dordrecht_wijken_2024.geojson", AreaKind.WIJK)
    return [MapArea(area.statcode, area.statnaam, area.geometry) for area in areas]


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)
    assert root.tag == f"{SVG}svg"
    return root


def _view_box(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = (float(part) for part in root.attrib["viewBox"].split())
    return width, height


def _paths(root: ET.Element) -> dict[str, ET.Element]:
    return {path.attrib["data-code"]: path for path in root.iter(f"{SVG}path")}


def test_map_is_valid_accessible_svg(dordrecht: list[MapArea]) -> None:
    root = _parse(wijk_map_svg(dordrecht, {STERRENBURG}))
    assert root.attrib["role"] == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "Kaart van de wijken van Dordrecht"
    assert desc is not None
    assert desc.text is not None
    assert "Gemarkeerd: Sterrenburg." in desc.text
    assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"
    assert 'style="' not in ET.tostring(root, encoding="unicode")  # the CSP forbids it


def _labels(root: ET.Element) -> list[ET.Element]:
    return [text for text in root.iter(f"{SVG}text") if "map-label" in text.attrib["class"]]


def test_every_wijk_is_drawn_with_its_short_name_as_tooltip(dordrecht: list[MapArea]) -> None:
    root = _parse(wijk_map_svg(dordrecht))
    paths = _paths(root)
    assert set(paths) == {area.code for area in dordrecht}
    tooltips = {code: path.findtext(f"{SVG}title") for code, path in paths.items()}
    assert tooltips[STERRENBURG] == "Sterrenburg"
    labels = {text.text for text in _labels(root)}
    assert "Verspreide bebouwing" in labels  # the largest wijk always has room
    assert labels <= set(tooltips.values())
    assert not any(label and label.startswith("Wijk ") for label in labels)


@pytest.mark.parametrize("width", [240, 480, 960])
def test_labels_of_other_wijken_do_not_overlap_and_chosen_ones_always_show(
    dordrecht: list[MapArea], width: int
) -> None:
    small = ["WK050501", "WK050502", "WK050503", STERRENBURG]  # crowded city centre
    root = _parse(wijk_map_svg(dordrecht, small, width=width))
    labels = _labels(root)
    chosen = {text.text for text in labels if "map-label-highlighted" in text.attrib["class"]}
    assert {"Binnenstad", "Noordflank", "Oud Krispijn", "Sterrenburg"} <= chosen
    boxes = []
    for text in labels:
        x, y = float(text.attrib["x"]), float(text.attrib["y"])
        size = float(text.attrib["font-size"])
        half = len(text.text or "") * size * 0.3
        assert half <= x <= width - half
        boxes.append((x - half, y - size, x + half, y))
    for i, (frame, text) in enumerate(zip(boxes, labels, strict=True)):
        if "map-label-highlighted" in text.attrib["class"]:
            continue  # a chosen wijk is always named, even in a crowded centre
        for j, other in enumerate(boxes):
            overlap = frame[0] < other[2] and other[0] < frame[2] and frame[1] < other[3]
            assert i == j or not (overlap and other[1] < frame[3]), (text.text, labels[j].text)


def test_highlighted_wijk_has_its_class(dordrecht: list[MapArea]) -> None:
    paths = _paths(_parse(wijk_map_svg(dordrecht, {STERRENBURG, "WK050510", "WK999999"})))
    highlighted = {
        code for code, path in paths.items() if "map-area-highlighted" in path.attrib["class"]
    }
    assert highlighted == {STERRENBURG, "WK050510"}
    assert all("map-area" in path.attrib["class"].split() for path in paths.values())


def test_attribution_is_on_the_map(dordrecht: list[MapArea]) -> None:
    root = _parse(wijk_map_svg(dordrecht))
    texts = [text for text in root.iter(f"{SVG}text") if text.attrib["class"] == "map-attribution"]
    assert [text.text for text in texts] == [ATTRIBUTION]
    assert ATTRIBUTION == "Bron: CBS/PDOK, Wijk- en buurtkaart 2024, CC-BY 4.0"


def _numbers(path: ET.Element) -> list[tuple[float, float]]:
    values = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.attrib["d"])]
    return list(zip(values[::2], values[1::2], strict=True))


def test_everything_lies_inside_the_view_box(dordrecht: list[MapArea]) -> None:
    markers = [MapMarker(51.7936, 4.6934, "Bewoner", kind="resident")]
    circle = MapCircle(51.7936, 4.6934, 2500, "zoekgebied")
    root = _parse(wijk_map_svg(dordrecht, markers=markers, circle=circle, width=600))
    width, height = _view_box(root)
    assert width == 600
    for path in _paths(root).values():
        for x, y in _numbers(path):
            assert 0 <= x <= width
            assert 0 <= y <= height
    (marker,) = [
        g for g in root.iter(f"{SVG}g") if "map-marker-resident" in g.attrib.get("class", "")
    ]
    dot = marker.find(f"{SVG}circle")
    assert dot is not None
    assert 0 < float(dot.attrib["cx"]) < width
    assert 0 < float(dot.attrib["cy"]) < height
    label = marker.find(f"{SVG}text")
    assert label is not None
    assert label.text == "Bewoner"
    radius = next(c for c in root.iter(f"{SVG}circle") if c.attrib.get("class") == "map-radius")
    r = float(radius.attrib["r"])
    cx, cy = float(radius.attrib["cx"]), float(radius.attrib["cy"])
    assert cx - r >= 0
    assert cx + r <= width
    assert cy - r >= 0


def test_north_is_up_and_east_is_right(dordrecht: list[MapArea]) -> None:
    north = MapMarker(51.83, 4.70, "noord", kind="n")
    east = MapMarker(51.78, 4.80, "oost", kind="o")
    root = _parse(wijk_map_svg(dordrecht, markers=[north, east]))
    positions = {
        g.attrib["class"]: g.find(f"{SVG}circle")
        for g in root.iter(f"{SVG}g")
        if "map-marker-" in g.attrib.get("class", "")
    }
    n, o = positions["map-marker map-marker-n"], positions["map-marker map-marker-o"]
    assert n is not None
    assert o is not None
    assert float(n.attrib["cy"]) < float(o.attrib["cy"])
    assert float(o.attrib["cx"]) > float(n.attrib["cx"])


def test_radius_is_to_scale() -> None:
    # A 1 km square at 51.8° N drawn 480 px wide: a 250 m radius is a quarter of the width.
    lat, lon = 51.8, 4.7
    d_lat = 1000 / 111_250.0
    d_lon = 1000 / 69_040.0
    square = MapArea("WK000001", "Wijk 01 Proef", box(lon, lat, lon + d_lon, lat + d_lat))
    circle = MapCircle(lat + d_lat / 2, lon + d_lon / 2, 250)
    root = _parse(wijk_map_svg([square], circle=circle, width=480))
    radius = next(c for c in root.iter(f"{SVG}circle") if c.attrib.get("class") == "map-radius")
    drawn = 480 - 2 * 12  # minus the padding
    assert float(radius.attrib["r"]) == pytest.approx(drawn / 4, rel=0.01)


def test_texts_from_data_are_escaped() -> None:
    nasty = "<script>alert(\"x\")</script> & 'Wijk'"
    area = MapArea(
        'WK0"><x',
        nasty,
        Polygon([(4.6, 51.7), (4.7, 51.7), (4.7, 51.8), (4.6, 51.8)]),
    )
    svg = wijk_map_svg(
        [area],
        markers=[MapMarker(51.75, 4.65, nasty, kind='"><script>')],
        circle=MapCircle(51.75, 4.65, 100, nasty),
        title=nasty,
        id_prefix='"><b',
    )
    assert "<script" not in svg
    root = _parse(svg)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert nasty in texts
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == nasty
    assert all(
        re.fullmatch(r"[a-z0-9 -]+", g.attrib.get("class", "x")) for g in root.iter(f"{SVG}g")
    )


def test_map_area_reads_stored_geojson_and_empty_maps_work() -> None:
    geometry = {
        "type": "Polygon",
        "coordinates": [[[4.6, 51.7], [4.7, 51.7], [4.7, 51.8], [4.6, 51.7]]],
    }
    area = map_area("WK050509", "Wijk 09 Sterrenburg", json.dumps(geometry))
    assert area.label == "Sterrenburg"
    assert map_area("WK050509", "Wijk 09 Sterrenburg", geometry).geometry.equals(area.geometry)
    root = _parse(wijk_map_svg([]))
    assert _paths(root) == {}


def test_bad_values_are_refused(dordrecht: list[MapArea]) -> None:
    with pytest.raises(ValueError, match="width"):
        wijk_map_svg(dordrecht, width=10)
    with pytest.raises(ValueError, match="marker"):
        wijk_map_svg(dordrecht, markers=[MapMarker(float("nan"), 4.7, "x")])
    with pytest.raises(ValueError, match="radius"):
        wijk_map_svg(dordrecht, circle=MapCircle(51.8, 4.7, -5))
