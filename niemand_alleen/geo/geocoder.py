"""Address geocoding via the PDOK Locatieserver, with fallback to postcode points.

Privacy: nothing here logs postcodes, house numbers, URLs or response bodies; log
records carry only event names and exception class names.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from geopy.adapters import AdapterHTTPError
from geopy.exc import ConfigurationError, GeocoderParseError, GeocoderServiceError
from geopy.geocoders import options as geopy_options
from geopy.geocoders.base import ERROR_CODE_MAP
from geopy.location import Location as GeopyLocation

from niemand_alleen.geo.location import LocateResult, Location, LocationPrecision, check_lat_lon
from niemand_alleen.geo.points import PointTable
from niemand_alleen.geo.postcode import (
    HouseNumber,
    PostcodeError,
    normalise_postcode,
)

__all__ = [
    "DEFAULT_PDOK_URL",
    "DEFAULT_TIMEOUT_S",
    "AddressGeocoder",
    "CacheEntry",
    "GeocodeCache",
    "GeocodedPoint",
    "PdokLocatieserver",
    "locate",
    "parse_pdok_response",
]

logger = logging.getLogger(__name__)

DEFAULT_PDOK_URL = "https://api.pdok.nl"
PDOK_FREE_PATH = "/bzk/locatieserver/search/v3_1/free"
# Short on purpose: the caller (a web request) waits for this, and a fallback exists.
DEFAULT_TIMEOUT_S = 3.0
DEFAULT_USER_AGENT = "niemand-alleen-matching/1.0"
PDOK_FIELDS = (
    "id,type,weergavenaam,postcode,huisnummer,huisletter,huisnummertoevoeging,centroide_ll"
)

_POINT_RE = re.compile(
    r"\s*POINT\s*\(\s*(-?[0-9]+(?:\.[0-9]+)?)\s+(-?[0-9]+(?:\.[0-9]+)?)\s*\)\s*", re.IGNORECASE
)
_SEPARATORS_RE = re.compile(r"[\s-]+")


class GeocodedPoint(Protocol):
    """What locate() needs from a geocoder result (geopy's Location fits)."""

    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


class AddressGeocoder(Protocol):
    """An address geocoder: None when not found, an exception when the service fails."""

    def geocode_address(self, postcode: str, house_number: HouseNumber) -> GeocodedPoint | None: ...


def _suffix_of(doc: Mapping[str, Any]) -> str:
    parts = [doc.get("huisletter") or "", doc.get("huisnummertoevoeging") or ""]
    return _SEPARATORS_RE.sub("", "".join(str(part) for part in parts)).upper()


def parse_pdok_response(
    payload: object, postcode: str, house_number: HouseNumber
) -> GeopyLocation | None:
    """Turn a Locatieserver ``free`` response into a geopy Location, or None.

    The first document counts only if it is an address with exactly the requested
    postcode and house number; a free-text search may otherwise return a neighbour.
    A requested suffix must match too; without a requested suffix any suffix of that
    number is accepted (it is the same building for locating purposes).
    Raises GeocoderParseError for a response that is not in PDOK's format.
    """
    doc = _first_document(payload)
    if doc is None or not _is_requested_address(doc, postcode, house_number):
        return None
    centroid = doc.get("centroide_ll")
    match = _POINT_RE.fullmatch(centroid) if isinstance(centroid, str) else None
    if match is None:
        raise GeocoderParseError("Locatieserver document has no readable centroide_ll")
    lon, lat = float(match.group(1)), float(match.group(2))
    try:
        check_lat_lon(lat, lon)
    except ValueError as exc:
        raise GeocoderParseError("Locatieserver centroide_ll is out of range") from exc
    address = doc.get("weergavenaam")
    return GeopyLocation(address if isinstance(address, str) else "", (lat, lon), dict(doc))


def _first_document(payload: object) -> Mapping[str, Any] | None:
    """The first document of a Locatieserver response, None when it found nothing."""
    response = payload.get("response") if isinstance(payload, Mapping) else None
    docs = response.get("docs") if isinstance(response, Mapping) else None
    if not isinstance(docs, list):
        raise GeocoderParseError("unexpected Locatieserver response structure")
    if not docs:
        return None
    doc = docs[0]
    if not isinstance(doc, Mapping):
        raise GeocoderParseError("unexpected Locatieserver document")
    return doc


def _is_requested_address(doc: Mapping[str, Any], postcode: str, house_number: HouseNumber) -> bool:
    """Whether the document is an address with exactly the requested postcode and number
    (and suffix, when one was asked for)."""
    if doc.get("type", "adres") != "adres":
        return False
    doc_postcode = doc.get("postcode")
    try:
        if not isinstance(doc_postcode, str) or normalise_postcode(doc_postcode) != postcode:
            return False
    except PostcodeError:
        return False
    doc_number = doc.get("huisnummer")
    if isinstance(doc_number, str) and doc_number.isdigit():
        doc_number = int(doc_number)
    if isinstance(doc_number, bool) or doc_number != house_number.number:
        return False
    return not (house_number.suffix and _suffix_of(doc) != house_number.suffix)


class PdokLocatieserver:
    """Geocoder for the PDOK Locatieserver (free, BAG-based, no API key).

    Uses a geopy adapter for HTTP, so proxies, SSL and timeouts behave as in geopy.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_PDOK_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        user_agent: str = DEFAULT_USER_AGENT,
        proxies: Mapping[str, str] | None = None,
        adapter_factory: Callable[..., Any] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError("base_url must be an http(s) URL such as https://api.pdok.nl")
        if parts.query or parts.fragment:
            raise ConfigurationError("base_url must not contain a query or fragment")
        if not (math.isfinite(timeout) and timeout > 0):
            raise ConfigurationError("timeout must be a positive number of seconds")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}
        factory = adapter_factory or geopy_options.default_adapter_factory
        # proxies=None lets the adapter use the environment's proxy settings.
        self._adapter = factory(
            proxies=dict(proxies) if proxies is not None else None,
            ssl_context=geopy_options.default_ssl_context,
        )

    def build_url(self, postcode: str, house_number: HouseNumber) -> str:
        query = f"{postcode} {house_number}"
        params = [("q", query), ("fq", "type:adres"), ("rows", "1"), ("fl", PDOK_FIELDS)]
        return f"{self.base_url}{PDOK_FREE_PATH}?{urlencode(params)}"

    def geocode_address(
        self,
        postcode: str,
        house_number: HouseNumber,
        *,
        timeout: float | None = None,
    ) -> GeopyLocation | None:
        """Locate one address. None when PDOK has no exact match.

        Raises geopy exceptions (GeocoderTimedOut, GeocoderServiceError, ...) when the
        service fails, and PostcodeError for an invalid postcode.
        """
        normalised = normalise_postcode(postcode)
        url = self.build_url(normalised, house_number)
        try:
            payload = self._adapter.get_json(
                url, timeout=self.timeout if timeout is None else timeout, headers=self._headers
            )
        except AdapterHTTPError as exc:
            # Mapped here instead of via geopy's Geocoder, which logs the response body.
            error_class = ERROR_CODE_MAP.get(exc.status_code, GeocoderServiceError)
            raise error_class(f"Locatieserver answered HTTP {exc.status_code}") from None
        return parse_pdok_response(payload, normalised, house_number)

    def close(self) -> None:
        self._adapter.__exit__(None, None, None)

    def __enter__(self) -> PdokLocatieserver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """A cached geocoder answer; ``location`` None means "the service found nothing"."""

    location: Location | None


class GeocodeCache:
    """Small thread-safe LRU cache of geocoder answers, keyed by postcode + number.

    Only definite answers are stored (found or not found), never failures, so a
    temporary outage does not stick. Kept in memory only: it holds addresses.
    """

    def __init__(self, maxsize: int = 1024) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[str, int, str], CacheEntry] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(postcode: str, house_number: HouseNumber) -> tuple[str, int, str]:
        return (postcode, house_number.number, house_number.suffix)

    def get(self, postcode: str, house_number: HouseNumber) -> CacheEntry | None:
        key = self._key(postcode, house_number)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, postcode: str, house_number: HouseNumber, location: Location | None) -> None:
        key = self._key(postcode, house_number)
        with self._lock:
            self._entries[key] = CacheEntry(location)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _geocode(
    geocoder: AddressGeocoder,
    postcode: str,
    house_number: HouseNumber,
    cache: GeocodeCache | None,
) -> Location | None:
    if cache is not None:
        entry = cache.get(postcode, house_number)
        if entry is not None:
            return entry.location
    try:
        found = geocoder.geocode_address(postcode, house_number)
        location = (
            None
            if found is None
            else Location(float(found.latitude), float(found.longitude), LocationPrecision.ADDRESS)
        )
    except Exception as exc:  # geocoding is optional: every failure falls back
        logger.warning("address geocoding failed (%s); using postcode point", type(exc).__name__)
        return None
    if location is None:
        logger.info("address not found by geocoder; using postcode point")
    if cache is not None:
        cache.put(postcode, house_number, location)
    return location


def locate(
    postcode: str,
    house_number: HouseNumber | None,
    *,
    points: PointTable,
    geocoder: AddressGeocoder | None = None,
    cache: GeocodeCache | None = None,
) -> LocateResult:
    """Best available location for an address.

    With a geocoder and a house number, the address point is tried first (cached);
    on any failure, timeout or no exact match the PC6 point, then the PC4 point from
    ``points`` is used. A valid postcode outside the table gives an unknown result.
    Raises PostcodeError only for an invalid postcode.
    """
    normalised = normalise_postcode(postcode)
    if geocoder is not None and house_number is not None:
        location = _geocode(geocoder, normalised, house_number, cache)
        if location is not None:
            return LocateResult(location)
    return points.lookup(normalised)
