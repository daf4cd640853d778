"""Find the resident's own fields, and their variants, in free text.

Pure and fast (regular expressions only, no deduce): the approval-time check uses this
to block an oproep that still names the resident. Matching runs on a folded copy of the
text (lower case, no diacritics, same length), so "JANSEN", "jansen" and "Jansén" all
match and offsets stay valid for the original.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from niemand_alleen.anonymiser.lexicon import (
    HYPOCORISMS,
    LANGUAGES,
    MONTH_ALTERNATION,
    MONTHS,
    TUSSENVOEGSELS,
    fold,
    wordset,
)
from niemand_alleen.anonymiser.model import Kind, ResidentFields, Span

_SEP = r"[\s\-]*"  # between the words of a multi-word value
_B = r"(?<![\w@])"  # start of word (an e-mail's local part is not a word start)
_E = r"(?!\w)"
_LOWER_NOUN_CONTEXT = re.compile(r"(?:\b(?:de|het|een|die|deze|dat|geen|elke|iedere)\s+)$")


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    kind: Kind
    category: str
    # A word that is also a common noun ("Bakker", "de Boer", "Roos") only counts in lower
    # case when it is not preceded by an article: "naar de bakker" is not the surname.
    capital_sensitive: bool = False
    # A short form that is also an ordinary word ("Wil", "Ton") counts only with a capital.
    capital_only: bool = False
    group: int = 0  # the capturing group that is the value (0: the whole match)


def _words(value: str) -> list[str]:
    return [word for word in re.split(r"[\s\-]+", fold(value).strip()) if word]


def _joined(words: Iterable[str]) -> str:
    return _SEP.join(re.escape(word) for word in words)


def split_surname(last_name: str) -> list[tuple[list[str], list[str]]]:
    """Split a surname into parts of (tussenvoegsels, core words).

    "van der Berg" → [(["van", "der"], ["berg"])];
    "Scholten-de Graaf" → [([], ["scholten"]), (["de"], ["graaf"])].
    """
    parts = []
    for chunk in re.split(r"\s*-\s*(?=\S)", fold(last_name).strip()):
        words = chunk.split()
        prefix: list[str] = []
        while len(words) > 1 and words[0] in TUSSENVOEGSELS:
            prefix.append(words.pop(0))
        if words:
            parts.append((prefix, words))
    return parts


def _alternation(variants: Iterable[str]) -> str:
    """One regex alternative per variant (longest first), words joined flexibly."""
    ordered = sorted(set(variants), key=len, reverse=True)
    return "(?:" + "|".join(_joined(variant.split()) for variant in ordered) + ")"


def _name_patterns(fields: ResidentFields, nicknames: bool) -> Iterator[_Pattern]:
    possessive = r"(?:'s|'|s)?"
    for (category, capital_sensitive), variants in _name_variants(fields, nicknames).items():
        yield _Pattern(
            re.compile(_B + _alternation(variants) + possessive + _E),
            Kind.NAME,
            category,
            capital_sensitive=capital_sensitive,
        )
    if nicknames:
        first_words = [word for word in _words(fields.first_name) if len(word) >= 2]
        words = set().union(*(_clipped(word)[1] for word in first_words)) - set(first_words)
        if words:
            yield _Pattern(
                re.compile(_B + _alternation(words) + possessive + _E),
                Kind.NAME,
                "roepnaam",
                capital_only=True,
            )


def _name_variants(fields: ResidentFields, nicknames: bool) -> dict[tuple[str, bool], set[str]]:
    """The resident's names as written variants, grouped by (category, capital-sensitive)."""
    first_words = [word for word in _words(fields.first_name) if len(word) >= 2]
    groups: dict[tuple[str, bool], set[str]] = {}

    def add(category: str, capital_sensitive: bool, words: list[str]) -> None:
        groups.setdefault((category, capital_sensitive), set()).add(" ".join(words))

    if len(first_words) > 1:
        add("voornaam", False, first_words)
    for word in first_words:
        add("voornaam", True, [word])
    if nicknames:
        shorts = set().union(*(HYPOCORISMS.get(word, frozenset()) for word in first_words))
        shorts |= set().union(*(_clipped(word)[0] for word in first_words))
        for short in sorted(shorts - set(first_words) - LANGUAGES):
            add("roepnaam", True, [short])
    full = _words(fields.last_name)
    if full:
        add("achternaam", len(full) == 1, full)
    for prefix, core in split_surname(fields.last_name):
        if prefix:
            add("achternaam", False, prefix + core)
        if len("".join(core)) >= 2:
            add("achternaam", True, core)
    return groups


