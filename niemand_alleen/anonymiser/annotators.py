"""docdeid annotators for what deduce misses in social-work descriptions.

They are added to deduce's own pipeline (before its ``post_processing`` group, so deduce
resolves overlaps between its findings and ours). Each rule works on linguistic context
(a kinship word before a name, "verpleeghuis" before a name, "is 86") or on the format of
an identifier (IBAN checksum, licence-plate groups), never on memorised examples.

Only imported by the engine, after deduce is loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import docdeid as dd

from niemand_alleen.anonymiser.lexicon import (
    ACRONYMS,
    CARE_NOUNS,
    INSTITUTION_HEADS,
    LANGUAGES,
    MONTH_ALTERNATION,
    PROFESSIONAL_ROLES,
    ROLE_NOUNS,
    SOCIAL_PLATFORMS,
    TITLE_RE,
    TUSSENVOEGSELS,
    fold,
)

# Priorities: deduce uses 0 (1 for streets, 100 for BSN). Ours win ties on equal spans.
PRIORITY = 2

_WORD_RE = re.compile(r"\w+(?:['’\-]\w+)*\.?|[^\w\s]")
_CAP = r"[A-ZÀ-ÖØ-ÞĀ-ſ]"  # an upper-case letter (Latin, incl. Turkish/Polish forms)
_NAMEWORD = _CAP + r"[\w'’\-]*"


def _ann(text: str, start: int, end: int, tag: str, priority: int = PRIORITY) -> dd.Annotation:
    return dd.Annotation(
        text=text[start:end], start_char=start, end_char=end, tag=tag, priority=priority
    )


class _RuleAnnotator(dd.process.Annotator):
    """Runs a function ``(text) -> iterable of (start, end)`` and tags the spans."""

    def __init__(
        self, rule: Callable[[str], Iterable[tuple[int, int]]], tag: str, priority: int = PRIORITY
    ) -> None:
        self._rule = rule
        super().__init__(tag=tag, priority=priority)

    def annotate(self, doc: dd.Document) -> list[dd.Annotation]:
        text = doc.text
        return [
            _ann(text, start, end, self.tag, self.priority)
            for start, end in self._rule(text)
            if 0 <= start < end <= len(text)
        ]


# --- identifiers ---------------------------------------------------------------------

_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,3})?)"
    r"(?![A-Za-z0-9])"
)
_NL_IBAN_RE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if _NL_IBAN_RE.fullmatch(compact):
        return True
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha():
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def iban_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _IBAN_RE.finditer(text):
        candidate = match.group(1)
        # the optional trailing group may have taken the first letters of the next word
        while candidate and not _iban_ok(candidate):
            trimmed = re.sub(r"[ ]?[A-Za-z0-9]$", "", candidate)
            if trimmed == candidate or len(trimmed.replace(" ", "")) < 15:
                candidate = ""
                break
            candidate = trimmed
        if candidate:
            yield match.start(1), match.start(1) + len(candidate)


_PLATE_RE = re.compile(
    r"(?<![\w-])([A-Z]{1,3}|\d{1,3})-([A-Z]{1,3}|\d{1,3})-([A-Z]{1,3}|\d{1,3})(?![\w-])"
)
_PLATE_CONTEXT_RE = re.compile(
    r"\bkenteken(?:nummer|plaat)?\s*:?\s*([A-Za-z0-9]{1,3}-?[A-Za-z0-9]{1,3}-?[A-Za-z0-9]{1,3})\b",
    re.IGNORECASE,
)


def plate_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _PLATE_RE.finditer(text):
        groups = match.groups()
        if sum(map(len, groups)) != 6:
            continue
        if any(group.isalpha() for group in groups) and any(group.isdigit() for group in groups):
            yield match.span()
    for match in _PLATE_CONTEXT_RE.finditer(text):
        value = match.group(1)
        compact = value.replace("-", "")
        if len(compact) == 6 and re.search(r"\d", compact) and re.search(r"[A-Za-z]", compact):
            yield match.span(1)


_HANDLE_RE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?")
_PLATFORM_HANDLE_RE = re.compile(
    r"\b(?:" + "|".join(SOCIAL_PLATFORMS) + r")\b\s*(?:als|:|heet\s+(?:hij|ze|zij)|"
    r"onder\s+(?:de\s+)?naam|account|-?naam)?\s*:?\s*\(?(?P<handle>[@\w][\w.]{2,40}\w)",
    re.IGNORECASE,
)


def handle_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _HANDLE_RE.finditer(text):
        yield match.span()
    for match in _PLATFORM_HANDLE_RE.finditer(text):
        handle = match.group("handle")
        if handle.startswith("@") or re.search(r"[\d_.]", handle) or handle.islower():
            if fold(handle) in _NOT_HANDLES:
                continue
            yield match.span("handle")


_NOT_HANDLES = frozenset(
    ["als", "onder", "naam", "heet", "het", "een", "maar", "ook", "veel", "wel", "niet"]
)

_URL_RE = re.compile(
    r"(?<![@\w.\-])(?:(?:https?://|www\.)[^\s<>()\"']+|"
    r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:nl|com|org|net|eu|be|de|info|io|app|me|tv|nu|"
    r"online|site|shop|social|page|link|blog)(?:/[^\s<>()\"']*)?)(?![\w@])",
    re.IGNORECASE,
)


def url_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _URL_RE.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in ".,;:!?)":
            end -= 1
        yield start, end


_EMAIL_RE = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}(?![\w\-])")


def email_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _EMAIL_RE.finditer(text):
        yield match.span()


_INTL_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+|00)\s?\(?\d{1,3}\)?(?:[\s.\-/]*\(0\))?(?:[\s.\-/]{0,2}\d){6,13}(?!\d)"
)
_NATIONAL_PHONE_RE = re.compile(r"(?<![\w+])\(?0\d{1,3}\)?(?:[\s.\-/]{0,3}\d){6,9}(?!\d)")


def phone_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _INTL_PHONE_RE.finditer(text):
        if 9 <= len(re.sub(r"\D", "", match.group())) <= 15:
            yield match.span()
    for match in _NATIONAL_PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) == 10 or (
            digits[:4] in {"0800", "0900", "0906", "0909"} and len(digits) >= 8
        ):
            start, end = match.span()
            if text[start] == "(" and ")" not in match.group():
                start += 1  # "(06-12345678)": the bracket belongs to the sentence
            yield start, end


# --- ages and dates -------------------------------------------------------------------

_MIN_AGE, _MAX_AGE = 18, 115
_NOT_AGE_AFTER = (
    r"(?!\s*(?:%|procent|kilo|kg|keer|x\b|minuten|min\b|uur|dagen|weken|maanden|km|meter|m\b|"
    r"cm|euro|€|graden|punten|cent|stuks|trappen|treden|tabletten|mg|ml|liter)\b)"
    r"(?!\s*(?:jaar|jr\.?)\s+(?:geleden|getrouwd|samen|lid|weduwe|weduwnaar|gescheiden|"
    r"werkzaam|actief|alleen|in\b|op\b|bij\b|aan\b|mantelzorger|vrijwilliger|hier|daar))"
)
_AGE_RES = (
    # "is 86", "is bijna 92", "was 91 jaar", "wordt 80"
    re.compile(
        r"\b(?:is|was|wordt|werd|nu|inmiddels)\s+(?:(?:bijna|ruim|net|pas|inmiddels|nu|al|"
        r"ongeveer|zo'n|rond|circa|ca\.)\s+)?([1-9]\d{1,2})(?![\d.,:\-/]\d)" + _NOT_AGE_AFTER,
        re.IGNORECASE,
    ),
    # "Mevrouw Yılmaz (78)", "Daniëlle (34)"
    re.compile(r"(?<=[\w.] )\(([1-9]\d{1,2})(?:\s*(?:jaar|jr\.?))?\)"),
    # "De 92-jarige" (deduce ignores ages after "de")
    re.compile(r"\b[Dd]e\s+([1-9]\d{1,2})[\s\-]?jarige\b"),
    # "Mevrouw E. Bos, 76, is ..."
    re.compile(r"(?<=\w,\s)([1-9]\d{1,2})(?=\s*(?:jaar|jr\.?)?\s*[,.;])"),
)


def age_spans(text: str) -> Iterator[tuple[int, int]]:
    for regex in _AGE_RES:
        for match in regex.finditer(text):
            if _MIN_AGE <= int(match.group(1)) <= _MAX_AGE:
                yield match.span(1)


_DAY_MONTH_RE = re.compile(
    r"(?<![\d/.\-])([1-3]?\d)(?:e|ste|de)?\s+(?:" + MONTH_ALTERNATION + r")\.?(?![a-z])"
    r"(?!\s*'?\d{2,4})",
    re.IGNORECASE,
)


def day_month_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _DAY_MONTH_RE.finditer(text):
        if 1 <= int(match.group(1)) <= 31:
            yield match.span()


# --- places ---------------------------------------------------------------------------

_AREA_AFFIXES = re.compile(
    r"(?:\s+en omgeving.*$|\s+-\s+.*$|\s*[-\s](?:noord|zuid|oost|west|midden)$|\s+[ivx]+$)",
    re.IGNORECASE,
)
_AREA_SKIP = frozenset({"centrum", "verspreide bebouwing", "industriegebied west"})


def area_names(geojson_paths: Iterable[Path]) -> list[str]:
    """Wijk and buurt names (with simple variants) from CBS ``statnaam`` values."""
    names: set[str] = set()
    for path in geojson_paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        for feature in data.get("features", []):
            raw = str(feature.get("properties", {}).get("statnaam") or "")
            raw = re.sub(r"^Wijk\s+\d+\s+", "", raw).strip()
            for part in re.split(r"\s*/\s*|\s+en\s+(?=[A-Z'])", raw):
                part = re.sub(r"\s+en omgeving.*$", "", part).strip()
                variants = {part, _AREA_AFFIXES.sub("", part).strip()}
                for variant in list(variants):
                    short = re.sub(r"^(?:Oud|Nieuw)[\s\-]+", "", variant, flags=re.IGNORECASE)
                    variants.add(short)
                for variant in variants:
                    if len(variant) >= 4 and fold(variant) not in _AREA_SKIP:
                        names.add(variant[0].upper() + variant[1:])
    return sorted(names, key=len, reverse=True)


class AreaRule:
    """Names of wijken and buurten, and "wijk X" / "de Xbuurt" patterns."""

    _GENERIC = re.compile(
        r"\b(?:wijk|buurt|woonwijk|nieuwbouwwijk|stadsdeel)\s+("
        + _NAMEWORD
        + r"(?:[\s\-]+"
        + _NAMEWORD
        + r")?)"
        r"|\b((?:" + _NAMEWORD + r"\s+)?" + _CAP + r"[\w\-]*(?:buurt|Buurt|wijk|kwartier))\b"
    )
    _LOWER_CONTEXT = re.compile(r"\b(?:wijk|buurt|in|uit|naar|bij|rond|vanuit)\s+(?:de\s+)?$")

    def __init__(self, names: Iterable[str]) -> None:
        alternation = "|".join(
            r"[\s\-]+".join(re.escape(word) for word in re.split(r"[\s\-]+", name))
            for name in names
        )
        self._names = re.compile(r"(?<![\w\-])(?:" + alternation + r")(?![\w\-])", re.IGNORECASE)

    def __call__(self, text: str) -> Iterator[tuple[int, int]]:
        for match in self._names.finditer(text):
            start, end = match.span()
            if text[start].isupper() or self._LOWER_CONTEXT.search(
                text[max(0, start - 20) : start]
            ):
                yield start, end
        for match in self._GENERIC.finditer(text):
            group = 1 if match.group(1) else 2
            yield match.span(group)


# --- people ---------------------------------------------------------------------------


@lru_cache(maxsize=4)  # three rules tokenise the same text in a row
def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]


class NameRules:
    """Names deduce misses: after a kinship/role word, in ALL CAPS, or in lower case."""

    def __init__(self, lookup: dd.ds.DsCollection) -> None:
        self._first = cast(dd.ds.LookupTrie, lookup["first_name"])
        self._surname = cast(dd.ds.LookupTrie, lookup["surname"])
        self._whitelist = cast(dd.ds.LookupSet, lookup["whitelist"])

    def _known_name(self, word: str) -> bool:
        title = word[:1].upper() + word[1:].lower()
        return [title] in self._first or [title] in self._surname

    def _is_common(self, word: str) -> bool:
        return word.lower() in self._whitelist

    def _name_like(self, word: str) -> bool:
        bare = word.rstrip(".")
        if len(bare) < 2 or not bare[0].isupper() or any(char.isdigit() for char in bare):
            return False
        if bare.isupper() and (bare in ACRONYMS or len(bare) <= 2):
            return False
        if fold(bare) in LANGUAGES or TITLE_RE.fullmatch(bare):
            return False
        return not (bare.isupper() and not self._known_name(bare))

    def role_names(self, text: str) -> Iterator[tuple[int, int]]:
        tokens = _tokens(text)
        for index, (_, _, word) in enumerate(tokens):
            if fold(word) not in ROLE_NOUNS:
                continue
            position = index + 1
            while position < len(tokens) and tokens[position][2] in {",", ":"}:
                position += 1
            position = self._skip_titles(tokens, position)
            span = self._collect_name(tokens, position, allow_lower=True)
            if span:
                yield span

    def _skip_titles(self, tokens: list[tuple[int, int, str]], position: int) -> int:
        while position < len(tokens):
            word = tokens[position][2]
            if (
                word.lower() == "de"
                and position + 1 < len(tokens)
                and (tokens[position + 1][2].lower().startswith("heer"))
            ):
                position += 2
            elif TITLE_RE.fullmatch(word):
                position += 1
                if position < len(tokens) and tokens[position][2] == ".":
                    position += 1
            else:
                break
        return position

    def _collect_name(
        self, tokens: list[tuple[int, int, str]], position: int, *, allow_lower: bool
    ) -> tuple[int, int] | None:
        start = end = None
        while position < len(tokens):
            token_start, token_end, word = tokens[position]
            bare = word.rstrip(".")
            if re.fullmatch(_CAP + r"\.?", word) or (  # an initial: "J." / "J"
                len(bare) == 1 and bare.isupper()
            ):
                token_end = token_start + len(bare) + (1 if word.endswith(".") else 0)
            elif self._name_like(word):
                token_end = token_start + len(bare)
            elif (
                allow_lower
                and start is None
                and word.islower()
                and len(word) >= 3
                and self._known_name(word)
                and not self._is_common(word)
            ) or (
                start is not None
                and fold(word) in TUSSENVOEGSELS
                and position + 1 < len(tokens)
                and self._name_like(tokens[position + 1][2])
                and not tokens[position + 1][2].isupper()
            ):
                pass
            else:
                break
            if start is None:
                start = token_start
            end = token_end
            position += 1
            if word.endswith(".") and len(bare) > 1:
                break
        if start is None or end is None:
            return None
        return start, end

    def caps_names(self, text: str) -> Iterator[tuple[int, int]]:
        tokens = _tokens(text)
        index = 0
        while index < len(tokens):
            start, end, word = tokens[index]
            if (
                word.isupper()
                and len(word) >= 3
                and word.isalpha()
                and word not in ACRONYMS
                and (self._known_name(word) and not self._is_common(word))
            ):
                last = end
                position = index + 1
                while position < len(tokens):
                    next_word = tokens[position][2]
                    if (
                        next_word.isupper()
                        and next_word.isalpha()
                        and (
                            fold(next_word) in TUSSENVOEGSELS
                            or (self._known_name(next_word) and not self._is_common(next_word))
                        )
                    ):
                        if fold(next_word) not in TUSSENVOEGSELS:
                            last = tokens[position][1]
                        position += 1
                    else:
                        break
                yield start, last
                index = position
            else:
                index += 1


# --- institutions ---------------------------------------------------------------------

_ORG_WORD = _CAP + r"[\w'’&\-]*"
_ORG_NAME = (
    r"(?:(?:[Dd]e|[Hh]et|'t)[ \t]+)?"
    + _ORG_WORD
    + r"(?:[ \t]+(?:"
    + _ORG_WORD
    + r"|(?:van|de|der|den|het|aan|op|in|'t)(?=[ \t]+"
    + _CAP
    + r")))*"
)
_ORG_NAME_RE = re.compile(_ORG_NAME)
_NAMEWORD_RE = re.compile(_NAMEWORD)
_GAP_RE = re.compile(r"[ \t]+")
_HEADS = frozenset(INSTITUTION_HEADS)
_CARE_WORDS = CARE_NOUNS | frozenset(
    [
        "begeleid",
        "ondersteund",
        "geholpen",
        "verzorgd",
        "doorverwezen",
        "aangemeld",
        "behandeld",
        "bezocht",
        "werkt",
        "werkzaam",
        "verblijft",
        "opgenomen",
    ]
)
_ORG_PREPS = frozenset(["van", "bij", "via", "door", "vanuit", "namens"])


def _org_after(text: str, position: int) -> tuple[int, int] | None:
    """The organisation name starting after the blanks at ``position``, if any."""
    gap = _GAP_RE.match(text, position)
    if gap is None:
        return None
    match = _ORG_NAME_RE.match(text, gap.end())
    return match.span() if match else None


def _institution_context_spans(text: str) -> Iterator[tuple[int, int]]:
    """A capitalised name after an institution word ("verpleeghuis De Merwelanden"), after
    "<care word> van|bij|via|door" ("thuiszorg van Careyn"), or after "<professional> <Name>
    van|bij" ("begeleider Sandra van MEE")."""
    tokens = _tokens(text)
    words = [(start, end, fold(word)) for start, end, word in tokens if word[:1].isalnum()]
    for index, (_, end, word) in enumerate(words):
        if word in _HEADS:
            span = _org_after(text, end)
            if span:
                yield span
        if word in _HEADS or word in _CARE_WORDS:
            span = _org_after_preposition(text, words, index)
            if span:
                yield span
        if word in PROFESSIONAL_ROLES:
            span = _org_after_professional(text, end)
            if span:
                yield span


