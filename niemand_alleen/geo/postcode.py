"""Validation and normalisation of Dutch postcodes and house numbers.

Error messages are shown to users, so they are Dutch (B1, or English on an English public
page: ``niemand_alleen.text``) and never repeat the input: the input is personal data and
exception texts tend to end up in logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from niemand_alleen.text import N_, _

__all__ = [
    "HouseNumber",
    "HouseNumberError",
    "PostcodeError",
    "format_postcode",
    "is_valid_pc4",
    "is_valid_postcode",
    "normalise_house_number",
    "normalise_postcode",
    "pc4_of",
]

# Longest sensible input after stripping ("3311 AB" plus some slack); longer input is
# rejected before any further work.
MAX_POSTCODE_INPUT = 16
MAX_HOUSE_NUMBER_INPUT = 20
MAX_HOUSE_NUMBER = 99_999
MAX_SUFFIX_LENGTH = 6

# PostNL never issues these letter combinations.
_FORBIDDEN_LETTERS = frozenset({"SA", "SD", "SS"})

# ASCII classes on purpose: \d and str.isalpha() accept non-Latin digits and letters.
# Any run of whitespace between digits and letters is accepted (copy-pasted "3311  AB"
# is unambiguous); whitespace anywhere else is not.
_POSTCODE_RE = re.compile(r"([1-9][0-9]{3})\s*([A-Za-z]{2})")
_PC4_RE = re.compile(r"[1-9][0-9]{3}")

# Separators (spaces, hyphens) are optional before a suffix that starts with a letter
# ("12a") and required before a numeric one, so "123" never splits into 12 + "3".
_HOUSE_NUMBER_RE = re.compile(
    r"(?P<number>[0-9]{1,5})"
    r"(?:(?:[\s-]+|(?=[A-Za-z]))(?P<suffix>[A-Za-z0-9]+(?:[\s-]+[A-Za-z0-9]+)*))?"
)
_SUFFIX_RE = re.compile(rf"[A-Z0-9]{{1,{MAX_SUFFIX_LENGTH}}}")
_SEPARATORS_RE = re.compile(r"[\s-]+")

MSG_POSTCODE_EMPTY = N_("Vul uw postcode in.")
MSG_POSTCODE_INVALID = N_("Vul een geldige postcode in, bijvoorbeeld 3311 AB.")
MSG_POSTCODE_INCOMPLETE = N_(
    "Vul uw hele postcode in: 4 cijfers en 2 letters, bijvoorbeeld 3311 AB."
)
MSG_POSTCODE_NOT_ISSUED = N_("Deze postcode bestaat niet. Kijk de letters van uw postcode na.")
MSG_HOUSE_NUMBER_EMPTY = N_("Vul uw huisnummer in.")
MSG_HOUSE_NUMBER_INVALID = N_("Vul een geldig huisnummer in, bijvoorbeeld 12 of 12 A.")
MSG_HOUSE_NUMBER_SUFFIX = N_(
    "De toevoeging bij uw huisnummer is te lang. Gebruik hoogstens 6 tekens."
)


class PostcodeError(ValueError):
    """Invalid postcode; ``message`` is a Dutch sentence fit for the user."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        # Stable machine-readable reason so callers and tests need not match on text.
        self.code = code