@lru_cache(maxsize=256)
def _clipped(first_name: str) -> tuple[frozenset[str], frozenset[str]]:
    """The first names hidden in a longer one: "Ton" in "Anton", "Adri" in "Adriana",
    "Mina" in "Wilhelmina" (Dutch short forms are most often the name's start or end),
    split into names and names that are also ordinary words ("wil", "ton")."""
    if len(first_name) < 5:
        return frozenset(), frozenset()
    # The word lists are read only here, for the proposal (the worker), never for the
    # blocking check in the web worker.
    from niemand_alleen.anonymiser.vocabulary import vocabulary

    words = vocabulary()
    pieces = {first_name[:cut] for cut in range(3, len(first_name) - 1)}
    pieces |= {first_name[cut:] for cut in range(2, len(first_name) - 2)}
    names = {piece for piece in pieces if piece in words.first_names} - TUSSENVOEGSELS
    ordinary = {piece for piece in names if words.is_ordinary(piece)}
    return frozenset(names - ordinary), frozenset(ordinary)


_STREET_ABBREVIATIONS = (
    ("burgemeester", "burg."), ("koningin", "kon."), ("koning", "kon."), ("prins", "pr."),
    ("prinses", "pr."), ("sint", "st."), ("dokter", "dr."), ("professor", "prof."),
    ("generaal", "gen."), ("president", "pres."), ("straat", "str."), ("mr.", "meester"),
)  # fmt: skip
_DIRECTION = re.compile(r"\s+(?:noord|zuid|oost|west|n|z|o|w|nz|zz|oz|wz)\.?$")


def street_variants(street: str) -> set[str]:
    base = fold(street).strip()
    if not base:
        return set()
    variants = {base}
    stripped = _DIRECTION.sub("", base)
    if stripped and stripped != base:
        variants.add(stripped)
    for long, short in _STREET_ABBREVIATIONS:
        for variant in list(variants):
            if long in variant:
                variants.add(variant.replace(long, short))
            if short in variant:
                variants.add(variant.replace(short, long))
    return {variant for variant in variants if len(variant) >= 3}


def _street_regex(variant: str) -> str:
    words = re.split(r"[\s\-]+", variant)
    parts = [re.escape(word).replace(r"\.", r"\.?") for word in words]
    return _SEP.join(parts)


def _house_number_regex(house_number: str) -> str | None:
    match = re.fullmatch(r"\s*(\d+)\s*[-/ ]?\s*(.*?)\s*", fold(house_number))
    if not match:
        return None
    number, suffix = match.groups()
    suffix = re.sub(r"[\s\-/]+", "", suffix)
    regex = re.escape(number)
    if suffix:
        regex += r"\s*[-/]?\s*" + re.escape(suffix)
    return regex


def _address_patterns(fields: ResidentFields) -> Iterator[_Pattern]:
    house = _house_number_regex(fields.house_number) if fields.house_number else None
    variants = sorted(street_variants(fields.street), key=len, reverse=True)
    if variants:
        streets = "(?:" + "|".join(_street_regex(variant) for variant in variants) + ")"
        number = r"(?:\s*,?\s*(?:(?:nr|nummer|no)\.?\s*)?" + house + _E + ")?" if house else ""
        yield _Pattern(re.compile(_B + streets + _E + number), Kind.STREET, "straat")
    if house:
        has_suffix = not re.fullmatch(r"\s*\d+\s*", fields.house_number)
        context = r"(?:(?<=\bnummer )|(?<=\bnr\. )|(?<=\bnr )|(?<=\bhuisnummer )|(?<=\bno\. ))"
        yield _Pattern(
            re.compile((_B if has_suffix else context) + house + _E),
            Kind.ADDRESS_PART,
            "huisnummer",
        )


