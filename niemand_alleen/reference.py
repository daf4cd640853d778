"""Reference geography in the database: import CBS wijken/buurten and postcode points.

Parsing and validation are done by the pure ``geo`` package; this module only stores the
records and builds a ``Gazetteer`` back from the stored rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from niemand_alleen import models
from niemand_alleen.config import Settings
from niemand_alleen.geo import (
    BUURTEN_FILE,
    PC4_FILE,
    WIJKEN_FILE,
    Area,
    AreaDataError,
    AreaKind,
    AreaMatch,
    Gazetteer,
    GeocodeCache,
    LocateResult,
    LocationPrecision,
    PdokLocatieserver,
    load_area_geojson,
    load_point_csv,
    normalise_house_number,
    normalise_postcode,
    short_name,
)
from niemand_alleen.geo import PostcodePoint as PointRecord
from niemand_alleen.resources import resource_dir

SHIPPED_SOURCE = "CBS/PDOK Wijk- en buurtkaart 2024 (CC-BY 4.0); PC4: postcodetabel (MIT)"


@dataclass(frozen=True)
class ImportCounts:
    wijken: int
    buurten: int
    points: int


def _municipality_code(statcode: str) -> str:
    return statcode[2:6]


def _upsert(session: Session, model: type[SQLModel], rows: Sequence[SQLModel]) -> None:
    """Insert new rows in bulk and update the ones whose primary key already exists."""
    if not rows:
        return
    (key,) = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    existing = set(session.exec(select(key)).all())
    for row in rows:
        if getattr(row, key.key) in existing:
            session.merge(row)
        else:
            session.add(row)
    session.flush()


def import_reference(
    session: Session,
    *,
    wijken: Sequence[Area] = (),
    buurten: Sequence[Area] = (),
    points: Sequence[PointRecord] = (),
    source: str,
) -> ImportCounts:
    """Insert or update areas and points; a buurt must belong to a known or imported wijk."""
    known_wijken = {wijk.statcode for wijk in wijken} | set(
        session.exec(select(models.Wijk.code)).all()
    )
    for buurt in buurten:
        if buurt.wijkcode not in known_wijken:
            raise AreaDataError(
                f"buurt {buurt.statcode} belongs to wijk {buurt.wijkcode}, which is not known;"
                " import that wijk first or in the same run"
            )
    source = source[:200]
    from shapely.geometry import mapping  # only when importing geography, never on a page

    _upsert(
        session,
        models.Wijk,
        [
            models.Wijk(
                code=wijk.statcode,
                name=wijk.statnaam,
                municipality_code=_municipality_code(wijk.statcode),
                geometry=json.dumps(mapping(wijk.geometry)),
                source=source,
            )
            for wijk in wijken
        ],
    )
    _upsert(
        session,
        models.Buurt,
        [
            models.Buurt(
                code=buurt.statcode,
                name=buurt.statnaam,
                wijk_code=buurt.wijkcode,
                geometry=json.dumps(mapping(buurt.geometry)),
                source=source,
            )
            for buurt in buurten
        ],
    )
    _upsert(
        session,
        models.PostcodePoint,
        [
            models.PostcodePoint(
                postcode=point.postcode,
                precision=LocationPrecision.PC6
                if len(point.postcode) == 6
                else LocationPrecision.PC4,
                place=point.plaats,
                lat=point.lat,
                lon=point.lon,
                source=source,
            )
            for point in points
        ],
    )
    forget_cached_gazetteers()
    return ImportCounts(wijken=len(wijken), buurten=len(buurten), points=len(points))


def import_shipped_reference(session: Session) -> ImportCounts:
    """The Dordrecht wijken and buurten and the Drechtsteden PC4 points shipped in postcodes/."""
    folder = resource_dir("postcodes")
    return import_reference(
        session,
        wijken=load_area_geojson(folder / WIJKEN_FILE, AreaKind.WIJK),
        buurten=load_area_geojson(folder / BUURTEN_FILE, AreaKind.BUURT),
        points=load_point_csv(folder / PC4_FILE),
        source=SHIPPED_SOURCE,
    )


def has_reference(session: Session) -> bool:
    """Whether geography was imported; a database without the tables (never migrated) has none."""
    if not inspect(session.connection()).has_table("wijk"):
        return False
    return session.exec(select(models.Wijk.code).limit(1)).first() is not None


def gazetteer_from_database(session: Session) -> Gazetteer:
    wijken = session.exec(select(models.Wijk)).all()
    buurten = session.exec(select(models.Buurt)).all()
    points = session.exec(select(models.PostcodePoint)).all()
    return Gazetteer.from_records(
        wijken=[{"statcode": w.code, "statnaam": w.name, "geometry": w.geometry} for w in wijken],
        buurten=[
            {
                "statcode": b.code,
                "statnaam": b.name,
                "wijkcode": b.wijk_code,
                "geometry": b.geometry,
            }
            for b in buurten
        ],
        points=[
            {"postcode": p.postcode, "lat": p.lat, "lon": p.lon, "plaats": p.place} for p in points
        ],
    )


@dataclass(frozen=True)
class PlacedAddress:
    """Where an address is (with its precision), and its wijk and buurt if inside the area."""

    postcode: str
    result: LocateResult
    areas: AreaMatch


_gazetteers: dict[str, Gazetteer] = {}
_geocode_cache = GeocodeCache(maxsize=4096)


def cached_gazetteer(session: Session) -> Gazetteer:
    """The stored geography, read once per process and database (it changes only on import)."""
    key = str(session.get_bind().engine.url)
    if key not in _gazetteers:
        _gazetteers[key] = gazetteer_from_database(session)
    return _gazetteers[key]


_wijk_names: dict[str, dict[str, str]] = {}


def wijk_short_names(session: Session) -> Mapping[str, str]:
    """Wijk code → short name ("Sterrenburg"), read once per process and database (the
    geography changes only on import); lists need the names, never the boundaries."""
    key = str(session.get_bind().engine.url)
    if key in _wijk_names:
        return _wijk_names[key]
    if key in _gazetteers:
        names = {area.statcode: area.short_name for area in _gazetteers[key].areas.wijken}
    else:
        rows = session.exec(select(models.Wijk.code, models.Wijk.name)).all()
        names = {code: short_name(name) for code, name in rows}
    if names:  # none yet: asked again until the geography is imported
        _wijk_names[key] = names
    return names


def wijk_short_name(session: Session, code: str | None) -> str | None:
    """The short name of a wijk ("Sterrenburg"), cached per process; the session is read
    only the first time."""
    if code is None:
        return None
    return wijk_short_names(session).get(code)


def forget_cached_gazetteers() -> None:
    _gazetteers.clear()
    _wijk_names.clear()


def clear_geocode_cache() -> None:
    _geocode_cache.clear()


def locate_address(
    session: Session, settings: Settings, postcode: str, house_number: str | None
) -> PlacedAddress:
    """Locate an address with the configured geocoder (PDOK or offline table).

    Raises PostcodeError / HouseNumberError (Dutch ``.message``) for input that cannot be an
    address; a valid postcode outside the reference data gives precision ``unknown``.
    """
    normalised = normalise_postcode(postcode)
    number = normalise_house_number(house_number) if house_number else None
    gazetteer = cached_gazetteer(session)
    if settings.geocoder == "pdok":
        with PdokLocatieserver(
            settings.pdok_base_url, timeout=settings.geocoder_timeout_seconds
        ) as geocoder:
            result = gazetteer.locate(normalised, number, geocoder=geocoder, cache=_geocode_cache)
    else:
        result = gazetteer.locate(normalised, number)
    return PlacedAddress(postcode=normalised, result=result, areas=gazetteer.areas_for(result))