def _org_after_preposition(
    text: str, words: list[tuple[int, int, str]], index: int
) -> tuple[int, int] | None:
    """The name after "<word> van|bij|via|door" when word ``index`` is followed by one."""
    end = words[index][1]
    following = words[index + 1] if index + 1 < len(words) else None
    if following and following[2] in _ORG_PREPS and not text[end : following[0]].strip():
        return _org_after(text, following[1])
    return None


_VAN_BIJ_RE = re.compile(r"[ \t]+(?:van|bij)(?=[ \t])")


def _org_after_professional(text: str, end: int) -> tuple[int, int] | None:
    """The name after "<professional> <Name> [<Name>] van|bij" (professional ends at end)."""
    cursor = end
    for _ in range(2):
        gap = _GAP_RE.match(text, cursor)
        name = _NAMEWORD_RE.match(text, gap.end()) if gap else None
        if not name:
            return None
        cursor = name.end()
        prep = _VAN_BIJ_RE.match(text, cursor)
        if prep:
            return _org_after(text, prep.end())
    return None


_COMPOUND_RE = re.compile(
    r"(?<![\w\-])("
    + _CAP
    + r"[\w&]+)-(?=(?:huur|senioren|zorg|aanleun)?(?:woning|flat|appartement|"
    r"thuiszorg|zorg|team|medewerker|medewerkster|begeleider|begeleidster|wijkverpleegkundige|"
    r"huis|locatie|vestiging|kantoor|bus|taxi)\b)"
)
_CAMEL_RE = re.compile(r"(?<![\w@.])(" + _CAP + r"?[a-z]+[A-Z][A-Za-z]+)(?![\w@])")


