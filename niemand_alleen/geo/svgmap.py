"""A small, accessible SVG map of wijken, drawn on the server (pure: no Flask, no database).

The map is an ``<svg role="img">`` with a ``<title>`` and ``<desc>``; every wijk is a
``<path>`` with classes for styling (``map-area``, ``map-area-highlighted``), markers and the
radius circle have classes too, and the CBS attribution is drawn in the map itself. There
are no inline ``style`` attributes (the CSP forbids them); presentation attributes give a
readable default that the site's stylesheet overrides.

Projection: longitude/latitude are mapped to metres on a local equirectangular plane
around the map centre (x = Δlon · metres-per-degree-east at the centre latitude,
y = Δlat · metres-per-degree-north). Over a city the size of Dordrecht (~15 km) this is off
by far less than the ~100 m generalisation of the CBS boundaries, it keeps a radius in
metres a true circle, and it needs no projection library.

Labels: every wijk is named as CBS writes it (``short_name`` of its ``statnaam``). Labels
are placed so that no two collide, nor with a marker: each tries its wijk's deepest inner
point, then nearby spots, nearest first, and takes the first whose estimated box (from the
number of characters and the font size) is free; a label that had to move gets a thin line
to its wijk. Marker labels go beside their dot, on the first side that is free.

Every text that comes from data (wijk names, marker labels, the title) is escaped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from niemand_alleen.geo.areas import short_name
from niemand_alleen.svg import class_name, escape, number

if TYPE_CHECKING:  # shapely is imported where a map is drawn, not with the module
    from shapely.geometry import Polygon
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "ATTRIBUTION",
    "MapArea",
    "MapCircle",
    "MapMarker",
    "map_area",
    "wijk_map_svg",
]

ATTRIBUTION = "Bron: CBS/PDOK, Wijk- en buurtkaart 2024, CC-BY 4.0"
DEFAULT_TITLE = "Kaart van de wijken van Dordrecht"

# WGS84 constants (as in geo/areas.py) for metres per degree at the map centre.
_A = 6_378_137.0
_E2 = 6.694379990141316e-3
_PADDING = 12.0
_ATTRIBUTION_HEIGHT = 18.0


@dataclass(frozen=True, slots=True)
class MapArea:
    """One wijk to draw: its code, CBS name (shown short) and WGS84 lon/lat polygon."""

    code: str
    name: str
    geometry: BaseGeometry = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        return short_name(self.name)


@dataclass(frozen=True, slots=True)
class MapMarker:
    """A point with a label; ``kind`` becomes the class ``map-marker-<kind>``."""

    lat: float
    lon: float
    label: str
    kind: str = "point"


@dataclass(frozen=True, slots=True)
class MapCircle:
    """A radius in metres around a point (e.g. the search area around a resident)."""

    lat: float
    lon: float
    radius_m: float
    label: str = ""


def map_area(code: str, name: str, geometry: BaseGeometry | Mapping[str, object] | str) -> MapArea:
    """A MapArea from a stored wijk: ``geometry`` as GeoJSON text/mapping or shapely."""
    from shapely.geometry import shape

    if isinstance(geometry, str):
        geometry = shape(json.loads(geometry))
    elif isinstance(geometry, Mapping):
        geometry = shape(geometry)
    return MapArea(code=code, name=name, geometry=geometry)


def _metres_per_degree(lat: float) -> tuple[float, float]:
    phi = math.radians(lat)
    w = math.sqrt(1.0 - _E2 * math.sin(phi) ** 2)
    return math.radians(_A * math.cos(phi) / w), math.radians(_A * (1.0 - _E2) / w**3)


class _Plane:
    """Lon/lat → SVG pixels via the local metric plane (see the module docstring)."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int) -> None:
        min_lon, min_lat, max_lon, max_lat = bounds
        self.lat0 = (min_lat + max_lat) / 2
        self.lon0 = (min_lon + max_lon) / 2
        self.per_lon, self.per_lat = _metres_per_degree(self.lat0)
        span_x = max((max_lon - min_lon) * self.per_lon, 1.0)
        span_y = max((max_lat - min_lat) * self.per_lat, 1.0)
        self.scale = (width - 2 * _PADDING) / span_x  # pixels per metre
        self.min_x = (min_lon - self.lon0) * self.per_lon
        self.max_y = (max_lat - self.lat0) * self.per_lat
        self.width = width
        self.map_height = span_y * self.scale + 2 * _PADDING

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = (lon - self.lon0) * self.per_lon
        y = (lat - self.lat0) * self.per_lat
        return _PADDING + (x - self.min_x) * self.scale, _PADDING + (self.max_y - y) * self.scale