class HouseNumberError(ValueError):
    """Invalid house number; ``message`` is a Dutch sentence fit for the user."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def normalise_postcode(raw: str) -> str:
    """Return the postcode as ``"3311AB"``; raise :class:`PostcodeError` otherwise.

    Accepts any letter case, surrounding whitespace and whitespace between the digits
    and the letters. Rejects everything else, including codes that are never issued:
    a leading 0, or the letters SA, SD and SS.
    """
    text = raw.strip()
    if not text:
        raise PostcodeError(_(MSG_POSTCODE_EMPTY), "empty")
    if len(text) > MAX_POSTCODE_INPUT:
        raise PostcodeError(_(MSG_POSTCODE_INVALID), "too_long")
    if _PC4_RE.fullmatch(text):
        raise PostcodeError(_(MSG_POSTCODE_INCOMPLETE), "incomplete")
    match = _POSTCODE_RE.fullmatch(text)
    if match is None:
        raise PostcodeError(_(MSG_POSTCODE_INVALID), "format")
    digits, letters = match.group(1), match.group(2).upper()
    if letters in _FORBIDDEN_LETTERS:
        raise PostcodeError(_(MSG_POSTCODE_NOT_ISSUED), "not_issued")
    return digits + letters


def is_valid_postcode(raw: str) -> bool:
    """True if :func:`normalise_postcode` accepts ``raw``."""
    try:
        normalise_postcode(raw)
    except PostcodeError:
        return False
    return True


def is_valid_pc4(raw: str) -> bool:
    """True for a four-digit postcode area such as ``"3311"`` (no whitespace allowed)."""
    return _PC4_RE.fullmatch(raw) is not None


def format_postcode(postcode: str) -> str:
    """Display form with a space: ``"3311AB"`` -> ``"3311 AB"``. Input is normalised first."""
    normalised = normalise_postcode(postcode)
    return f"{normalised[:4]} {normalised[4:]}"


def pc4_of(postcode: str) -> str:
    """The four-digit area of a postcode: ``"3311 ab"`` -> ``"3311"``."""
    return normalise_postcode(postcode)[:4]


@dataclass(frozen=True, slots=True)
class HouseNumber:
    """A house number with optional suffix (huisletter and/or toevoeging, joined).

    ``suffix`` is upper case letters/digits without separators, so "12 a", "12A" and
    "12-a" all become ``HouseNumber(12, "A")`` and compare equal.
    """

    number: int
    suffix: str = ""

    def __post_init__(self) -> None:
        # Validate here too so values built from database rows obey the same rules.
        if isinstance(self.number, bool) or not isinstance(self.number, int):
            raise HouseNumberError(_(MSG_HOUSE_NUMBER_INVALID), "format")
        if not 1 <= self.number <= MAX_HOUSE_NUMBER:
            raise HouseNumberError(_(MSG_HOUSE_NUMBER_INVALID), "range")
        if len(self.suffix) > MAX_SUFFIX_LENGTH:
            raise HouseNumberError(_(MSG_HOUSE_NUMBER_SUFFIX), "suffix_too_long")
        if self.suffix and _SUFFIX_RE.fullmatch(self.suffix) is None:
            raise HouseNumberError(_(MSG_HOUSE_NUMBER_INVALID), "format")

    def __str__(self) -> str:
        # A hyphen keeps "12-2" readable; letters attach directly ("12A").
        if not self.suffix:
            return str(self.number)
        if self.suffix[0].isdigit():
            return f"{self.number}-{self.suffix}"
        return f"{self.number}{self.suffix}"


def normalise_house_number(raw: str) -> HouseNumber:
    """Parse "12", "12a", "12 A", "12-2", "12 bis"; raise :class:`HouseNumberError`."""
    text = raw.strip()
    if not text:
        raise HouseNumberError(_(MSG_HOUSE_NUMBER_EMPTY), "empty")
    if len(text) > MAX_HOUSE_NUMBER_INPUT:
        raise HouseNumberError(_(MSG_HOUSE_NUMBER_INVALID), "too_long")
    match = _HOUSE_NUMBER_RE.fullmatch(text)
    if match is None:
        raise HouseNumberError(_(MSG_HOUSE_NUMBER_INVALID), "format")
    suffix = _SEPARATORS_RE.sub("", match.group("suffix") or "").upper()
    if len(suffix) > MAX_SUFFIX_LENGTH:
        raise HouseNumberError(_(MSG_HOUSE_NUMBER_SUFFIX), "suffix_too_long")
    number = int(match.group("number"))
    if number < 1:
        raise HouseNumberError(_(MSG_HOUSE_NUMBER_INVALID), "range")
    return HouseNumber(number, suffix)
