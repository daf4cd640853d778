"""Turn found spans into natural Dutch: "haar dochter", "in de wijk", "in de 80".

Pure (no deduce): it gets the text and the spans and decides, from the words around
each span, what to put in its place, then tidies punctuation and drops sentences that
only carried contact details ("Tel: 06-…").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from niemand_alleen.anonymiser.lexicon import (
    ABBREVIATIONS,
    CONTACT_FILLER,
    CONTACT_LABEL_RE,
    DETERMINERS,
    FEMALE_TITLES,
    GENDER_CUES,
    INSTITUTION_HEADS,
    NICKNAME_VERBS,
    PLACE_HEADS,
    ROLE_NOUNS,
    TITLE_RE,
    TUSSENVOEGSELS,
    fold,
)
from niemand_alleen.anonymiser.model import Kind, Span
from niemand_alleen.anonymiser.sentences import split_sentences

GONE = "\x00"  # marks a removed item until the sentence is tidied
DROP = "\x01"  # marks a sentence that must go as a whole

_RANK = {
    Kind.IDENTIFIER: 9, Kind.CONTACT: 9, Kind.BIRTH_DATE: 8, Kind.STREET: 7,
    Kind.ADDRESS_PART: 7, Kind.INSTITUTION: 6, Kind.AREA: 5, Kind.DATE: 4, Kind.NAME: 3,
    Kind.PLACE: 2, Kind.AGE: 1,
}  # fmt: skip
_ADDRESSISH = {Kind.STREET, Kind.ADDRESS_PART}

_ROLE_ALT = "|".join(sorted((re.escape(role) for role in ROLE_NOUNS), key=len, reverse=True))
_DET_ALT = "|".join(sorted((re.escape(det) for det in DETERMINERS), key=len, reverse=True))
_ROLE_LEFT_RE = re.compile(
    r"(?:\b(?P<det>" + _DET_ALT + r")\s+)?(?:[\w\-]+\s+){0,2}?\b(?P<role>" + _ROLE_ALT + r")"
    r"(?P<tail>(?:\s+(?:van|bij)\s+[^,.;:()\n]{1,40}?)?\s*(?P<punct>[,:(])?\s*)$",
    re.IGNORECASE,
)
_ROLE_RIGHT_RE = re.compile(
    r"\s*,\s*(?P<phrase>(?:" + _DET_ALT + r")\s+(?:[\w\-]+\s+)?(?:" + _ROLE_ALT + r"))\s*,",
    re.IGNORECASE,
)
_ROLE_IS_RE = re.compile(r"\b(?:" + _ROLE_ALT + r")\s+(?:is|was|heet)\s+$", re.IGNORECASE)
_TITLE_LEFT_RE = re.compile(r"(?:\b" + TITLE_RE.pattern + r")\s*$", re.IGNORECASE)
_INITIALS_LEFT_RE = re.compile(r"(?:(?<![\w.])[A-Z]\.\s*)+$")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:]\s+|\n\s*)$")
_PREPS = (
    r"aan|op|in|bij|naar|van|langs|vlakbij|vlak\s+bij|dichtbij|dicht\s+bij|nabij|richting|"
    r"tegenover|achter|via|vanaf|uit|vanuit|rond|om"
)
_PLACE_LEFT_RE = re.compile(
    r"(?:\b(?P<prep>" + _PREPS + r")\s+)?(?:(?<![\w'])(?P<art>de|het|'t)\s+)?"
    r"(?P<noun>(?<!\w)(?:wijk|buurt)\s+)?(?:(?<!\w)(?:huisnummer|nummer|nr\.?|no\.)\s*)?$",
    re.IGNORECASE,
)
_ATTRIBUTIVE_LEFT_RE = re.compile(
    r"\b(?:" + _PREPS + r")\s+(?P<noun>[a-zà-ÿ][a-zà-ÿ\-]{3,})\s+$", re.IGNORECASE
)
_HEAD_ALT = "|".join(sorted(INSTITUTION_HEADS, key=len, reverse=True))
_HEAD_LEFT_RE = re.compile(r"\b(?P<head>" + _HEAD_ALT + r")\s+$", re.IGNORECASE)
_HEAD_IN_NAME_RE = re.compile(r"\b(?P<head>" + _HEAD_ALT + r")\b", re.IGNORECASE)
_CARE_PREP_LEFT_RE = re.compile(
    r"(?P<all>\s+(?P<prep>van|bij|via|door|vanuit|namens)\s+(?:(?:de|het)\s+)?)$", re.IGNORECASE
)
_DATE_LEFT_RE = re.compile(
    r"(?:\b(?P<prep>op|sinds|vanaf|per|tot|na|voor|rond|omstreeks|in|van)\s+)?$", re.IGNORECASE
)
_BIRTH_WORDS_RE = re.compile(
    r"\b(?:geboren|geb|geboortedatum|geboortejaar|jarig|verjaardag)\b", re.IGNORECASE
)
_BIRTH_APPOSITION_LEFT_RE = re.compile(
    r"(?P<open>[,(])\s*(?:(?:geboren|geb\.?|geboortedatum:?)\s*)?(?:op\s+)?$", re.IGNORECASE
)
_AGE_MODIFIER_LEFT_RE = re.compile(
    r"\b(?:bijna|ruim|net|pas|ongeveer|zo'n|rond|circa|ca\.)\s+$", re.IGNORECASE
)
_AGE_UNIT_RIGHT_RE = re.compile(r"^(?:[\s\-]*(?:jaar|jr)(?:\.(?=\s*[,;)]))?(?:\s+oud)?)", re.I)
_AGE_ADJ_RIGHT_RE = re.compile(r"^[\s\-]*jarige\b", re.IGNORECASE)
_FUNCTION_WORDS = frozenset(
    [
        "die",
        "dat",
        "wie",
        "is",
        "was",
        "heeft",
        "had",
        "woont",
        "wordt",
        "werd",
        "en",
        "of",
        "maar",
        "met",
        "van",
        "in",
        "op",
        "uit",
        "bij",
        "voor",
        "na",
        "om",
        "te",
        "die",
        "zij",
        "ze",
        "hij",
        "haar",
        "zijn",
        "kan",
        "wil",
        "zou",
        "moet",
    ]
)

_NICKNAME_CLAUSE_RES = (
    # ", door iedereen Wim genoemd,"
    re.compile(
        r"\s*,?\s*\bdoor\s+(?:iedereen|vrienden|familie|de\s+buurt|(?:haar|zijn)\s+\w+)\s+"
        r"(?P<n>[A-Z][\w'\-]+)\s+genoemd\s*(?P<close>,)?",
        re.UNICODE,
    ),
    # "Dannie, zoals ze zichzelf noemt," (the name itself is replaced separately)
    re.compile(
        r"(?<=[A-Za-zÀ-ÿ])(?P<clause>\s*,\s*zoals\s+(?:hij|ze|zij|iedereen|men|vrienden|"
        r"(?:haar|zijn)\s+\w+)\s+(?:\w+\s+){0,3}?(?:noemt|noemen|genoemd\s+wordt|"
        r"wordt\s+genoemd|heet)\s*,?)",
    ),
    # "(ook wel Mien)" / ", roepnaam Mien," / "Joke (roepnaam)"
    re.compile(r"\s*[,(]\s*(?:ook\s+wel|roepnaam:?|alias)\s+(?P<n>[A-Z][\w'\-]+)\s*[,)]?"),
    re.compile(r"\s*\(\s*(?:roepnaam|bijnaam|voornaam)\s*\)"),
)
_NICKNAME_NAME_RES = (
    re.compile(r"\b(?:wordt|werd)\s+(?P<n>[A-Z][\w'\-]+)\s+genoemd"),
    re.compile(r"(?P<n>[A-Z][\w'\-]+)\s*,\s*zoals\s+[^,.]{0,40}?\b(?:noemt|noemen|genoemd|heet)"),
    re.compile(r"\b(?:noemt|noemen)\s+(?:haar|hem|zich(?:zelf)?)\s+(?P<n>[A-Z][\w'\-]+)"),
    re.compile(r"\bdoor\s+[^,.]{0,25}?\s(?P<n>[A-Z][\w'\-]+)\s+genoemd"),
    re.compile(r"\b(?:ook\s+wel|roepnaam:?|alias)\s+(?P<n>[A-Z][\w'\-]+)"),
)


@dataclass(frozen=True)
class RewriteContext:
    first_names: frozenset[str]  # folded words of the resident's first name(s)
    nicknames: frozenset[str]  # folded short forms (table + declared in the text)
    surname_words: frozenset[str]  # folded core words of the surname
    keep_places: frozenset[str]  # folded municipality/province/country names to keep
    wijk: str | None  # folded name of the resident's own wijk (it is published anyway)


@dataclass
class _Group:
    start: int
    end: int
    kind: Kind
    category: str
    own: bool
    members: list[Span] = field(default_factory=list)


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    role_removal: bool = False


@dataclass
class RewriteResult:
    text: str
    groups: list[tuple[int, int, str, bool]]  # start, end, category, own


# --- grouping -------------------------------------------------------------------------


_LOCATIVE_LEFT_RE = re.compile(r"\b(?:in|uit|naar|vanuit|richting|nabij|te|bij)\s+$", re.IGNORECASE)


def clusters(text: str, spans: Iterable[Span]) -> list[_Group]:
    """Merge overlapping spans; each cluster takes the kind of its best member."""
    ordered = sorted(spans, key=lambda span: (span.start, -span.end))
    groups: list[_Group] = []
    for span in ordered:
        if groups and span.start < groups[-1].end:
            group = groups[-1]
            group.end = max(group.end, span.end)
            group.members.append(span)
        else:
            groups.append(_Group(span.start, span.end, span.kind, span.category, span.own, [span]))
    for group in groups:
        locative = bool(_LOCATIVE_LEFT_RE.search(text[max(0, group.start - 12) : group.start]))

        def rank(span: Span, locative: bool = locative) -> int:
            if locative and span.kind in {Kind.PLACE, Kind.AREA}:
                return 10  # "woont in Den Haag": a place, not the surname "Haag"
            return _RANK[span.kind]

        best = max(
            group.members,
            key=lambda span: (span.end - span.start, span.own, rank(span)),
        )
        group.kind, group.category = best.kind, best.category
        group.own = any(member.own for member in group.members)
    return groups


_NAME_GAP_RE = re.compile(r"^(?:[\s\-]*|\s*(?:[A-Z]\.\s*)+|\s+(?:[a-z']{1,3}\s+){1,3})$")
_ADDRESS_GAP_RE = re.compile(r"^\s*,?\s*(?:(?:nr|nummer|no)\.?\s*)?$", re.IGNORECASE)


def _join_adjacent(text: str, groups: list[_Group]) -> list[_Group]:
    joined: list[_Group] = []
    for group in groups:
        if joined:
            last = joined[-1]
            gap = text[last.end : group.start]
            names = last.kind is Kind.NAME and group.kind is Kind.NAME
            if (
                names
                and _NAME_GAP_RE.match(gap)
                and (
                    not gap.strip()
                    or "-" in gap
                    or all(
                        fold(word) in TUSSENVOEGSELS or re.fullmatch(r"[A-Z]\.", word)
                        for word in gap.split()
                    )
                )
            ):
                last.end = group.end
                last.members.extend(group.members)
                last.own = last.own or group.own
                continue
            address = last.kind in _ADDRESSISH and group.kind in (
                _ADDRESSISH | {Kind.PLACE, Kind.AREA}
            )
            if address and _ADDRESS_GAP_RE.match(gap):
                last.end = group.end
                last.members.extend(group.members)
                last.own = last.own or group.own
                if group.kind is Kind.STREET:
                    last.kind = Kind.STREET
                continue
        joined.append(group)
    return joined


# --- helpers --------------------------------------------------------------------------


def _left(text: str, position: int, width: int = 90) -> str:
    """The text before ``position`` within the same sentence (or line)."""
    window = text[max(0, position - width) : position]
    cut = max(window.rfind("\n"), _last_sentence_end(window))
    return window[cut + 1 :] if cut >= 0 else window


def _last_sentence_end(window: str) -> int:
    best = -1
    for match in re.finditer(r"[.!?](?=\s)", window):
        before = window[: match.start()]
        word = re.search(r"([\w'’\-]+)$", before)
        token = fold(word.group(1)) if word else ""
        if token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token) or token.isdigit():
            continue
        best = match.start()
    return best


def _at_sentence_start(text: str, position: int) -> bool:
    return bool(_SENTENCE_START_RE.search(text[max(0, position - 3) : position])) or (
        not text[:position].strip()
    )


def _cap(word: str, text: str, position: int) -> str:
    if word and _at_sentence_start(text, position):
        return word[0].upper() + word[1:]
    return word


def infer_gender(text: str) -> str | None:
    """ "f", "m" or None, from titles and pronouns in the text (weighted)."""
    female = male = 0
    for regex, gender, weight in GENDER_CUES:
        count = len(regex.findall(text)) * weight
        if gender == "f":
            female += count
        else:
            male += count
    if female > male:
        return "f"
    if male > female:
        return "m"
    return None


def _title_gender(title: str) -> str | None:
    folded = fold(title).rstrip(".").strip()
    if folded in FEMALE_TITLES:
        return "f"
    if folded in {"meneer", "mijnheer", "dhr", "de heer", "heer", "mnr", "mr"}:
        return "m"
    return None


def _title_word(title: str) -> str:
    folded = fold(title).rstrip(".").strip()
    if folded == "heer":
        return "heer"
    if folded == "de heer":
        return "de heer"
    gender = _title_gender(title)
    if gender == "f":
        return "mevrouw"
    if gender == "m":
        return "meneer"
    return "de dokter" if folded in {"dokter", "dr"} else ""


def _name_tokens(text: str) -> list[str]:
    tokens = []
    for word in re.findall(r"[^\W\d_][\w'’]*", text):
        folded = fold(word)
        if folded in TUSSENVOEGSELS or TITLE_RE.fullmatch(word) or len(word) == 1:
            continue
        tokens.append(folded)
    return tokens


def _strip_possessive(token: str) -> str:
    return re.sub(r"(?:'s|')$", "", token)


def _damerau1(first: str, second: str) -> bool:
    if first == second:
        return True
    if abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        diffs = [index for index, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and first[diffs[0]] == second[diffs[1]]
            and first[diffs[1]] == second[diffs[0]]
        )
    shorter, longer = sorted((first, second), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _is_resident_token(token: str, context: RewriteContext) -> bool:
    token = _strip_possessive(token)
    if token in context.first_names or token in context.nicknames:
        return True
    for name in context.first_names:
        if token.endswith("s") and token[:-1] == name:
            return True
        if 2 <= len(token) <= len(name) - 2 and name.startswith(token):
            return True
        if len(name) > 3 and _damerau1(token, name):
            return True
        if len(token) >= 3 and token[:3] in name and token[0] == name[0]:
            return True
    return False


def _is_resident_group(text: str, group: _Group, context: RewriteContext) -> bool:
    tokens = _name_tokens(text[group.start : group.end])
    if not tokens:
        return group.own
    first = tokens[0]
    if _is_resident_token(first, context):
        return True
    surname_hit = any(
        member.own and member.category == "achternaam" and member.start <= group.start + 1
        for member in group.members
    )
    first_is_surname = _strip_possessive(first) in context.surname_words or any(
        len(word) > 3 and _damerau1(_strip_possessive(first), word)
        for word in context.surname_words
    )
    return bool(first_is_surname or surname_hit)


def _possessive(text: str, group: _Group, context: RewriteContext) -> bool:
    raw = text[group.start : group.end]
    if re.search(r"['’]s?$", raw):
        return True
    last = fold(raw.split()[-1]) if raw.split() else ""
    return last.endswith("s") and last[:-1] in context.first_names


def _noun_end(text: str, position: int) -> int | None:
    """Where the noun phrase after an adjective ends ("83-jarige, alleenstaande man")."""
    cursor = position
    for _ in range(4):
        match = re.match(r"\s*,?\s*([a-zà-ÿ]+)", text[cursor:])
        if not match:
            return None
        word = match.group(1)
        after = text[cursor + match.end() :]
        next_word = re.match(r"\s*([a-zà-ÿ]+)", after)
        is_adjective = (
            word.endswith("e")
            and next_word
            and next_word.group(1) not in (_FUNCTION_WORDS)
            and not re.match(r"\s*[,.;:]", after)
        )
        cursor += match.end()
        if not is_adjective:
            return cursor
    return None


# --- per kind -------------------------------------------------------------------------


class _Rewriter:
    def __init__(self, text: str, context: RewriteContext) -> None:
        self.text = text
        self.context = context
        self.gender = infer_gender(text)
        self.roles: dict[str, str] = {}  # folded name token → "zijn vriend"
        self.edits: list[_Edit] = []
        self.declared = self._declared_nicknames()
        self.context = RewriteContext(
            first_names=context.first_names,
            nicknames=context.nicknames | self.declared,
            surname_words=context.surname_words,
            keep_places=context.keep_places,
            wijk=context.wijk,
        )

    def _declared_nicknames(self) -> frozenset[str]:
        found = set()
        for regex in _NICKNAME_NAME_RES:
            for match in regex.finditer(self.text):
                found.add(fold(match.group("n")))
        return frozenset(found)

    # names

    def name(self, group: _Group) -> None:
        text = self.text
        if _is_resident_group(text, group, self.context):
            self._resident(group)
        else:
            self._other_person(group)

    def _absorb_title(self, start: int) -> tuple[int, str]:
        left = _left(self.text, start, 40)
        initials = _INITIALS_LEFT_RE.search(left)
        if initials:
            start -= len(initials.group())
            left = left[: len(left) - len(initials.group())]
        title = _TITLE_LEFT_RE.search(left)
        if title and title.group().strip():
            return start - len(title.group()), title.group().strip()
        return start, ""

    def _resident(self, group: _Group) -> None:
        text = self.text
        start, title = self._absorb_title(group.start)
        end = group.end
        sentence = self._sentence_of(group.start)
        gender = _title_gender(title) or self.gender
        if _possessive(text, group, self.context):
            word = {"f": "haar", "m": "zijn"}.get(gender or "", "de")
        elif NICKNAME_VERBS.search(sentence) and not title and not _at_sentence_start(text, start):
            word = GONE
        elif title:
            word = _title_word(title) or {"f": "mevrouw", "m": "meneer"}.get(
                gender or "", "de bewoner"
            )
        else:
            word = {"f": "mevrouw", "m": "meneer"}.get(gender or "", "de bewoner")
        # "Mien (Wilhelmina)": a second name of the resident in brackets goes entirely
        if self.edits and self.edits[-1].text.lower() in {"mevrouw", "meneer", "de bewoner"}:
            between = text[self.edits[-1].end : start]
            if re.fullmatch(r"\s*\(\s*", between) and re.match(r"\s*\)", text[end:]):
                close = re.match(r"\s*\)", text[end:])
                assert close is not None
                self.edits.append(_Edit(self.edits[-1].end, end + close.end(), ""))
                return
        self.edits.append(_Edit(start, end, _cap(word, text, start)))

    def _other_person(self, group: _Group) -> None:
        text = self.text
        start, title = self._absorb_title(group.start)
        end = group.end
        tokens = _name_tokens(text[group.start : group.end])
        previous = self.edits[-1] if self.edits else None
        gap = text[previous.end : start] if previous else ""
        if previous and previous.role_removal and re.fullmatch(r"\s*(?:,|en|of|&)\s*", gap):
            self.edits.append(_Edit(previous.end, end, "", role_removal=True))
            return
        left = _left(text, start)
        role = _ROLE_LEFT_RE.search(left)
        if role:
            tail = role.group("tail")
            punct = role.group("punct")
            remove_from = start
            if punct == ":":
                remove_from = start - len(tail) + tail.index(":")
            elif punct == ",":
                comma = re.match(r"\s*,", text[end:])
                if comma:
                    remove_from = start - len(tail) + tail.index(",")
                    end += comma.end()
            elif punct == "(":
                close = re.match(r"\s*\)", text[end:])
                if close:
                    remove_from = start - len(tail) + tail.index("(")
                    end += close.end()
            phrase = (role.group("det") or "de").lower() + " " + role.group("role").lower()
            if phrase.startswith("een "):
                phrase = "die " + phrase[4:]
            for token in tokens:
                self.roles.setdefault(token, phrase)
            self.edits.append(_Edit(remove_from, end, "", role_removal=True))
            return
        apposition = _ROLE_RIGHT_RE.match(text[end:])
        if apposition:  # "Anja, haar dochter, belt" → "Haar dochter belt"
            phrase = apposition.group("phrase")
            for token in tokens:
                self.roles.setdefault(token, phrase.lower())
            self.edits.append(_Edit(start, end + apposition.end(), _cap(phrase, text, start)))
            return
        if _ROLE_IS_RE.search(left):
            self.edits.append(_Edit(start, end, "bekend"))
            return
        known = next((self.roles[token] for token in tokens if token in self.roles), None)
        if known:
            self.edits.append(_Edit(start, end, _cap(known, text, start)))
            return
        word = "de dokter" if _title_word(title) == "de dokter" else "iemand"
        self.edits.append(_Edit(start, end, _cap(word, text, start)))

    # places

    def _place_phrase(self, start: int, end: int, *, address: bool) -> None:
        text = self.text
        left = _left(text, start, 40)
        match = _PLACE_LEFT_RE.search(left)
        assert match is not None
        prep = fold(match.group("prep") or "")
        last_word = (
            fold(re.findall(r"[\w']+", text[start:end])[-1])
            if re.search(r"\w", text[start:end])
            else ""
        )
        head = next(
            (noun for suffix, noun in PLACE_HEADS.items() if last_word.endswith(suffix)), None
        )
        if match.group("noun"):  # "in de wijk Reeland": the noun stays, the name goes
            self.edits.append(
                _Edit(start - (len(match.group()) - len(match.group().rstrip())), end, "")
            )
            return
        new_start = start - len(match.group())
        attributive = _ATTRIBUTIVE_LEFT_RE.search(left)
        if not address and attributive and fold(attributive.group("noun")) not in _FUNCTION_WORDS:
            # "vlakbij winkelcentrum Sterrenburg" → "vlakbij een winkelcentrum"
            noun_start = start - len(left) + attributive.start("noun")
            self.edits.append(_Edit(noun_start, noun_start, "een "))
            self.edits.append(_Edit(start - 1, end, ""))
            return
        if head and not (address and last_word.endswith(("straat", "laan", "weg"))):
            phrase = (prep + " " if prep else "") + head
        elif not prep:
            if re.search(r":\s*$", left) or address:
                self.edits.append(_Edit(new_start, end, GONE))
                return
            phrase = "de buurt"
        elif prep in {"aan", "op", "in", "om"}:
            phrase = "in de wijk"
        elif prep in {"van", "uit", "vanuit", "vanaf"}:
            phrase = "uit de wijk"
        elif prep in {"naar", "richting"}:
            phrase = "naar de wijk"
        else:
            phrase = "in de buurt"
        self.edits.append(_Edit(new_start, end, _cap(phrase, text, new_start)))

    def address(self, group: _Group) -> None:
        self._place_phrase(group.start, group.end, address=True)

    def area(self, group: _Group) -> None:
        if self.context.wijk and fold(self.text[group.start : group.end]) == self.context.wijk:
            return  # the resident's own wijk is published with the oproep anyway
        self._place_phrase(group.start, group.end, address=False)

    def place(self, group: _Group) -> None:
        name = fold(self.text[group.start : group.end]).strip()
        if name in self.context.keep_places:
            return
        left = _left(self.text, group.start, 30)
        if re.search(r"\b(?:de|het|'t)\s+$", left, re.IGNORECASE) or name.startswith(
            ("de ", "het ")
        ):
            self._place_phrase(group.start, group.end, address=False)
            return
        match = _PLACE_LEFT_RE.search(left)
        assert match is not None
        prep = fold(match.group("prep") or "")
        start = group.start - len(match.group())
        if prep in {"in", "op", "aan", "om"}:
            phrase = "elders"
        elif prep in {"uit", "van", "vanuit", "vanaf"}:
            phrase = "van elders"
        elif prep in {"naar", "richting"}:
            phrase = "naar elders"
        elif prep:
            phrase = "in de buurt"
        else:
            phrase = "een andere plaats"
        self.edits.append(_Edit(start, group.end, _cap(phrase, self.text, start)))

    # institutions

    def institution(self, group: _Group) -> None:
        text = self.text
        start, end = group.start, group.end
        left = _left(text, start, 60)
        name = text[start:end]
        hyphen = re.match(r"-(?=[a-z])", text[end:])
        if hyphen:  # "Trivire-huurwoning" → "huurwoning"
            self.edits.append(_Edit(start, end + 1, ""))
            return
        head_before = _HEAD_LEFT_RE.search(left)
        if head_before:
            head_start = start - len(head_before.group())
            before_head = _left(text, head_start, 30)
            if re.search(r"\b(?:in|naar|bij|van|uit|op|via|door|met)\s+$", before_head, re.I):
                self.edits.append(_Edit(head_start, head_start, "een "))
            self.edits.append(_Edit(start - 1, end, ""))
            return
        head_inside = _HEAD_IN_NAME_RE.search(name)
        art = re.search(r"\b(?:de|het|'t|een)\s+$", left, re.IGNORECASE)
        if head_inside:
            head = head_inside.group("head").lower()
            article = (
                "het"
                if head
                in {
                    "ziekenhuis",
                    "gezondheidscentrum",
                    "verpleeghuis",
                    "revalidatiecentrum",
                    "wijkcentrum",
                    "buurthuis",
                    "buurtcentrum",
                    "hospice",
                    "inloophuis",
                }
                else "de"
            )
            new_start = start - len(art.group()) if art else start
            self.edits.append(_Edit(new_start, end, _cap(f"{article} {head}", text, new_start)))
            return
        care = _CARE_PREP_LEFT_RE.search(left)
        if care:
            before = left[: len(left) - len(care.group())]
            previous_word = re.search(r"([\w\-]+)\s*$", before)
            if (
                previous_word
                and not previous_word.group(1)[:1].isupper()
                and fold(previous_word.group(1)) not in {"wordt", "is", "werd", "zijn", "worden"}
                and not previous_word.group(1).endswith(("d", "t"))
                or (
                    previous_word
                    and fold(previous_word.group(1))
                    in {
                        "thuiszorg",
                        "begeleiding",
                        "hulp",
                        "zorg",
                        "begeleider",
                        "consulent",
                        "consulente",
                        "vrijwilliger",
                        "vrijwilligster",
                        "wijkverpleegkundige",
                    }
                )
            ):
                self.edits.append(_Edit(start - len(care.group("all")), end, ""))
                return
        new_start = start - len(art.group()) if art else start
        word = "het ziekenhuis" if group.category == "ziekenhuis" else "een zorgorganisatie"
        self.edits.append(_Edit(new_start, end, _cap(word, text, new_start)))

    # dates and ages

    def date(self, group: _Group) -> None:
        left = _left(self.text, group.start, 20)
        match = _DATE_LEFT_RE.search(left)
        assert match is not None
        prep = fold(match.group("prep") or "")
        start = group.start - len(match.group())
        if prep in {"sinds", "vanaf"}:
            self.edits.append(_Edit(start, group.end, _cap("sinds enige tijd", self.text, start)))
        else:
            self.edits.append(_Edit(start, group.end, GONE))

    def birth_date(self, group: _Group) -> None:
        text = self.text
        left = _left(text, group.start, 40)
        apposition = _BIRTH_APPOSITION_LEFT_RE.search(left)
        if apposition:
            close = re.match(r"\s*([,)])", text[group.end :])
            opener = apposition.group("open")
            if close and (opener == "(") == (close.group(1) == ")"):
                start = group.start - len(apposition.group())
                end = group.end + close.end()
                self.edits.append(_Edit(start, end, " " if opener == "," else ""))
                return
        if _BIRTH_WORDS_RE.search(self._sentence_of(group.start)):
            self.edits.append(_Edit(group.start, group.end, DROP))
            return
        self.edits.append(_Edit(group.start, group.end, GONE))

    def age(self, group: _Group) -> None:
        text = self.text
        digits = re.findall(r"\d+", text[group.start : group.end])
        if not digits:
            self.edits.append(_Edit(group.start, group.end, GONE))
            return
        value = int(digits[0])
        start, end = group.start, group.end
        modifier = _AGE_MODIFIER_LEFT_RE.search(_left(text, start, 20))
        if modifier:
            start -= len(modifier.group())
        adjective = _AGE_ADJ_RIGHT_RE.match(text[end:])
        if adjective:
            end += adjective.end()
            if value >= 90:
                self.edits.append(_Edit(start, end, "hoogbejaarde"))
                return
            noun_end = _noun_end(text, end)
            after = re.match(r"\s*,?\s*", text[end:])
            assert after is not None
            if noun_end is not None:
                self.edits.append(_Edit(start, end + after.end(), ""))
                self.edits.append(_Edit(noun_end, noun_end, " " + _age_range(value)))
                return
            self.edits.append(_Edit(start, end, _age_range(value)))
            return
        unit = _AGE_UNIT_RIGHT_RE.match(text[end:])
        if unit:
            end += unit.end()
        self.edits.append(_Edit(start, end, _age_range(value)))

    # contact details and identifiers

    def contact(self, group: _Group) -> None:
        text = self.text
        start, end = group.start, group.end
        left = _left(text, start, 40)
        right = text[end:]
        clause_end = re.match(r"\s*(?:[.,;)]|$|\n|(?:of|en)\b)", right)
        label = CONTACT_LABEL_RE.search(left) or re.search(r"\bals\s+$", left)
        if label and clause_end and ":" not in label.group():  # "Tel: …" goes as a line
            start -= len(label.group())
        self.edits.append(_Edit(start, end, GONE))

    def _sentence_of(self, position: int) -> str:
        text = self.text
        before = _left(text, position, 300)
        after = re.match(r"[^\n]*?(?:[.!?](?=\s|$)|$)", text[position:])
        return before + (after.group() if after else "")

    def nickname_clauses(self) -> None:
        """Remove ", door iedereen Wim genoemd," and ", zoals ze zichzelf noemt,"."""
        for regex in _NICKNAME_CLAUSE_RES:
            for match in regex.finditer(self.text):
                if "clause" in regex.groupindex:
                    start, end = match.span("clause")
                    self.edits.append(_Edit(start, end, ""))
                    continue
                start, end = match.span()
                close = match.groupdict().get("close")
                self.edits.append(
                    _Edit(
                        start,
                        end,
                        "," if close and start > 0 and self.text[start : start + 1] == "," else "",
                    )
                )


_DECADES = {
    20: "twintig", 30: "dertig", 40: "veertig", 50: "vijftig", 60: "zestig", 70: "zeventig",
    80: "tachtig",
}  # fmt: skip


def _age_range(value: int) -> str:
    """ "in de tachtig" (the style of "in de 80", in words so no exact number remains)."""
    if value >= 90:
        return "op hoge leeftijd"
    if value < 20:
        return "jong volwassen"
    return f"in de {_DECADES[value // 10 * 10]}"


# --- applying and tidying -------------------------------------------------------------


def _apply(text: str, edits: Sequence[_Edit]) -> str:
    ordered = sorted(edits, key=lambda edit: (edit.start, edit.end))
    pieces: list[str] = []
    cursor = 0
    for edit in ordered:
        start = max(edit.start, cursor)
        if edit.end < start or (edit.end == start and edit.start < cursor):
            continue
        pieces.append(text[cursor:start])
        pieces.append(edit.text)
        cursor = max(cursor, edit.end)
    pieces.append(text[cursor:])
    return "".join(pieces)


_EXTRA_FILLER = frozenset(
    [
        "wordt",
        "werd",
        "genoemd",
        "noemt",
        "noemen",
        "heet",
        "bekend",
        "gegeven",
        "doorgegeven",
        "hieronder",
    ]
)


def _clean_sentence(sentence: str) -> str | None:
    if DROP in sentence:
        return None
    if GONE in sentence:
        sentence = re.sub(r"\(\s*" + GONE + r"\s*\)", GONE, sentence)
        sentence = re.sub(GONE + r"(?:\s*(?:,|of|en|/)\s*" + GONE + ")+", GONE, sentence)
        sentence = re.sub(
            r"\s*\b(?:op|via|naar|met|als|onder)\s*"
            + GONE
            + r"(?=\s*(?:[.,;:!?)]|$|(?:en|of|maar)\b))",
            GONE,
            sentence,
            flags=re.IGNORECASE,
        )
        if re.fullmatch(r"[^:]{0,60}:\s*[" + GONE + r"\s,.;]*", sentence.strip()):
            return None
        words = [
            _strip_possessive(fold(word))
            for word in re.findall(r"[\w'’\-]+", sentence.replace(GONE, " "))
        ]
        if all(word in CONTACT_FILLER or word in _EXTRA_FILLER for word in words):
            return None
        sentence = sentence.replace(GONE, "")
    return sentence


def _tidy(sentence: str) -> str:
    sentence = re.sub(r"\(\s*\)", "", sentence)
    sentence = re.sub(r"[ \t]+", " ", sentence)
    sentence = re.sub(r"\s+([,.;:!?)])", r"\1", sentence)
    sentence = re.sub(r"\(\s+", "(", sentence)
    sentence = re.sub(r",(?:\s*,)+", ",", sentence)
    sentence = re.sub(r"[,;:]\s*([.!?])", r"\1", sentence)
    sentence = re.sub(r"([.!?])\s*[,;]", r"\1", sentence)
    sentence = re.sub(r"^\s*[,;:.]\s*", "", sentence)
    sentence = re.sub(r"\s*[,;:]\s*$", "", sentence)
    return sentence.strip()


def _finish(text: str, capitalise: bool) -> str:
    out: list[str] = []
    spans = split_sentences(text)
    for index, (start, end) in enumerate(spans):
        cleaned = _clean_sentence(text[start:end])
        if cleaned is None:
            continue
        cleaned = _tidy(cleaned)
        if not re.search(r"\w", cleaned):
            continue
        if capitalise and cleaned[0].islower():
            cleaned = cleaned[0].upper() + cleaned[1:]
        if cleaned[-1] not in ".!?)\"'" and re.search(r"[.!?]\s*$", text[start:end]):
            cleaned += "."
        separator = ""
        if out:
            gap = text[spans[index - 1][1] : start]
            separator = "\n\n" if "\n\n" in gap else "\n" if "\n" in gap else " "
        out.append(separator + cleaned)
    return "".join(out).strip()


def rewrite(text: str, spans: Iterable[Span], context: RewriteContext) -> RewriteResult:
    """Replace the spans in ``text`` with natural Dutch and tidy the result."""
    groups = _join_adjacent(text, clusters(text, spans))
    rewriter = _Rewriter(text, context)
    rewriter.nickname_clauses()
    handlers = {
        Kind.NAME: rewriter.name,
        Kind.STREET: rewriter.address,
        Kind.ADDRESS_PART: rewriter.address,
        Kind.AREA: rewriter.area,
        Kind.PLACE: rewriter.place,
        Kind.INSTITUTION: rewriter.institution,
        Kind.DATE: rewriter.date,
        Kind.BIRTH_DATE: rewriter.birth_date,
        Kind.AGE: rewriter.age,
        Kind.CONTACT: rewriter.contact,
        Kind.IDENTIFIER: rewriter.contact,
    }
    for group in groups:
        handlers[group.kind](group)
    capitalise = _mostly_capitalised(text)
    result = _finish(_apply(text, rewriter.edits), capitalise)
    return RewriteResult(
        result, [(group.start, group.end, group.category, group.own) for group in groups]
    )


def _mostly_capitalised(text: str) -> bool:
    starts = [text[start:end].lstrip()[:1] for start, end in split_sentences(text)]
    letters = [char for char in starts if char.isalpha()]
    return bool(letters) and sum(char.isupper() for char in letters) * 2 >= len(letters)