# Generic scanners, compiled once: their matches are compared with the resident's values.
_POSTCODE_RE = re.compile(r"(?<!\w)(\d{4})\s*-?\s*([a-z]{2})(?!\w)")
_PHONE_RUN_RE = re.compile(r"(?<![\w+])(?:\+\s?)?\(?\d[\d \t\-./()]*\d(?!\d)")
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\d/.-])(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*('?\d{2}|\d{4})(?!\d)"
)
_ISO_DATE_RE = re.compile(r"(?<![\d/.-])(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)")
_WRITTEN_DATE_RE = re.compile(
    r"(?<![\d/.-])(\d{1,2})(?:e|ste|de)?\s*(" + MONTH_ALTERNATION + r")\.?(?![a-z])"
    r"(?:,?\s*('?\d{2}|\d{4})(?!\d))?"
)
_PADDED_DAY_MONTH_RE = re.compile(r"(?<![\d/.-])(\d{2})[-/.](\d{2})(?![\d]|[-/.]\d)")
_BIRTH_YEAR_RE = re.compile(r"\b(?:geboren|geb\.?|geboortejaar)\s*(?:in\s+|:\s*)?(\d{4})(?!\d)")
_MONTH_NUMBER = {name: number for number, names in MONTHS.items() for name in names}


def _postcode_spans(postcode: str, folded: str) -> Iterator[tuple[int, int]]:
    wanted = re.sub(r"\s+", "", fold(postcode))
    if not re.fullmatch(r"\d{4}[a-z]{2}", wanted):
        return
    for match in _POSTCODE_RE.finditer(folded):
        if match.group(1) + match.group(2) == wanted:
            yield match.span()


def _phone_key(phone: str) -> tuple[str, str, bool] | None:
    """(country code, national significant number, uses the trunk prefix 0)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 6:
        return None
    import phonenumbers  # on the first phone number, not in every web worker at start

    try:
        number = phonenumbers.parse(phone, "NL")
    except phonenumbers.NumberParseException:
        return "", digits.lstrip("0"), digits.startswith("0")
    region = phonenumbers.region_code_for_number(number)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region or "NL")
    trunk = bool(metadata and metadata.national_prefix == "0")
    return str(number.country_code), phonenumbers.national_significant_number(number), trunk


def _phone_spans(phone: str, text: str) -> Iterator[tuple[int, int]]:
    """The resident's number in any notation: compare digits; 0, +31, 0031, +31 (0)."""
    key = _phone_key(phone)
    if key is None:
        return
    country, national, trunk = key
    prefixes = [f"00{country}0", f"00{country}", f"{country}0", country] if country else []
    if trunk:
        prefixes.append("0")
    if len(national) >= 9:
        prefixes.append("")
    for run in _PHONE_RUN_RE.finditer(text):
        positions = [index for index in range(run.start(), run.end()) if text[index].isdigit()]
        digits = "".join(text[index] for index in positions)
        found = digits.find(national)
        while found >= 0:
            span = _phone_span(text, run.start(), positions, digits, found, national, prefixes)
            if span:
                yield span
            found = digits.find(national, found + 1)


def _phone_span(
    text: str,
    run_start: int,
    positions: list[int],
    digits: str,
    found: int,
    national: str,
    prefixes: list[str],
) -> tuple[int, int] | None:
    end = found + len(national)
    if end < len(digits) and positions[end] == positions[end - 1] + 1:
        return None  # the number goes on: part of a longer one
    for prefix in prefixes:
        first = found - len(prefix)
        if first < 0 or not digits[:found].endswith(prefix):
            continue
        if first > 0 and positions[first - 1] == positions[first] - 1:
            continue  # glued to digits before it
        start = positions[first]
        plus = text[max(run_start, start - 2) : start].rstrip().endswith("+")
        international = prefix and not prefix.startswith("0") and prefix != "0"
        if international and not plus:
            continue  # "31…" without a "+" is no country code
        if plus:
            start = text.rindex("+", run_start, start)
        if start > 0 and text[start - 1] == "(" and ")" in text[start : positions[end - 1]]:
            start -= 1
        return start, positions[end - 1] + 1
    return None


def _year_matches(value: str | None, year: int) -> bool:
    if value is None:
        return True
    value = value.lstrip("'")
    return int(value) == (year if len(value) == 4 else year % 100)


def _date_spans(birth: dt.date, folded: str) -> Iterator[tuple[int, int]]:
    yield from _full_date_spans(birth, folded)
    yield from _partial_date_spans(birth, folded)


def _full_date_spans(birth: dt.date, folded: str) -> Iterator[tuple[int, int]]:
    """The birth date written with day and month: numeric, ISO or with the month's name."""
    for match in _NUMERIC_DATE_RE.finditer(folded):
        day, _, month, year = match.groups()
        if (int(day), int(month)) == (birth.day, birth.month) and _year_matches(year, birth.year):
            yield match.span()
    for match in _ISO_DATE_RE.finditer(folded):
        year, _, month, day = match.groups()
        if (int(year), int(month), int(day)) == (birth.year, birth.month, birth.day):
            yield match.span()
    for match in _WRITTEN_DATE_RE.finditer(folded):
        day, month, year = match.groups()
        same_day = (int(day), _MONTH_NUMBER[month]) == (birth.day, birth.month)
        if same_day and _year_matches(year, birth.year):
            yield match.span()


def _partial_date_spans(birth: dt.date, folded: str) -> Iterator[tuple[int, int]]:
    """The birth day and month without a year ("05-03"), and the birth year after "geboren"."""
    for match in _PADDED_DAY_MONTH_RE.finditer(folded):
        if (int(match.group(1)), int(match.group(2))) == (birth.day, birth.month):
            yield match.span()
    for match in _BIRTH_YEAR_RE.finditer(folded):
        if int(match.group(1)) == birth.year:
            yield match.span(1)


def _email_patterns(email: str | None) -> Iterator[_Pattern]:
    if not email or "@" not in email:
        return
    folded = fold(email.strip())
    yield _Pattern(
        re.compile(r"(?<![\w.+-])" + re.escape(folded) + r"(?![\w-])"), Kind.CONTACT, "e-mailadres"
    )
    local = folded.split("@", 1)[0]
    if len(local) >= 6:
        yield _Pattern(
            re.compile(r"(?<![\w.@])" + re.escape(local) + r"(?![\w@])"),
            Kind.CONTACT,
            "e-mailadres",
        )


@lru_cache(maxsize=64)
def _compiled(fields: ResidentFields, nicknames: bool) -> tuple[_Pattern, ...]:
    patterns: list[_Pattern] = []
    patterns.extend(_name_patterns(fields, nicknames))
    patterns.extend(_address_patterns(fields))
    patterns.extend(_email_patterns(fields.email))
    return tuple(patterns)


def clear_pattern_cache() -> None:
    """Forget the compiled per-resident patterns (benchmarks; after a data purge)."""
    _compiled.cache_clear()


def find_own_fields(fields: ResidentFields, text: str, *, nicknames: bool = False) -> list[Span]:
    """Every place where one of the resident's own fields (or a variant) occurs.

    Spans may overlap (a street with and without its number); the longest comes first
    at each start. With ``nicknames`` the common Dutch short forms of the first name
    ("Wim" for Willem) are included, as category "roepnaam".
    """
    folded = fold(text)
    found: dict[tuple[int, int], Span] = {}
    for pattern in _compiled(fields, nicknames):
        for start, end in _matches(pattern, text, folded):
            found.setdefault(
                (start, end), Span(start, end, pattern.kind, pattern.category, own=True)
            )
    if nicknames:
        for start, end in list(_first_names_before_surname(text, list(found.values()))):
            found.setdefault((start, end), Span(start, end, Kind.NAME, "roepnaam", own=True))
    generic = (
        (_postcode_spans(fields.postcode, folded), Kind.ADDRESS_PART, "postcode"),
        (_phone_spans(fields.phone, text), Kind.CONTACT, "telefoonnummer"),
        (_date_spans(fields.birth_date, folded), Kind.BIRTH_DATE, "geboortedatum"),
    )
    for spans, kind, category in generic:
        for start, end in spans:
            found.setdefault((start, end), Span(start, end, kind, category, own=True))
    return sorted(found.values(), key=lambda span: (span.start, -span.end))


def _matches(pattern: _Pattern, text: str, folded: str) -> Iterator[tuple[int, int]]:
    """Where ``pattern`` matches, as its case rules allow."""
    for match in pattern.regex.finditer(folded):
        start, end = match.span(pattern.group)
        if start == end:
            continue
        if pattern.capital_sensitive and not _capital_ok(text, start, end):
            continue
        if pattern.capital_only and not text[start].isupper():
            continue
        yield start, end


_WORD_BEFORE_RE = re.compile(r"([^\W\d_][\w'’]*)[ \t]+$")
_NOT_A_FIRST_NAME = wordset(
    "ben van den der ter ten het een met bij aan dan mijn zijn haar meneer mevrouw"
)


def _first_names_before_surname(text: str, spans: Iterable[Span]) -> Iterator[tuple[int, int]]:
    """ "ton koning": any first name right before the resident's surname is the name they
    go by, whatever its case."""
    from niemand_alleen.anonymiser.vocabulary import vocabulary

    first_names = vocabulary().first_names
    for span in spans:
        if span.category != "achternaam":
            continue
        before = _WORD_BEFORE_RE.search(text[max(0, span.start - 40) : span.start])
        if before is None:
            continue
        word = fold(before.group(1))
        if word in first_names and word not in _NOT_A_FIRST_NAME:
            start = span.start - (len(before.group(0)))
            yield start, start + len(before.group(1))


def _capital_ok(text: str, start: int, end: int) -> bool:
    """A lower-case match right after an article is a common noun, not the name."""
    if text[start].isupper():
        return True
    return _LOWER_NOUN_CONTEXT.search(text[max(0, start - 12) : start].lower()) is None
