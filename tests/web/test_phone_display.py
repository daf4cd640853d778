"""Phone numbers are stored as E.164 (+316...) and shown the way people in the Netherlands
write them; the link dials the stored number."""

from __future__ import annotations

import pytest

from niemand_alleen.validation import format_phone, phone_number


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+31612345678", "06 1234 5678"),
        ("+31781234567", "078 123 45 67"),
        ("+31201234567", "020 123 45 67"),
        ("+31111123456", "0111 12 34 56"),
        ("+318001234", "0800 1234"),
        ("+32471234567", "+32 471 23 45 67"),
        ("niet-een-nummer", "niet-een-nummer"),
    ],
)
def test_numbers_are_shown_the_dutch_way(stored: str, shown: str) -> None:
    assert format_phone(stored) == shown


@pytest.mark.parametrize("stored", ["+31612345678", "+31781234567", "+31111123456"])
def test_a_shown_number_reads_back_as_the_stored_one(stored: str) -> None:
    """The form of a resident is filled with the shown number; saving it changes nothing."""
    assert phone_number(format_phone(stored)) == stored
