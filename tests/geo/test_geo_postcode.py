from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from niemand_alleen.geo import (
    HouseNumber,
    HouseNumberError,
    PostcodeError,
    format_postcode,
    normalise_house_number,
    normalise_postcode,
    pc4_of,
)
from niemand_alleen.geo.postcode import is_valid_pc4, is_valid_postcode

CANONICAL = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3328 ab", "3328AB"),
        ("3328AB", "3328AB"),
        ("3328ab", "3328AB"),
        ("  3328 Ab  ", "3328AB"),
        ("3311\tAB", "3311AB"),
        # Documented choice: any whitespace run between digits and letters is accepted.
        ("3328  AB", "3328AB"),
        ("3328\u00a0AB", "3328AB"),
        ("1000AA", "1000AA"),
        ("9999ZZ", "9999ZZ"),
        ("3328SB", "3328SB"),
    ],
)
def test_normalise_postcode_accepts(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("0123AB", "format"),
        ("3328SA", "not_issued"),
        ("3328SD", "not_issued"),
        ("3328SS", "not_issued"),
        ("3328 ss", "not_issued"),
        ("33281AB", "format"),
        ("332AB", "format"),
        ("3328 A B!", "format"),
        ("3328 A B", "format"),
        ("3328-AB", "format"),
        ("3328A", "format"),
        ("3328ABC", "format"),
        ("AB3328", "format"),
        ("3328", "incomplete"),
        ("\u0663\u0663\u0662\u0668AB", "format"),  # Arabic-Indic digits are not 0-9
        ("３３２８AB", "format"),  # full-width digits
        ("3328ÄB", "format"),
        ("3328 ıi", "format"),  # dotless i upper-cases to ASCII I; must still be rejected
        ("3" * 500, "too_long"),
        ("3328AB" + " " * 5 + "x" * 494, "too_long"),
    ],
)
def test_normalise_postcode_rejects(raw: str, code: str) -> None:
    with pytest.raises(PostcodeError) as info:
        normalise_postcode(raw)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert str(info.value) == info.value.message


def test_postcode_messages_are_dutch_and_do_not_echo_input() -> None:
    with pytest.raises(PostcodeError) as empty:
        normalise_postcode("")
    assert empty.value.message == "Vul uw postcode in."
    with pytest.raises(PostcodeError) as bad:
        normalise_postcode("0123AB")
    assert bad.value.message == "Vul een geldige postcode in, bijvoorbeeld 3311 AB."
    for raw in ["0123XY", "3328SA", "3328", "9" * 40]:
        with pytest.raises(PostcodeError) as info:
            normalise_postcode(raw)
        assert raw not in info.value.message
        assert info.value.message.endswith(".")


def test_format_and_pc4() -> None:
    assert format_postcode("3328AB") == "3328 AB"
    assert format_postcode(" 3328ab") == "3328 AB"
    assert pc4_of("3328 ab") == "3328"
    with pytest.raises(PostcodeError):
        pc4_of("0328AB")
    assert is_valid_postcode("3311 AB")
    assert not is_valid_postcode("3311 SA")
    assert is_valid_pc4("3311")
    assert not is_valid_pc4("0311")
    assert not is_valid_pc4(" 3311")


_letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
valid_postcodes = st.builds(
    lambda first, rest, a, b: f"{first}{rest:03d}{a}{b}",
    st.integers(1, 9),
    st.integers(0, 999),
    _letters,
    _letters,
).filter(lambda pc: pc[4:] not in {"SA", "SD", "SS"})


@given(
    postcode=valid_postcodes,
    lower=st.booleans(),
    gap=st.sampled_from(["", " ", "  ", "\t"]),
    pad=st.sampled_from(["", " ", "\n "]),
)
def test_valid_postcodes_round_trip(postcode: str, lower: bool, gap: str, pad: str) -> None:
    letters = postcode[4:].lower() if lower else postcode[4:]
    raw = f"{pad}{postcode[:4]}{gap}{letters}{pad}"
    assert normalise_postcode(raw) == postcode
    formatted = format_postcode(postcode)
    assert formatted == f"{postcode[:4]} {postcode[4:]}"
    assert normalise_postcode(formatted) == postcode
    assert pc4_of(formatted) == postcode[:4]


