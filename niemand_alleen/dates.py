"""Dates as the service writes them, in one Dutch way and always in local time (pure).

- ``long_date``: "4 december 2026", with ``time=True`` "4 december 2026 om 14:05", with
  ``weekday=True`` "vrijdag 4 december 2026". For sentences, mails and notices.
- ``short_date``: "4-12-2026", with ``time=True`` "4-12-2026 14:05" (``seconds=True`` adds
  the seconds). For tables and lists.

Both take a ``date``, a ``datetime`` (stored times are UTC; a naive one counts as UTC) or an
ISO text as stored (``"2026-12-04"``), and give ``""`` for nothing. A datetime is first
turned into ``models.LOCAL_TIMEZONE``, so a time just after midnight in summer or winter
falls on the right day. The app registers both as Jinja filters (``web_helpers``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from niemand_alleen.models import LOCAL_TIMEZONE

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
# The public pages and the mails to neighbours also exist in English.
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DateLike = date | datetime | str | None


def local_moment(value: datetime) -> datetime:
    """A stored moment in local time; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TIMEZONE)


def _local(value: DateLike) -> date | datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        value = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    if isinstance(value, datetime):
        return local_moment(value)
    return value


def long_date(
    value: DateLike, *, time: bool = False, weekday: bool = False, locale: str = "nl"
) -> str:
    """ "4 december 2026" (``time``: "… om 14:05"; ``weekday``: "vrijdag …"); with
    ``locale="en"`` (public pages and mails in English) "Friday 4 December 2026 at 14:05"."""
    moment = _local(value)
    if moment is None:
        return ""
    months, weekdays, at = (
        (MONTHS_EN, WEEKDAYS_EN, "at") if locale == "en" else (MONTHS, WEEKDAYS, "om")
    )
    text = f"{moment.day} {months[moment.month - 1]} {moment.year}"
    if weekday:
        text = f"{weekdays[moment.weekday()]} {text}"
    if time and isinstance(moment, datetime):
        text += f" {at} {moment:%H:%M}"
    return text


def short_date(value: DateLike, *, time: bool = False, seconds: bool = False) -> str:
    """ "4-12-2026" (``time``: "4-12-2026 14:05"; ``seconds``: "4-12-2026 14:05:09")."""
    moment = _local(value)
    if moment is None:
        return ""
    text = f"{moment.day}-{moment.month}-{moment.year}"
    if (time or seconds) and isinstance(moment, datetime):
        text += f" {moment:%H:%M:%S}" if seconds else f" {moment:%H:%M}"
    return text
