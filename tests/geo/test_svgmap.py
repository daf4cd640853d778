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
    return [text for text in root.iter(f"{SVG}text") if "map-label" in text.attrib.get("class", "")]


def test_every_wijk_is_drawn_with_its_short_name_as_tooltip(dordrecht: list[MapArea]) -> None:
    root = _parse(wijk_map_svg(dordrecht))
    paths = _paths(root)
    assert set(paths) == {area.code for area in dordrecht}
    tooltips = {code: path.findtext(f"{SVG}title") for code, path in paths.items()}
    assert tooltips[STERRENBURG] == "Sterrenburg"
    labels = {text.text for text in _labels(root)}
    assert labels == set(tooltips.values())
    assert not any(label and label.startswith("Wijk ") for label in labels)


def _box(text: ET.Element) -> tuple[float, float, float, float]:
    """The label's space as the map estimates it (0.6 em per character, 0.66 in bold),
    from the text's position and anchor."""
    x, y = float(text.attrib["x"]), float(text.attrib["y"])
    size = float(text.attrib["font-size"])
    bold = "map-label-highlighted" in text.attrib.get("class", "") or "class" not in text.attrib
    width = len(text.text or "") * size * (0.66 if bold else 0.6)
    anchor = text.attrib.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return (left, y - size, left + width, y + 0.3 * size)


def _collisions(texts: list[ET.Element]) -> list[tuple[str | None, str | None]]:
    boxes = [_box(text) for text in texts]
    return [
        (texts[i].text, texts[j].text)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes)
        if i < j and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]


SETS = {
    "none": (),
    "one": (STERRENBURG,),
    "crowded centre": ("WK050501", "WK050502", "WK050503", "WK050504", STERRENBURG),
    "all": None,
}


@pytest.mark.parametrize("width", [240, 320, 480, 960])
@pytest.mark.parametrize("chosen", SETS)
def test_every_wijk_is_named_and_no_two_labels_overlap(
    dordrecht: list[MapArea], width: int, chosen: str
) -> None:
    highlighted = SETS[chosen] or [area.code for area in dordrecht]
    root = _parse(wijk_map_svg(dordrecht, highlighted, width=width))
    labels = _labels(root)
    assert {text.attrib["data-code"] for text in labels} == {area.code for area in dordrecht}
    assert not _collisions(labels)
    for text in labels:
        left, top, right, bottom = _box(text)
        assert left >= 0, text.text
        assert right <= width, text.text
        assert top >= 0, text.text
    bold = {text.attrib["data-code"] for text in labels if "highlighted" in text.attrib["class"]}
    assert bold == set(highlighted)


def test_a_moved_label_has_a_line_to_its_wijk(dordrecht: list[MapArea]) -> None:
    root = _parse(wijk_map_svg(dordrecht, width=480))
    lines = [line for line in root.iter(f"{SVG}line") if line.attrib["class"] == "map-leader"]
    assert lines, "the crowded centre moves some labels"
    boxes = [_box(text) for text in _labels(root)]
    for line in lines:
        x2, y2 = float(line.attrib["x2"]), float(line.attrib["y2"])
        # The line ends on the edge of a label.
        assert any(
            left - 3 <= x2 <= right + 3 and top - 3 <= y2 <= bottom + 3
            for left, top, right, bottom in boxes
        )


def test_labels_keep_clear_of_markers_and_marker_labels_of_each_other(
    dordrecht: list[MapArea],
) -> None:
    # A resident and candidates a few hundred metres apart, in the crowded south-west.
    markers = [MapMarker(51.7936, 4.6934, "Bewoner", kind="resident")] + [
        MapMarker(51.7936 + d_lat, 4.6934 + d_lon, str(number), kind="candidate")
        for number, (d_lat, d_lon) in enumerate(
            [(0.001, 0.001), (-0.001, 0.0015), (0.0005, -0.002), (0.002, 0.0)], start=1
        )
    ]
    root = _parse(wijk_map_svg(dordrecht, {STERRENBURG}, markers=markers, width=480))
    marker_groups = [
        g for g in root.iter(f"{SVG}g") if "map-marker " in g.attrib.get("class", "") + " "
    ]
    marker_texts = [g.find(f"{SVG}text") for g in marker_groups]
    assert all(text is not None for text in marker_texts)
    texts = [text for text in marker_texts if text is not None]
    assert [text.text for text in texts] == ["Bewoner", "1", "2", "3", "4"]
    dots = []
    for g in marker_groups:
        dot = g.find(f"{SVG}circle")
        assert dot is not None
        cx, cy = float(dot.attrib["cx"]), float(dot.attrib["cy"])
        dots.append((cx - 5, cy - 5, cx + 5, cy + 5))
    everything = _labels(root) + texts
    assert not _collisions(everything)
    for left, top, right, bottom in (_box(text) for text in everything):
        assert not any(left < d[2] and d[0] < right and top < d[3] and d[1] < bottom for d in dots)


def _cbs_short_names(postcodes_dir: Path) -> dict[str, str]:
    """The wijk names as CBS writes them in the shipped file, without "Wijk 04 "."""
    data = json.loads((postcodes_dir / "dordrecht_wijken_2024.geojson").read_text("utf-8"))
    names = {}
    for feature in data["features"]:
        properties = feature["properties"]
        match = re.fullmatch(r"Wijk \d{2} (.+)", properties["statnaam"])
        assert match is not None, properties
        names[properties["statcode"]] = match.group(1)
    return names


def test_every_name_on_the_map_is_spelled_as_cbs_writes_it(
    dordrecht: list[MapArea], postcodes_dir: Path
) -> None:
    cbs = _cbs_short_names(postcodes_dir)
    assert len(cbs) == 13
    root = _parse(wijk_map_svg(dordrecht, width=480))
    labels = {text.attrib["data-code"]: text.text for text in _labels(root)}
    tooltips = {code: path.findtext(f"{SVG}title") for code, path in _paths(root).items()}
    assert labels == cbs
    assert tooltips == cbs
    # Capitals and hyphens as CBS has them; the map neither corrects nor title-cases them.
    assert labels["WK050503"] == "Oud Krispijn"
    assert labels["WK050504"] == "Nieuw-krispijn"


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