@given(st.text())
def test_normalise_postcode_only_raises_postcode_error(raw: str) -> None:
    try:
        result: str | None = normalise_postcode(raw)
    except PostcodeError as exc:
        message = exc.message
        result = None
    if result is None:
        assert message
    else:
        assert CANONICAL.fullmatch(result)
        assert result[4:] not in {"SA", "SD", "SS"}


@given(st.from_regex(r"\A[0-9]{4} ?[A-Za-z]{2}\Z"))
def test_leading_zero_and_forbidden_letters_never_pass(raw: str) -> None:
    compact = raw.replace(" ", "").upper()
    if compact[0] == "0" or compact[4:] in {"SA", "SD", "SS"}:
        with pytest.raises(PostcodeError):
            normalise_postcode(raw)
    else:
        assert normalise_postcode(raw) == compact


@pytest.mark.parametrize(
    ("raw", "number", "suffix"),
    [
        ("12", 12, ""),
        ("12a", 12, "A"),
        ("12A", 12, "A"),
        ("12 A", 12, "A"),
        ("12-a", 12, "A"),
        ("12-2", 12, "2"),
        ("12 2", 12, "2"),
        ("12 bis", 12, "BIS"),
        ("12A-2", 12, "A2"),
        ("12 a 2", 12, "A2"),
        (" 7 ", 7, ""),
        ("1", 1, ""),
        ("99999", 99999, ""),
        ("012", 12, ""),
        ("12 abcdef", 12, "ABCDEF"),
    ],
)
def test_normalise_house_number_accepts(raw: str, number: int, suffix: str) -> None:
    assert normalise_house_number(raw) == HouseNumber(number, suffix)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("abc", "format"),
        ("0", "range"),
        ("00", "range"),
        ("12!!", "format"),
        ("-12", "format"),
        ("12-", "format"),
        ("100000", "format"),
        ("123456", "format"),
        ("12 abcdefg", "suffix_too_long"),
        ("12 a b c d e f g", "suffix_too_long"),
        ("1" * 30, "too_long"),
        ("\u0661\u0662", "format"),  # Arabic-Indic digits
        ("12 Ä", "format"),
        ("12/2", "format"),
    ],
)
def test_normalise_house_number_rejects(raw: str, code: str) -> None:
    with pytest.raises(HouseNumberError) as info:
        normalise_house_number(raw)
    assert info.value.code == code
    assert str(info.value) == info.value.message
    assert raw.strip() == "" or raw not in info.value.message


def test_house_number_messages() -> None:
    with pytest.raises(HouseNumberError) as empty:
        normalise_house_number("")
    assert empty.value.message == "Vul uw huisnummer in."
    with pytest.raises(HouseNumberError) as bad:
        normalise_house_number("abc")
    assert bad.value.message == "Vul een geldig huisnummer in, bijvoorbeeld 12 of 12 A."


def test_house_number_direct_construction_is_validated() -> None:
    for number, suffix in [(0, ""), (100_000, ""), (12, "a"), (12, "A-2"), (12, "ABCDEFG")]:
        with pytest.raises(HouseNumberError):
            HouseNumber(number, suffix)
    assert str(HouseNumber(12)) == "12"
    assert str(HouseNumber(12, "A")) == "12A"
    assert str(HouseNumber(12, "2")) == "12-2"
    assert normalise_house_number(str(HouseNumber(12, "2"))) == HouseNumber(12, "2")


@given(st.text())
def test_normalise_house_number_only_raises_house_number_error(raw: str) -> None:
    try:
        result: HouseNumber | None = normalise_house_number(raw)
    except HouseNumberError as exc:
        message = exc.message
        result = None
    if result is None:
        assert message
    else:
        assert 1 <= result.number <= 99_999
        assert re.fullmatch(r"[A-Z0-9]{0,6}", result.suffix)
