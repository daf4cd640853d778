"""The PDOK adapter and locate(), against a fake Locatieserver on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from geopy.exc import ConfigurationError, GeocoderParseError
from pdok_support import FakePdok

from niemand_alleen.geo import (
    DEFAULT_PDOK_URL,
    GeocodeCache,
    HouseNumber,
    Location,
    LocationPrecision,
    PdokLocatieserver,
    PointTable,
    PostcodeError,
    PostcodePoint,
    locate,
)
from niemand_alleen.geo.geocoder import PDOK_FREE_PATH, parse_pdok_response

ADDRESS_LAT, ADDRESS_LON = 51.8131234, 4.6712345
PC4_LAT, PC4_LON = 51.81336, 4.66872
POINTS = PointTable([PostcodePoint("3311", PC4_LAT, PC4_LON, "Dordrecht")])


def test_found_address_has_address_precision(fake_pdok: FakePdok, pdok: PdokLocatieserver) -> None:
    fake_pdok.answer_address("3311AB", 12, ADDRESS_LAT, ADDRESS_LON)
    result = locate("3311 ab", HouseNumber(12), points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.ADDRESS
    assert result.location == Location(ADDRESS_LAT, ADDRESS_LON, LocationPrecision.ADDRESS)
    assert fake_pdok.paths == [PDOK_FREE_PATH]
    (query,) = fake_pdok.requests
    assert query["q"] == ["3311AB 12"]
    assert query["fq"] == ["type:adres"]
    assert query["rows"] == ["1"]
    assert "centroide_ll" in query["fl"][0].split(",")


def test_query_carries_the_suffix(fake_pdok: FakePdok, pdok: PdokLocatieserver) -> None:
    fake_pdok.answer_address("3311AB", 12, ADDRESS_LAT, ADDRESS_LON, huisletter="A")
    result = locate("3311AB", HouseNumber(12, "A"), points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.ADDRESS
    assert fake_pdok.requests[0]["q"] == ["3311AB 12A"]
    fake_pdok.answer_address("3311AB", 12, ADDRESS_LAT, ADDRESS_LON, toevoeging="2")
    located = pdok.geocode_address("3311AB", HouseNumber(12, "2"))
    assert located is not None
    assert fake_pdok.requests[1]["q"] == ["3311AB 12-2"]
    assert located.raw["huisnummertoevoeging"] == "2"


@pytest.mark.parametrize(
    ("doc_postcode", "doc_number", "letter", "requested"),
    [
        ("3311AC", 12, None, HouseNumber(12)),  # neighbouring postcode
        ("3312AB", 12, None, HouseNumber(12)),
        ("3311AB", 14, None, HouseNumber(12)),  # other house number
        ("3311AB", 12, "B", HouseNumber(12, "A")),  # other suffix
        ("3311AB", 12, None, HouseNumber(12, "A")),
    ],
)
def test_mismatch_falls_back_to_pc4(
    fake_pdok: FakePdok,
    pdok: PdokLocatieserver,
    doc_postcode: str,
    doc_number: int,
    letter: str | None,
    requested: HouseNumber,
) -> None:
    fake_pdok.answer_address(doc_postcode, doc_number, ADDRESS_LAT, ADDRESS_LON, huisletter=letter)
    result = locate("3311AB", requested, points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.PC4
    assert result.location == Location(PC4_LAT, PC4_LON, LocationPrecision.PC4)


def test_suffix_in_result_is_accepted_without_requested_suffix(
    fake_pdok: FakePdok, pdok: PdokLocatieserver
) -> None:
    fake_pdok.answer_address("3311AB", 12, ADDRESS_LAT, ADDRESS_LON, huisletter="a")
    result = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.ADDRESS


def test_not_found_falls_back(fake_pdok: FakePdok, pdok: PdokLocatieserver) -> None:
    fake_pdok.docs = []
    result = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.PC4


@pytest.mark.parametrize("status", [500, 503, 429, 400, 404])
def test_http_errors_fall_back(fake_pdok: FakePdok, pdok: PdokLocatieserver, status: int) -> None:
    fake_pdok.answer_address("3311AB", 12, ADDRESS_LAT, ADDRESS_LON)
    fake_pdok.status = status
    result = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.PC4
    assert len(fake_pdok.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"response": {}}',
        '{"response": {"docs": [{"type": "adres", "postcode": "3311AB", "huisnummer": 12}]}}',
        '{"response": {"docs": [{"postcode": "3311AB", "huisnummer": 12, '
        '"centroide_ll": "POINT(4.6 95.0)"}]}}',
    ],
)
def test_malformed_answers_fall_back(
    fake_pdok: FakePdok, pdok: PdokLocatieserver, body: str
) -> None:
    fake_pdok.body = body
    result = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.PC4


def test_slow_server_falls_back_within_timeout(
    fake_pdok: FakePdok, pdok: PdokLocatieserver
) -> None:
    fake_pdok.answer_address("3311AB", 12, ADDRESS_LAT, ADDRESS_LON)
    fake_pdok.delay_s = 5.0
    started = time.monotonic()
    result = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=pdok)
    elapsed = time.monotonic() - started
    assert result.precision is LocationPrecision.PC4
    assert elapsed < pdok.timeout + 1.0


def test_unreachable_server_falls_back() -> None:
    # A port that was just free: connecting to it is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    geocoder = PdokLocatieserver(f"http://127.0.0.1:{port}", timeout=0.5, proxies={})
    result = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=geocoder)
    assert result.precision is LocationPrecision.PC4


def test_cache_hit_makes_no_second_request(fake_pdok: FakePdok, pdok: PdokLocatieserver) -> None:
    fake_pdok.answer_address("3311AB", 12, ADDRESS_LAT, ADDRESS_LON)
    cache = GeocodeCache(maxsize=8)
    first = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=pdok, cache=cache)
    second = locate("3311 ab", HouseNumber(12), points=POINTS, geocoder=pdok, cache=cache)
    assert first == second
    assert second.precision is LocationPrecision.ADDRESS
    assert len(fake_pdok.requests) == 1
    locate("3311AB", HouseNumber(12, "A"), points=POINTS, geocoder=pdok, cache=cache)
    assert len(fake_pdok.requests) == 2  # another address is another key


def test_not_found_is_cached_but_errors_are_not(
    fake_pdok: FakePdok, pdok: PdokLocatieserver
) -> None:
    cache = GeocodeCache()
    fake_pdok.docs = []
    for _ in range(2):
        result = locate("3311AB", HouseNumber(12), points=POINTS, geocoder=pdok, cache=cache)
        assert result.precision is LocationPrecision.PC4
    assert len(fake_pdok.requests) == 1

    fake_pdok.status = 500
    locate("3311AB", HouseNumber(14), points=POINTS, geocoder=pdok, cache=cache)
    fake_pdok.status = 200
    fake_pdok.answer_address("3311AB", 14, ADDRESS_LAT, ADDRESS_LON)
    result = locate("3311AB", HouseNumber(14), points=POINTS, geocoder=pdok, cache=cache)
    assert result.precision is LocationPrecision.ADDRESS
    assert len(fake_pdok.requests) == 3


def test_cache_is_bounded_lru() -> None:
    cache = GeocodeCache(maxsize=2)
    spot = Location(51.8, 4.6, LocationPrecision.ADDRESS)
    cache.put("3311AB", HouseNumber(1), spot)
    cache.put("3311AB", HouseNumber(2), None)
    assert cache.get("3311AB", HouseNumber(1)) is not None  # now most recently used
    cache.put("3311AB", HouseNumber(3), spot)
    assert len(cache) == 2
    assert cache.get("3311AB", HouseNumber(2)) is None  # evicted
    entry = cache.get("3311AB", HouseNumber(1))
    assert entry is not None
    assert entry.location == spot
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError, match="maxsize"):
        GeocodeCache(maxsize=0)


def test_offline_and_without_house_number(fake_pdok: FakePdok, pdok: PdokLocatieserver) -> None:
    assert locate("3311AB", HouseNumber(12), points=POINTS).precision is LocationPrecision.PC4
    assert locate("3311AB", None, points=POINTS, geocoder=pdok).precision is (LocationPrecision.PC4)
    assert fake_pdok.requests == []


def test_pc6_point_is_the_first_fallback(fake_pdok: FakePdok, pdok: PdokLocatieserver) -> None:
    points = PointTable([*POINTS, PostcodePoint("3311AB", 51.8140, 4.6690)])
    fake_pdok.status = 500
    result = locate("3311AB", HouseNumber(12), points=points, geocoder=pdok)
    assert result.precision is LocationPrecision.PC6
    assert locate("3311AC", HouseNumber(12), points=points, geocoder=pdok).precision is (
        LocationPrecision.PC4
    )


def test_unknown_pc4_gives_unknown_not_an_error(
    fake_pdok: FakePdok, pdok: PdokLocatieserver
) -> None:
    fake_pdok.docs = []
    result = locate("1012AB", HouseNumber(1), points=POINTS, geocoder=pdok)
    assert result.precision is LocationPrecision.UNKNOWN
    assert result.location is None
    assert locate("1012AB", None, points=POINTS).precision is LocationPrecision.UNKNOWN


def test_invalid_postcode_raises_before_any_request(
    fake_pdok: FakePdok, pdok: PdokLocatieserver
) -> None:
    with pytest.raises(PostcodeError):
        locate("0123AB", HouseNumber(1), points=POINTS, geocoder=pdok)
    assert fake_pdok.requests == []


def test_nothing_personal_is_logged(
    fake_pdok: FakePdok, pdok: PdokLocatieserver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_pdok.status = 500
    locate("3311AB", HouseNumber(4321), points=POINTS, geocoder=pdok)
    fake_pdok.status = 200
    fake_pdok.docs = []
    locate("3311AB", HouseNumber(4321), points=POINTS, geocoder=pdok)
    fake_pdok.body = "garbage 3311AB 4321"
    locate("3311AB", HouseNumber(4322), points=POINTS, geocoder=pdok)
    assert caplog.records  # the fallbacks are logged as events...
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_info)
        for secret in ("3311", "4321", "4322"):
            assert secret not in text  # ...without the address


def test_geocoder_configuration() -> None:
    assert PdokLocatieserver().base_url == DEFAULT_PDOK_URL == "https://api.pdok.nl"
    geocoder = PdokLocatieserver("http://127.0.0.1:1/", proxies={})
    url = geocoder.build_url("3311AB", HouseNumber(12, "A"))
    assert url.startswith("http://127.0.0.1:1" + PDOK_FREE_PATH + "?q=3311AB+12A&fq=type%3Aadres")
    for bad in ["ftp://example.org", "api.pdok.nl", "https://api.pdok.nl?x=1"]:
        with pytest.raises(ConfigurationError):
            PdokLocatieserver(bad)
    with pytest.raises(ConfigurationError):
        PdokLocatieserver(timeout=0)


def test_parse_pdok_response_directly() -> None:
    doc = {
        "type": "adres",
        "postcode": "3311AB",
        "huisnummer": 12,
        "huisletter": "A",
        "huisnummertoevoeging": "2",
        "weergavenaam": "Teststraat 12A-2, 3311AB Dordrecht",
        "centroide_ll": "POINT(4.6712 51.8131)",
    }
    payload = {"response": {"numFound": 1, "docs": [doc]}}
    found = parse_pdok_response(payload, "3311AB", HouseNumber(12, "A2"))
    assert found is not None
    assert (found.latitude, found.longitude) == (51.8131, 4.6712)
    assert found.address == "Teststraat 12A-2, 3311AB Dordrecht"
    assert parse_pdok_response(payload, "3311AB", HouseNumber(12, "A")) is None
    woonplaats = {"response": {"docs": [{**doc, "type": "woonplaats"}]}}
    assert parse_pdok_response(woonplaats, "3311AB", HouseNumber(12)) is None
    with pytest.raises(GeocoderParseError):
        parse_pdok_response([], "3311AB", HouseNumber(12))
    broken = {"response": {"docs": [{**doc, "centroide_ll": "POINT(4.6)"}]}}
    with pytest.raises(GeocoderParseError):
        parse_pdok_response(broken, "3311AB", HouseNumber(12))