def institution_spans(text: str) -> Iterator[tuple[int, int]]:
    yield from _institution_context_spans(text)
    for match in _COMPOUND_RE.finditer(text):
        yield match.span(1)
    for match in _CAMEL_RE.finditer(text):
        if fold(match.group(1)) not in SOCIAL_PLATFORMS:
            yield match.span(1)


# --- post-processing ------------------------------------------------------------------

_ADDRESS_PREP = re.compile(
    r"\b(?:aan|op|in|naar|bij|van|langs|vlakbij|nabij|richting|tegenover|achter|via)"
    r"\s+(?:de|het|'t)\s+$",
    re.IGNORECASE,
)
# Suffixes that make a bare capitalised word a street on its own ("Vrieseweg"); names
# ending in -hof, -dam or -park are as often a wijk, a town or a park.
_STREET_SUFFIX_RE = re.compile(
    r"(?:straat|laan|weg|plein|dijk|kade|gracht|singel|steeg|dreef|plantsoen|boulevard|erf|"
    r"pad|wal|straatje|laantje|weggetje)$"
)
_LEADING_NON_NAME = re.compile(r"^(?:(?:[a-zà-ÿ][\w\-']*|(?i:" + TITLE_RE.pattern + r"))\.?\s+)+")


_PET_LEFT_RE = re.compile(
    r"\b(?:hond|hondje|kat|katje|poes|poesje|kater|vogel|parkiet|kanarie|konijn|cavia|"
    r"papegaai|pony|paard)\s*,?\s*$",
    re.IGNORECASE,
)