def _polygons(geometry: BaseGeometry) -> Iterable[Polygon]:
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geometry, Polygon):
        yield geometry
    elif isinstance(geometry, MultiPolygon):
        yield from geometry.geoms
    else:
        raise ValueError(f"a map area must be a Polygon or MultiPolygon, not {geometry.geom_type}")


def _path(geometry: BaseGeometry, plane: _Plane) -> str:
    parts = []
    for polygon in _polygons(geometry):
        for ring in (polygon.exterior, *polygon.interiors):
            points = [plane.xy(lon, lat) for lon, lat, *_ in ring.coords]
            if len(points) < 3:
                continue
            head, *tail = points
            parts.append(
                f"M{number(head[0])} {number(head[1])}"
                + "".join(f"L{number(x)} {number(y)}" for x, y in tail)
                + "Z"
            )
    return "".join(parts)


Box = tuple[float, float, float, float]  # left, top, right, bottom in SVG pixels

# A label's size is estimated, not measured (the server has no fonts): about 0.6 em per
# character, a little more in bold, from just above the capitals to below the descenders.
_CHAR_EM = 0.6
_BOLD_CHAR_EM = 0.66
_LABEL_MARGIN = 2.0


def label_box(x: float, y: float, text: str, font: float, *, bold: bool = False) -> Box:
    """The space a centred label with its baseline at ``y`` takes, with a small margin."""
    half = len(text) * font * (_BOLD_CHAR_EM if bold else _CHAR_EM) / 2 + _LABEL_MARGIN
    return (x - half, y - font, x + half, y + 0.3 * font + _LABEL_MARGIN)


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _offsets(font: float, lines: int = 10) -> list[tuple[float, float]]:
    """Where to try a label, nearest first: on its point, then on a grid around it, a line
    (1.2 em) up or down and two characters (1.2 em) left or right at a time, up to ``lines``
    lines away."""
    step = 1.2 * font
    around = [
        (dx * step, dy * step)
        for dx in range(-2 * lines, 2 * lines + 1)
        for dy in range(-lines, lines + 1)
        if (dx, dy) != (0, 0)
    ]
    return [(0.0, 0.0), *sorted(around, key=lambda offset: (math.hypot(*offset), offset))]


@dataclass(frozen=True, slots=True)
class PlacedLabel:
    area: MapArea
    x: float
    y: float
    anchor: tuple[float, float]  # the wijk's label point
    box: Box

    @property
    def moved(self) -> bool:
        """Away from its wijk's point: a leader line shows where it belongs."""
        ax, ay = self.anchor
        left, top, right, bottom = self.box
        return not (left <= ax <= right and top <= ay <= bottom)


def _label_point(geometry: BaseGeometry) -> tuple[float, float]:
    """Lon/lat of the point deepest inside the wijk (its largest part), where a label
    has the most room; the representative point if that cannot be found."""
    from shapely.ops import polylabel

    try:
        polygon = max(_polygons(geometry), key=lambda part: part.area)
        point = polylabel(polygon, tolerance=0.0002)  # degrees: about 15-20 m
    except (ValueError, TypeError):
        point = geometry.representative_point()
    return point.x, point.y


def _inside(box: Box, plane: _Plane) -> Box | None:
    """The box moved inside the map's frame (left/right only), or None if it sticks out."""
    shift = max(0.0, _PADDING / 2 - box[0]) - max(0.0, box[2] - (plane.width - _PADDING / 2))
    if box[1] < _PADDING / 2 or box[3] > plane.map_height:
        return None
    return (box[0] + shift, box[1], box[2] + shift, box[3])


def place_labels(
    wijken: Sequence[MapArea],
    highlighted: Collection[str],
    plane: _Plane,
    font: float,
    obstacles: Sequence[Box] = (),
) -> list[PlacedLabel]:
    """Labels that collide with no other label and no obstacle (the markers).

    Deterministic: the highlighted wijken first, then the larger ones; each label takes the
    first free spot of ``_offsets`` around its wijk's point. A label that finds none is left
    out; its wijk keeps its name in its ``<title>`` (a tooltip), and the page names it in
    text (a list, or the ``<desc>``).
    """
    order = sorted(
        wijken, key=lambda area: (area.code not in highlighted, -area.geometry.area, area.code)
    )
    taken: list[Box] = list(obstacles)
    placed: list[PlacedLabel] = []
    offsets = _offsets(font)
    for area in order:
        anchor = plane.xy(*_label_point(area.geometry))
        bold = area.code in highlighted
        for dx, dy in offsets:
            box = _inside(
                label_box(anchor[0] + dx, anchor[1] + dy, area.label, font, bold=bold), plane
            )
            if box is None or any(_overlap(box, other) for other in taken):
                continue
            x, y = (box[0] + box[2]) / 2, anchor[1] + dy
            taken.append(box)
            placed.append(PlacedLabel(area, x, y, anchor, box))
            break
    return sorted(placed, key=lambda label: label.area.code)


