"""Postcodes, locations, CBS wijken/buurten and distances for Niemand Alleen.

Pure functions and small classes on plain data: no Flask, no database, and no network
access except through an explicitly passed geocoder.
"""

from niemand_alleen.geo.areas import (
    DEFAULT_TOLERANCE_M,
    Area,
    AreaDataError,
    AreaIndex,
    AreaKind,
    AreaMatch,
    area_from_record,
    load_area_geojson,
    metres_per_degree,
    parse_area_geojson,
    short_name,
    wijkcode_of,
)
from niemand_alleen.geo.distance import NETHERLANDS, BoundingBox, bounding_box, distance_m
from niemand_alleen.geo.gazetteer import BUURTEN_FILE, PC4_FILE, WIJKEN_FILE, Gazetteer
from niemand_alleen.geo.geocoder import (
    DEFAULT_PDOK_URL,
    AddressGeocoder,
    GeocodeCache,
    PdokLocatieserver,
    locate,
)
from niemand_alleen.geo.location import (
    UNKNOWN_LOCATION,
    LocateResult,
    Location,
    LocationPrecision,
)
from niemand_alleen.geo.points import (
    PointDataError,
    PointTable,
    PostcodePoint,
    load_point_csv,
    parse_point_csv,
)
from niemand_alleen.geo.postcode import (
    HouseNumber,
    HouseNumberError,
    PostcodeError,
    format_postcode,
    normalise_house_number,
    normalise_postcode,
    pc4_of,
)
from niemand_alleen.geo.svgmap import MapCircle, MapMarker, map_area, wijk_map_svg

__all__ = [
    "BUURTEN_FILE",
    "DEFAULT_PDOK_URL",
    "PC4_FILE",
    "WIJKEN_FILE",
    "MapCircle",
    "MapMarker",
    "map_area",
    "metres_per_degree",
    "wijk_map_svg",
    "DEFAULT_TOLERANCE_M",
    "NETHERLANDS",
    "UNKNOWN_LOCATION",
    "AddressGeocoder",
    "Area",
    "AreaDataError",
    "AreaIndex",
    "AreaKind",
    "AreaMatch",
    "BoundingBox",
    "Gazetteer",
    "GeocodeCache",
    "HouseNumber",
    "HouseNumberError",
    "LocateResult",
    "Location",
    "LocationPrecision",
    "PdokLocatieserver",
    "PointDataError",
    "PointTable",
    "PostcodeError",
    "PostcodePoint",
    "area_from_record",
    "bounding_box",
    "distance_m",
    "format_postcode",
    "load_area_geojson",
    "load_point_csv",
    "locate",
    "normalise_house_number",
    "normalise_postcode",
    "parse_area_geojson",
    "parse_point_csv",
    "pc4_of",
    "short_name",
    "wijkcode_of",
]