_PLACE_TAIL_RE = re.compile(r"\s+(?:uit|in|op|aan|bij|van|te)\s+(?:(?:de|het|den|der)\s+)?")


class CleanUp(dd.process.AnnotationProcessor):
    """Takes the place of deduce's ``remove_street_tags`` and tidies name annotations.

    - keeps a bare street name when it looks like one (capitalised with a street suffix,
      or after "aan de" / "op de" / ...) instead of dropping every bare street;
    - drops "names" that are languages ("spreekt Engels");
    - trims leading lower-case words and titles from names ("collega Tomasz Z." →
      "Tomasz Z."), so the rewriter sees the title itself.
    """

    def process_annotations(self, annotations: dd.AnnotationSet, text: str) -> dd.AnnotationSet:
        places = {
            (annotation.start_char, annotation.end_char)
            for annotation in annotations
            if annotation.tag in {"locatie", "buurt", "zorginstelling", "ziekenhuis"}
        }
        place_starts = {start for start, _ in places}
        kept = dd.AnnotationSet()
        for annotation in annotations:
            if (
                annotation.tag == "straat"
                and (annotation.start_char, annotation.end_char) in places
            ):
                continue  # "Rotterdam", "Dubbeldam" are places before they are street names
            if annotation.tag in {"persoon", "patient"}:
                annotation = self._cut_place_tail(annotation, text, place_starts)
            new = self._clean(annotation, text)
            if new is not None:
                kept.add(new)
        return kept

    @staticmethod
    def _cut_place_tail(
        annotation: dd.Annotation, text: str, place_starts: set[int]
    ) -> dd.Annotation:
        """ "Petra Kuipers uit de Bloemenbuurt": "uit de" is no tussenvoegsel before a place."""
        for match in _PLACE_TAIL_RE.finditer(annotation.text):
            if annotation.start_char + match.end() in place_starts:
                end = annotation.start_char + match.start()
                return _ann(text, annotation.start_char, end, annotation.tag, annotation.priority)
        return annotation

    @staticmethod
    def _clean(annotation: dd.Annotation, text: str) -> dd.Annotation | None:
        if annotation.tag == "straat":
            words = annotation.text.split()
            if not annotation.text[:1].isupper():
                return None
            if _STREET_SUFFIX_RE.search(fold(words[-1])) or _ADDRESS_PREP.search(
                text[max(0, annotation.start_char - 20) : annotation.start_char]
            ):
                return annotation
            return None
        if annotation.tag in {"persoon", "patient"} or "naam" in annotation.tag:
            if fold(annotation.text.strip()) in LANGUAGES:
                return None
            if _PET_LEFT_RE.search(
                text[max(0, annotation.start_char - 20) : annotation.start_char]
            ):
                return None  # "haar hond Bello": a pet's name identifies nobody
            match = _LEADING_NON_NAME.match(annotation.text)
            first = re.match(r"([\w\-]+)\s+", annotation.text)
            if first and fold(first.group(1)) in ROLE_NOUNS:  # "Buurman Jos Verbeek"
                start = annotation.start_char + first.end()
                return _ann(text, start, annotation.end_char, annotation.tag, annotation.priority)
            if match and match.end() < len(annotation.text):
                start = annotation.start_char + match.end()
                return _ann(text, start, annotation.end_char, annotation.tag, annotation.priority)
            if match:
                return None
        return annotation


def build_annotators(lookup: dd.ds.DsCollection, area_rule: AreaRule) -> list[tuple[str, Any]]:
    """(name, annotator) pairs, in the order they are added to deduce's pipeline."""
    names = NameRules(lookup)
    return [
        ("na_iban", _RuleAnnotator(iban_spans, "iban", priority=PRIORITY + 1)),
        ("na_plate", _RuleAnnotator(plate_spans, "kenteken")),
        ("na_handle", _RuleAnnotator(handle_spans, "handle")),
        ("na_email", _RuleAnnotator(email_spans, "emailadres", priority=1)),
        ("na_url", _RuleAnnotator(url_spans, "url", priority=0)),
        ("na_phone", _RuleAnnotator(phone_spans, "telefoonnummer")),
        ("na_age", _RuleAnnotator(age_spans, "leeftijd")),
        ("na_day_month", _RuleAnnotator(day_month_spans, "datum", priority=1)),
        ("na_area", _RuleAnnotator(area_rule, "buurt")),
        ("na_institution", _RuleAnnotator(institution_spans, "zorginstelling")),
        ("na_role_name", _RuleAnnotator(names.role_names, "persoon", priority=0)),
        ("na_caps_name", _RuleAnnotator(names.caps_names, "persoon")),
    ]