def _leader(label: PlacedLabel) -> str:
    """A thin line from the wijk's point to the nearest edge of its moved label."""
    ax, ay = label.anchor
    left, top, right, bottom = label.box
    ex, ey = min(max(ax, left), right), min(max(ay, top), bottom)
    return (
        f'<line class="map-leader" x1="{number(ax)}" y1="{number(ay)}" x2="{number(ex)}"'
        f' y2="{number(ey)}" stroke="#4a4a4a" stroke-width="0.75"/>'
    )


_DOT = 6.0  # half the size of a marker's dot with its white ring


@dataclass(frozen=True, slots=True)
class PlacedMarker:
    marker: MapMarker
    x: float  # the dot
    y: float
    text_x: float
    text_y: float
    text_anchor: str
    box: Box  # the label's


def _marker_spots(
    x: float, y: float, width: float, font: float
) -> Iterator[tuple[str, float, float, Box]]:
    """A marker label's places, in order: right of the dot, left, above, below, then right
    and left a line higher or lower at a time."""
    low = 0.3 * font + 1
    yield "start", x + 8, y + 4, (x + 7, y + 4 - font, x + 9 + width, y + 4 + low)
    yield "end", x - 8, y + 4, (x - 9 - width, y + 4 - font, x - 7, y + 4 + low)
    above = y - _DOT - low
    yield "middle", x, above, (x - width / 2 - 1, above - font, x + width / 2 + 1, above + low)
    below = y + _DOT + font + 1
    yield "middle", x, below, (x - width / 2 - 1, below - font, x + width / 2 + 1, below + low)
    for step in range(1, 5):
        for dy in (-step * 1.2 * font, step * 1.2 * font):
            ty = y + 4 + dy
            yield "start", x + 8, ty, (x + 7, ty - font, x + 9 + width, ty + low)
            yield "end", x - 8, ty, (x - 9 - width, ty - font, x - 7, ty + low)


def place_marker_labels(
    markers: Sequence[MapMarker], plane: _Plane, font: float
) -> list[PlacedMarker]:
    """Every marker with its label beside the dot, clear of the other dots and labels where
    there is room (a marker is always labelled: the page refers to it by its label)."""
    dots = [plane.xy(marker.lon, marker.lat) for marker in markers]
    taken = [(x - _DOT, y - _DOT, x + _DOT, y + _DOT) for x, y in dots]
    placed = []
    for index, (marker, (x, y)) in enumerate(zip(markers, dots, strict=True)):
        others = taken[:index] + taken[index + 1 :]
        width = len(marker.label) * font * _BOLD_CHAR_EM  # bold in the stylesheet
        spots = list(_marker_spots(x, y, width, font))
        anchor, tx, ty, box = next(
            (spot for spot in spots if not any(_overlap(spot[3], other) for other in others)),
            spots[0],
        )
        taken.append(box)
        placed.append(PlacedMarker(marker, x, y, tx, ty, anchor, box))
    return placed


def _markers_svg(placed: Sequence[PlacedMarker], font: float) -> list[str]:
    out = ['<g class="map-markers">']
    for item in placed:
        out.append(
            f'<g class="map-marker map-marker-{class_name(item.marker.kind, "point")}">'
            f'<circle cx="{number(item.x)}" cy="{number(item.y)}" r="5" fill="#b3141d"'
            f' stroke="#ffffff" stroke-width="1.5"/>'
            f'<text x="{number(item.text_x)}" y="{number(item.text_y)}"'
            f' text-anchor="{item.text_anchor}" font-size="{number(font)}" fill="#1b1b1b"'
            f" {_HALO}>{escape(item.marker.label)}</text></g>"
        )
    out.append("</g>")
    return out


# A white edge around label text keeps it readable over boundaries and leader lines.
_HALO = 'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'


def _bounds(
    wijken: Sequence[MapArea], markers: Sequence[MapMarker], circle: MapCircle | None
) -> tuple[float, float, float, float]:
    boxes = [area.geometry.bounds for area in wijken]
    boxes += [(m.lon, m.lat, m.lon, m.lat) for m in markers]
    if circle is not None:
        per_lon, per_lat = _metres_per_degree(circle.lat)
        d_lon, d_lat = circle.radius_m / per_lon, circle.radius_m / per_lat
        boxes.append(
            (circle.lon - d_lon, circle.lat - d_lat, circle.lon + d_lon, circle.lat + d_lat)
        )
    if not boxes:
        # Nothing to draw: an empty frame around the centre of Dordrecht.
        boxes.append((4.63, 51.76, 4.80, 51.83))
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _check_point(lat: float, lon: float, what: str) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"{what} has an invalid position")


