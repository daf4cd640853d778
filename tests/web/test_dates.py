"""Dates are written one Dutch way, in Dutch local time, also around the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask, render_template_string

from niemand_alleen.dates import MONTHS, long_date, short_date


def test_long_and_short_date_of_a_day() -> None:
    day = date(2026, 12, 4)
    assert long_date(day) == "4 december 2026"
    assert long_date(day, weekday=True) == "vrijdag 4 december 2026"
    assert short_date(day) == "4-12-2026"
    # A day has no time: asking for one gives the date alone.
    assert long_date(day, time=True) == "4 december 2026"
    assert short_date(day, time=True) == "4-12-2026"


def test_a_moment_is_shown_in_local_time() -> None:
    winter = datetime(2026, 12, 4, 13, 5, 9, tzinfo=UTC)  # CET, UTC+1
    assert long_date(winter, time=True) == "4 december 2026 om 14:05"
    assert short_date(winter, time=True) == "4-12-2026 14:05"
    assert short_date(winter, seconds=True) == "4-12-2026 14:05:09"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # CEST, UTC+2
    assert long_date(summer, time=True) == "1 juli 2026 om 14:00"


def test_a_naive_moment_counts_as_utc() -> None:
    assert short_date(datetime(2026, 12, 31, 23, 30), time=True) == "1-1-2027 00:30"


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        # 29 March 2026: at 01:00 UTC the clocks go from 02:00 to 03:00.
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), "28 maart 2026 om 23:59"),
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), "29 maart 2026 om 00:00"),
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 maart 2026 om 01:59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 maart 2026 om 03:00"),
        (datetime(2026, 3, 29, 21, 59, tzinfo=UTC), "29 maart 2026 om 23:59"),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "30 maart 2026 om 00:00"),
        # 25 October 2026: at 01:00 UTC the clocks go from 03:00 back to 02:00.
        (datetime(2026, 10, 24, 21, 59, tzinfo=UTC), "24 oktober 2026 om 23:59"),
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), "25 oktober 2026 om 00:00"),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 oktober 2026 om 02:30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 oktober 2026 om 02:30"),
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), "25 oktober 2026 om 23:59"),
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), "26 oktober 2026 om 00:00"),
    ],
)
def test_clock_changes_put_a_moment_on_the_right_local_day(moment: datetime, shown: str) -> None:
    assert long_date(moment, time=True) == shown
    day, _, clock = shown.partition(" om ")
    number, month, year = day.split()
    assert short_date(moment, time=True) == (f"{number}-{MONTHS.index(month) + 1}-{year} {clock}")


def test_stored_iso_text_and_nothing() -> None:
    assert long_date("1941-03-12") == "12 maart 1941"  # a birth date as stored
    assert short_date("2026-12-04T13:05:00+00:00", time=True) == "4-12-2026 14:05"
    assert long_date(None) == ""
    assert short_date("") == ""


def test_every_month_has_its_dutch_name() -> None:
    names = [long_date(date(2026, month, 1)).split()[1] for month in range(1, 13)]
    assert names == [
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
    ]


def test_templates_and_mails_have_the_filters(app: Flask) -> None:
    moment = datetime(2026, 12, 4, 13, 5, tzinfo=UTC)
    with app.app_context():  # mails are rendered by the worker, without a request
        text = render_template_string(
            "{{ m | long_date }}|{{ m | long_date(time=True) }}|{{ m | short_date }}"
            "|{{ d | long_date(weekday=True) }}",
            m=moment,
            d=date(2026, 12, 4),
        )
    assert text == ("4 december 2026|4 december 2026 om 14:05|4-12-2026|vrijdag 4 december 2026")
