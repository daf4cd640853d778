"""Locating an address through the app's configured geocoder (stored geography + PDOK)."""

from __future__ import annotations

import pytest
from flask import Flask
from pdok_support import FakePdok
from sqlmodel import Session

from niemand_alleen import reference
from niemand_alleen.config import Settings
from niemand_alleen.geo import HouseNumberError, LocationPrecision, PostcodeError
from niemand_alleen.reference import import_shipped_reference, locate_address


@pytest.fixture
def geography(app: Flask, db_session: Session) -> Session:
    reference.clear_geocode_cache()  # the process-wide cache must not answer for PDOK
    import_shipped_reference(db_session)
    db_session.commit()
    return db_session


def test_offline_locates_by_pc4_with_wijk(geography: Session, settings: Settings) -> None:
    placed = locate_address(geography, settings, "3328 ab", "12")
    assert placed.postcode == "3328AB"
    assert placed.result.precision is LocationPrecision.PC4
    assert placed.areas.wijk is not None
    assert placed.areas.wijk.short_name == "Sterrenburg"


def test_unknown_pc4_is_precision_unknown_not_a_crash(
    geography: Session, settings: Settings
) -> None:
    placed = locate_address(geography, settings, "1012AB", "1")
    assert placed.result.precision is LocationPrecision.UNKNOWN
    assert placed.result.location is None
    assert placed.areas.wijk is None


@pytest.mark.parametrize("postcode", ["0123AB", "3328SA", "33281AB", "", "3328 A B!"])
def test_impossible_postcode_is_refused_in_dutch(
    geography: Session, settings: Settings, postcode: str
) -> None:
    with pytest.raises(PostcodeError) as error:
        locate_address(geography, settings, postcode, "1")
    assert "postcode" in error.value.message.lower()


def test_house_number_with_letters_only_is_refused(geography: Session, settings: Settings) -> None:
    with pytest.raises(HouseNumberError):
        locate_address(geography, settings, "3328AB", "abc")


def test_pdok_gives_address_precision(
    geography: Session, settings: Settings, fake_pdok: FakePdok
) -> None:
    fake_pdok.answer_address("3311AB", 5, 51.8135, 4.6621)
    online = settings.with_overrides(geocoder="pdok", pdok_base_url=fake_pdok.url)
    placed = locate_address(geography, online, "3311 AB", "5")
    assert placed.result.precision is LocationPrecision.ADDRESS
    assert placed.areas.wijk is not None
    assert placed.areas.wijk.short_name == "Binnenstad"
    assert fake_pdok.requests, "the local PDOK server was asked"


def test_pdok_down_falls_back_to_pc4(
    geography: Session, settings: Settings, fake_pdok: FakePdok
) -> None:
    fake_pdok.status = 503
    online = settings.with_overrides(geocoder="pdok", pdok_base_url=fake_pdok.url)
    placed = locate_address(geography, online, "3319AB", "7")
    assert placed.result.precision is LocationPrecision.PC4
    assert placed.areas.wijk is not None
    assert placed.areas.wijk.short_name == "Dubbeldam"