def _description(
    wijken: Sequence[MapArea],
    highlighted: Collection[str],
    markers: Sequence[MapMarker],
    circle: MapCircle | None,
) -> str:
    chosen = sorted(area.label for area in wijken if area.code in highlighted)
    sentences = [f"De kaart toont {len(wijken)} wijken."]
    if chosen:
        sentences.append("Gemarkeerd: " + ", ".join(chosen) + ".")
    elif wijken:
        sentences.append("Er is geen wijk gemarkeerd.")
    if markers:
        sentences.append("Punten: " + ", ".join(marker.label for marker in markers) + ".")
    if circle is not None:
        text = f"Cirkel met een straal van {circle.radius_m / 1000:.1f} km".replace(".", ",")
        sentences.append(text + (f" ({circle.label})." if circle.label else "."))
    return " ".join(sentences)


def wijk_map_svg(
    wijken: Sequence[MapArea],
    highlighted: Collection[str] = (),
    markers: Sequence[MapMarker] = (),
    circle: MapCircle | None = None,
    width: int = 480,
    title: str = DEFAULT_TITLE,
    *,
    description: str | None = None,
    attribution: str = ATTRIBUTION,
    id_prefix: str = "kaart",
) -> str:
    """The SVG (a string to embed in HTML or serve as ``image/svg+xml``).

    ``highlighted`` holds wijk codes to fill. ``description`` replaces the generated
    ``<desc>`` (which names the highlighted wijken, markers and circle). ``id_prefix``
    keeps element ids unique when a page shows more than one map.
    """
    if not 120 <= width <= 4000:
        raise ValueError("width must be between 120 and 4000 pixels")
    for marker in markers:
        _check_point(marker.lat, marker.lon, "a marker")
    if circle is not None:
        _check_point(circle.lat, circle.lon, "the circle")
        if not (math.isfinite(circle.radius_m) and circle.radius_m > 0):
            raise ValueError("the circle's radius must be a positive number of metres")
    prefix = class_name(id_prefix, "point")
    highlighted = set(highlighted)
    plane = _Plane(_bounds(wijken, markers, circle), width)
    height = plane.map_height + _ATTRIBUTION_HEIGHT
    font = max(9.0, min(13.0, width / 40))
    desc = (
        description
        if description is not None
        else _description(wijken, highlighted, markers, circle)
    )

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wijk-map" role="img"'
        f' viewBox="0 0 {width} {number(height)}" width="{width}" height="{number(height)}"'
        f' aria-labelledby="{prefix}-titel {prefix}-beschrijving">',
        f'<title id="{prefix}-titel">{escape(title)}</title>',
        f'<desc id="{prefix}-beschrijving">{escape(desc)}</desc>',
        '<g class="map-areas">',
    ]
    for area in sorted(wijken, key=lambda item: item.code):
        classes = "map-area map-area-highlighted" if area.code in highlighted else "map-area"
        fill = "#7fbfb5" if area.code in highlighted else "#f3f2f1"
        out.append(
            f'<path class="{classes}" data-code="{escape(area.code)}"'
            f' d="{_path(area.geometry, plane)}" fill="{fill}" stroke="#4a4a4a"'
            f' stroke-width="1" fill-rule="evenodd"><title>{escape(area.label)}</title></path>'
        )
    out.append("</g>")

    if circle is not None:
        cx, cy = plane.xy(circle.lon, circle.lat)
        out.append(
            f'<circle class="map-radius" cx="{number(cx)}" cy="{number(cy)}"'
            f' r="{number(circle.radius_m * plane.scale)}" fill="none" stroke="#00594f"'
            f' stroke-width="2" stroke-dasharray="6 4"/>'
        )

    out.append('<g class="map-labels">')
    placed_markers = place_marker_labels(markers, plane, font)
    obstacles = [item.box for item in placed_markers] + [
        (item.x - _DOT, item.y - _DOT, item.x + _DOT, item.y + _DOT) for item in placed_markers
    ]
    labels = place_labels(wijken, highlighted, plane, font, obstacles)
    out.extend(_leader(label) for label in labels if label.moved)
    for label in labels:
        code = label.area.code
        classes = "map-label map-label-highlighted" if code in highlighted else "map-label"
        out.append(
            f'<text class="{classes}" data-code="{escape(code)}" x="{number(label.x)}"'
            f' y="{number(label.y)}" text-anchor="middle" font-size="{number(font)}"'
            f' fill="#1b1b1b" {_HALO}>{escape(label.area.label)}</text>'
        )
    out.append("</g>")

    if placed_markers:
        out.extend(_markers_svg(placed_markers, font))

    out.append(
        f'<text class="map-attribution" x="{number(_PADDING)}" y="{number(height - 5)}"'
        f' font-size="{number(max(10.0, font - 2))}" fill="#4a4a4a">{escape(attribution)}</text>'
    )
    out.append("</svg>")
    return "".join(out)
