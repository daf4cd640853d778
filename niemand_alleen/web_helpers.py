"""Small pieces the feature views share: the settings of the running app, the date filters
of every template and mail, the wijken map, an audited CSV download and a page of a list with
its links. Views only; services never import this module."""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection
from typing import Any

from flask import Flask, Response, current_app, render_template, url_for
from markupsafe import Markup
from sqlmodel import Session

from niemand_alleen.audit import AuditAction, AuditDetail, RecordType, record_audit
from niemand_alleen.auth import current_staff
from niemand_alleen.config import Settings
from niemand_alleen.dates import DateLike, long_date, short_date
from niemand_alleen.geo import MapCircle, MapMarker, map_area, wijk_map_svg
from niemand_alleen.i18n import current_locale
from niemand_alleen.models import LOCAL_TIMEZONE, utcnow
from niemand_alleen.pagination import ListRequest
from niemand_alleen.reference import cached_gazetteer


def current_settings() -> Settings:
    """The settings the app was created with."""
    value: Settings = current_app.config["SETTINGS"]
    return value


def register_date_filters(app: Flask) -> None:
    """The one way pages and mails write dates, in local time (see ``niemand_alleen.dates``):
    ``{{ day | long_date }}`` "4 december 2026", ``long_date(time=True)`` "4 december 2026
    om 14:05", ``{{ day | short_date }}`` "4-12-2026" for tables."""

    def localised_long_date(value: DateLike, *, time: bool = False, weekday: bool = False) -> str:
        return long_date(value, time=time, weekday=weekday, locale=current_locale())

    app.jinja_env.filters["long_date"] = localised_long_date
    app.jinja_env.filters["short_date"] = short_date


def wijk_map(
    session: Session,
    *,
    highlighted: Collection[str],
    markers: list[MapMarker],
    circle: MapCircle | None,
    title: str,
) -> Markup:
    """The wijken of the stored geography as an SVG map (for coordinators only)."""
    wijken = [
        map_area(area.statcode, area.statnaam, area.geometry)
        for area in cached_gazetteer(session).areas.wijken
    ]
    svg = wijk_map_svg(wijken, highlighted=highlighted, markers=markers, circle=circle, title=title)
    return Markup(svg)  # noqa: S704  (svgmap escapes every text it draws)


def csv_download(
    session: Session,
    body: str,
    *,
    name: str,
    record_type: RecordType,
    detail: AuditDetail | None = None,
) -> Response:
    """Log the export in the audit log, then answer with the CSV as the download
    ``<name>-<local date and time>.csv``."""
    record_audit(
        session,
        actor_user_id=current_staff().user_id,
        action=AuditAction.EXPORT,
        record_type=record_type,
        record_id=None,
        detail=detail,
    )
    stamp = utcnow().astimezone(LOCAL_TIMEZONE).strftime("%Y%m%d-%H%M")
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"',
        },
    )


def page_url(endpoint: str, status: enum.Enum | None) -> Callable[[int], str]:
    """The URL of page ``number`` of a list (``pagina``), keeping its status filter."""

    def url(number: int) -> str:
        return url_for(endpoint, pagina=number, status=status.value if status else None)

    return url


def list_page(
    template: str,
    endpoint: str,
    asked: ListRequest[Any],
    listing: object,
    **context: object,
) -> str | tuple[str, int]:
    """A page of a staff list: ``listing`` with the links to its other pages; a bad
    ``status`` or ``pagina`` shows its error with the first page and answers 400."""
    html = render_template(
        template,
        listing=listing,
        error=asked.error,
        page_url=page_url(endpoint, asked.status),
        **context,
    )
    return (html, 400) if asked.error else html
