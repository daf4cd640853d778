"""Phrasing: turn found spans into natural Dutch ("haar dochter", "in de wijk", "in de 80").

Pure (no deduce). ``grouping`` groups the spans, ``persons`` decides whose name a group
is, this module chooses from the words around each group what to put in its place, and
``finish`` applies the edits and tidies every sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from niemand_alleen.anonymiser.finish import (
    DROP,
    GONE,
    Edit,
    apply_edits,
    finish,
    mostly_capitalised,
)
from niemand_alleen.anonymiser.grouping import Group, clusters, join_adjacent
from niemand_alleen.anonymiser.lexicon import (
    ABBREVIATIONS,
    CLUB_HEADS,
    CONTACT_LABEL_RE,
    DETERMINERS,
    DUTCH_HEAD,
    HET_HEADS,
    INSTITUTION_HEADS,
    NICKNAME_VERBS,
    PET_NOUNS,
    PLACE_HEADS,
    ROLE_NOUNS,
    TITLE_RE,
    age_range,
    fold,
    has_pet,
    is_duration,
)
from niemand_alleen.anonymiser.model import Kind, Span
from niemand_alleen.anonymiser.persons import (
    RewriteContext,
    infer_gender,
    is_possessive,
    is_resident_group,
    name_tokens,
    title_gender,
    title_word,
)

# A pet's name goes like a person's after its role: "kat Minoes" -> "de kat", later too.
_ROLE_ALT = "|".join(
    sorted((re.escape(role) for role in ROLE_NOUNS | PET_NOUNS), key=len, reverse=True)
)
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
# Where a preposition before a place points: at it, away from it or towards it; and what a
# removed wijk or street, or another town, becomes after each.
_AT, _FROM, _TOWARDS = range(3)
_DIRECTION = {
    **dict.fromkeys(("aan", "op", "in", "om"), _AT),
    **dict.fromkeys(("van", "uit", "vanuit", "vanaf"), _FROM),
    **dict.fromkeys(("naar", "richting"), _TOWARDS),
}
_IN_THE_WIJK = ("in de wijk", "uit de wijk", "naar de wijk")
_ELSEWHERE = ("elders", "van elders", "naar elders")
_PLACE_LEFT_RE = re.compile(
    r"(?:\b(?P<prep>" + _PREPS + r")\s+)?(?:(?<![\w'])(?P<art>de|het|'t)\s+)?"
    r"(?P<noun>(?<!\w)(?:wijk|buurt)\s+)?(?:(?<!\w)(?:huisnummer|nummer|nr\.?|no\.)\s*)?$",
    re.IGNORECASE,
)
_ATTRIBUTIVE_LEFT_RE = re.compile(
    r"\b(?:" + _PREPS + r")\s+(?P<noun>[a-zà-ÿ][a-zà-ÿ\-]{3,})\s+$", re.IGNORECASE
)
_HEAD_ALT = "|".join(sorted((*INSTITUTION_HEADS, *CLUB_HEADS), key=len, reverse=True))
_HEAD_LEFT_RE = re.compile(r"\b(?P<head>" + _HEAD_ALT + r")\s+$", re.IGNORECASE)
_HEAD_IN_NAME_RE = re.compile(r"\b(?P<head>" + _HEAD_ALT + r")\b", re.IGNORECASE)
_HEAD_WORDS = frozenset((*INSTITUTION_HEADS, *CLUB_HEADS))


def _names_a_head(name: str) -> bool:
    """A name found as a person's that starts or ends with a building's or organisation's
    head noun ("Stichting Timon", "Shri Krishna Mandir")."""
    words = name.split()
    return len(words) > 1 and (words[-1].lower() in _HEAD_WORDS or words[0].lower() in _HEAD_WORDS)


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


@dataclass
class RewriteResult:
    text: str
    groups: list[tuple[int, int, str, bool]]  # start, end, category, own


# --- grouping -------------------------------------------------------------------------


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

_PET_ALT = "|".join(sorted((re.escape(pet) for pet in PET_NOUNS), key=len, reverse=True))
_PET_LEAD_RE = re.compile(rf"({_PET_ALT})\s+(?=[^\W\d_])", re.IGNORECASE)
_PET_NAMED_RE = re.compile(
    rf"\b({_PET_ALT})\b\s*[:,(]?\s*(?:heet\s+|genaamd\s+)?([A-Z][\w'’-]+)", re.IGNORECASE
)


_PET_IS_RE = re.compile(
    rf"(?:^|[;:•*/-])\s*(?P<owner>(?:(?:haar|zijn|z'n|d'r|hun|de)\s+)?)"
    rf"(?P<pet>{_PET_ALT})\s+(?:heet|genaamd)\s+$",
    re.IGNORECASE,
)


def _pet_names(text: str) -> dict[str, str]:
    """ "hond Bobbie", "kat: Pluis": the pet's name stands for "de hond" wherever it
    comes back ("die Bobbie uitlaat" -> "die de hond uitlaat")."""
    found: dict[str, str] = {}
    for match in _PET_NAMED_RE.finditer(text):
        name = match.group(2)
        if name[:1].isupper():
            found.setdefault(fold(name), "de " + match.group(1).lower())
    return found


class _Rewriter:
    def __init__(self, text: str, context: RewriteContext) -> None:
        self.text = text
        self.context = context
        self.gender = infer_gender(text)
        self.roles: dict[str, str] = _pet_names(text)  # folded name token → "zijn vriend"
        self.edits: list[Edit] = []
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

    def name(self, group: Group) -> None:
        text = self.text
        if is_resident_group(text, group, self.context):
            self._resident(group)
        elif _names_a_head(text[group.start : group.end]):
            self.institution(group)  # "de Shri Krishna Mandir" -> "de mandir"
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

    def _resident(self, group: Group) -> None:
        text = self.text
        start, title = self._absorb_title(group.start)
        end = group.end
        sentence = self._sentence_of(group.start)
        gender = title_gender(title) or self.gender
        if is_possessive(text, group, self.context):
            word = {"f": "haar", "m": "zijn"}.get(gender or "", "de")
        elif NICKNAME_VERBS.search(sentence) and not title and not _at_sentence_start(text, start):
            word = GONE
        elif title:
            word = title_word(title) or {"f": "mevrouw", "m": "meneer"}.get(
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
                self.edits.append(Edit(self.edits[-1].end, end + close.end(), ""))
                return
        self.edits.append(Edit(start, end, _cap(word, text, start)))

    def _pet(self, group: Group, start: int, tokens: list[str]) -> bool:
        """A pet's name: "Kat Minoes is haar alles" -> "De kat is haar alles", "Z'n
        parkiet heet Karel, ..." -> "Hij heeft een parkiet, ..."; False for anyone else."""
        text = self.text
        lead = _PET_LEAD_RE.match(text[group.start : group.end])
        if lead:
            phrase = "de " + lead.group(1).lower()
            for token in tokens[1:]:
                self.roles.setdefault(token, phrase)
            self.edits.append(Edit(start, group.end, _cap(phrase, text, start)))
            return True
        left = _left(text, start)
        named = _PET_IS_RE.search(left)
        if not named:
            return False
        for token in tokens:
            self.roles.setdefault(token, "de " + named.group("pet").lower())
        owner_at = start - len(left) + named.start("owner")
        written = named.group("owner") or named.group("pet")
        phrase = has_pet(named.group("owner"), named.group("pet"), capital=written[:1].isupper())
        self.edits.append(Edit(owner_at, group.end, phrase))
        return True

    def _other_person(self, group: Group) -> None:
        text = self.text
        start, title = self._absorb_title(group.start)
        end = group.end
        tokens = name_tokens(text[group.start : group.end])
        if self._pet(group, start, tokens):
            return
        previous = self.edits[-1] if self.edits else None
        gap = text[previous.end : start] if previous else ""
        if previous and previous.role_removal and re.fullmatch(r"\s*(?:,|en|of|&)\s*", gap):
            self.edits.append(Edit(previous.end, end, "", role_removal=True))
            return
        left = _left(text, start)
        role = _ROLE_LEFT_RE.search(left)
        if role:
            self._drop_with_role(role, tokens, start, end)
            return
        apposition = _ROLE_RIGHT_RE.match(text[end:])
        if apposition:  # "Anja, haar dochter, belt" → "Haar dochter belt"
            phrase = apposition.group("phrase")
            for token in tokens:
                self.roles.setdefault(token, phrase.lower())
            self.edits.append(Edit(start, end + apposition.end(), _cap(phrase, text, start)))
            return
        if _ROLE_IS_RE.search(left):
            self.edits.append(Edit(start, end, "bekend"))
            return
        known = next((self.roles[token] for token in tokens if token in self.roles), None)
        if known:
            self.edits.append(Edit(start, end, _cap(known, text, start)))
            return
        word = "de dokter" if title_word(title) == "de dokter" else "iemand"
        self.edits.append(Edit(start, end, _cap(word, text, start)))

    def _drop_with_role(self, role: re.Match[str], tokens: list[str], start: int, end: int) -> None:
        """A name after its role ("de buurvrouw Anja") goes; the role stands for it later."""
        remove_from, end = _role_name_span(self.text, role, start, end)
        phrase = (role.group("det") or "de").lower() + " " + role.group("role").lower()
        if phrase.startswith("een "):
            phrase = "die " + phrase[4:]
        for token in tokens:
            self.roles.setdefault(token, phrase)
        self.edits.append(Edit(remove_from, end, "", role_removal=True))

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
                Edit(start - (len(match.group()) - len(match.group().rstrip())), end, "")
            )
            return
        new_start = start - len(match.group())
        attributive = _ATTRIBUTIVE_LEFT_RE.search(left)
        if not address and attributive and fold(attributive.group("noun")) not in _FUNCTION_WORDS:
            # "vlakbij winkelcentrum Sterrenburg" → "vlakbij een winkelcentrum"
            noun_start = start - len(left) + attributive.start("noun")
            self.edits.append(Edit(noun_start, noun_start, "een "))
            self.edits.append(Edit(start - 1, end, ""))
            return
        if head and not (address and last_word.endswith(("straat", "laan", "weg"))):
            phrase = (prep + " " if prep else "") + head
        elif not prep:
            if re.search(r":\s*$", left) or address:
                self.edits.append(Edit(new_start, end, GONE))
                return
            phrase = "de buurt"
        elif prep in _DIRECTION:
            phrase = _IN_THE_WIJK[_DIRECTION[prep]]
        else:
            phrase = "in de buurt"
        self.edits.append(Edit(new_start, end, _cap(phrase, text, new_start)))

    def address(self, group: Group) -> None:
        self._place_phrase(group.start, group.end, address=True)

    def area(self, group: Group) -> None:
        if self.context.wijk and fold(self.text[group.start : group.end]) == self.context.wijk:
            return  # the resident's own wijk is published with the oproep anyway
        self._place_phrase(group.start, group.end, address=False)

    def place(self, group: Group) -> None:
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
        if prep in _DIRECTION:
            phrase = _ELSEWHERE[_DIRECTION[prep]]
        elif prep:
            phrase = "in de buurt"
        else:
            phrase = "een andere plaats"
        self.edits.append(Edit(start, group.end, _cap(phrase, self.text, start)))

    # institutions

    def institution(self, group: Group) -> None:
        text = self.text
        start, end = group.start, group.end
        left = _left(text, start, 60)
        name = text[start:end]
        hyphen = re.match(r"-(?=[a-z])", text[end:])
        if hyphen:  # "Trivire-huurwoning" → "huurwoning"
            self.edits.append(Edit(start, end + 1, ""))
            return
        head_before = _HEAD_LEFT_RE.search(left)
        if head_before:
            head_start = start - len(head_before.group())
            before_head = _left(text, head_start, 30)
            head = head_before.group("head")
            if re.search(r"\b(?:in|naar|bij|van|uit|op|via|door|met)\s+$", before_head, re.I):
                # "via Apotheek Crabbehof" -> "via een apotheek": the head is a noun again
                self.edits.append(Edit(head_start, head_start + len(head), "een " + head.lower()))
            self.edits.append(Edit(start - 1, end, ""))
            return
        head_inside = _HEAD_IN_NAME_RE.search(name)
        art = re.search(r"\b(?:de|het|'t|een)\s+$", left, re.IGNORECASE)
        if head_inside:
            head = head_inside.group("head").lower()
            head = DUTCH_HEAD.get(head, head)
            article = "het" if head in HET_HEADS else "de"
            new_start = start - len(art.group()) if art else start
            self.edits.append(Edit(new_start, end, _cap(f"{article} {head}", text, new_start)))
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
                self.edits.append(Edit(start - len(care.group("all")), end, ""))
                return
        new_start = start - len(art.group()) if art else start
        word = "het ziekenhuis" if group.category == "ziekenhuis" else "een zorgorganisatie"
        self.edits.append(Edit(new_start, end, _cap(word, text, new_start)))

    # dates and ages

    def date(self, group: Group) -> None:
        left = _left(self.text, group.start, 20)
        match = _DATE_LEFT_RE.search(left)
        assert match is not None
        prep = fold(match.group("prep") or "")
        start = group.start - len(match.group())
        if prep in {"sinds", "vanaf"}:
            self.edits.append(Edit(start, group.end, _cap("sinds enige tijd", self.text, start)))
        else:
            self.edits.append(Edit(start, group.end, GONE))

    def birth_date(self, group: Group) -> None:
        text = self.text
        left = _left(text, group.start, 40)
        apposition = _BIRTH_APPOSITION_LEFT_RE.search(left)
        if apposition:
            close = re.match(r"\s*([,)])", text[group.end :])
            opener = apposition.group("open")
            if close and (opener == "(") == (close.group(1) == ")"):
                start = group.start - len(apposition.group())
                end = group.end + close.end()
                self.edits.append(Edit(start, end, " " if opener == "," else ""))
                return
        if _BIRTH_WORDS_RE.search(self._sentence_of(group.start)):
            self.edits.append(Edit(group.start, group.end, DROP))
            return
        self.edits.append(Edit(group.start, group.end, GONE))

    def age(self, group: Group) -> None:
        text = self.text
        digits = re.findall(r"\d+", text[group.start : group.end])
        if not digits:
            self.edits.append(Edit(group.start, group.end, GONE))
            return
        value = int(digits[0])
        start, end = group.start, group.end
        if is_duration(_left(text, start, 30), text[start:], value):
            return  # "was 30 jaar chauffeur": how long, not how old
        modifier = _AGE_MODIFIER_LEFT_RE.search(_left(text, start, 20))
        if modifier:
            start -= len(modifier.group())
        adjective = _AGE_ADJ_RIGHT_RE.match(text[end:])
        if adjective:
            end += adjective.end()
            if value >= 90:
                self.edits.append(Edit(start, end, "hoogbejaarde"))
                return
            noun_end = _noun_end(text, end)
            after = re.match(r"\s*,?\s*", text[end:])
            assert after is not None
            if noun_end is not None:
                self.edits.append(Edit(start, end + after.end(), ""))
                self.edits.append(Edit(noun_end, noun_end, " " + age_range(value)))
                return
            self.edits.append(Edit(start, end, age_range(value)))
            return
        unit = _AGE_UNIT_RIGHT_RE.match(text[end:])
        if unit:
            end += unit.end()
        self.edits.append(Edit(start, end, age_range(value)))

    # contact details and identifiers

    def contact(self, group: Group) -> None:
        text = self.text
        start, end = group.start, group.end
        left = _left(text, start, 40)
        right = text[end:]
        clause_end = re.match(r"\s*(?:[.,;)]|$|\n|(?:of|en)\b)", right)
        label = CONTACT_LABEL_RE.search(left) or re.search(r"\bals\s+$", left)
        if label and clause_end and ":" not in label.group():  # "Tel: …" goes as a line
            start -= len(label.group())
        self.edits.append(Edit(start, end, GONE))

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
                    self.edits.append(Edit(start, end, ""))
                    continue
                start, end = match.span()
                close = match.groupdict().get("close")
                self.edits.append(
                    Edit(
                        start,
                        end,
                        "," if close and start > 0 and self.text[start : start + 1] == "," else "",
                    )
                )


# --- applying and tidying -------------------------------------------------------------


_HEAD_AFTER_RE = re.compile(r"[ \t]+(?P<head>[A-Za-z][a-z]+)\b")
_NAME_KINDS = frozenset({Kind.NAME, Kind.STREET, Kind.AREA, Kind.PLACE, Kind.INSTITUTION})


def _with_heads(text: str, spans: Iterable[Span]) -> list[Span]:
    """A name found before a head noun is that institution's name: "het Insula College",
    "de johannes kerk" become one institution ("het college", "de kerk")."""
    result = []
    for span in spans:
        after = _HEAD_AFTER_RE.match(text, span.end)
        if (
            span.kind in _NAME_KINDS
            and not span.own
            and after
            and after.group("head").lower() in _HEAD_WORDS
        ):
            span = Span(span.start, after.end(), Kind.INSTITUTION, "instelling")
        result.append(span)
    return result


def rewrite(text: str, spans: Iterable[Span], context: RewriteContext) -> RewriteResult:
    """Replace the spans in ``text`` with natural Dutch and tidy the result."""
    groups = join_adjacent(text, clusters(text, _with_heads(text, spans)))
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
    capitalise = mostly_capitalised(text)
    result = finish(apply_edits(text, rewriter.edits), capitalise)
    return RewriteResult(
        result, [(group.start, group.end, group.category, group.own) for group in groups]
    )


def _role_name_span(text: str, role: re.Match[str], start: int, end: int) -> tuple[int, int]:
    """What goes with a name at ``start:end`` after its role: from the ":" after the role,
    or with the commas or brackets around the name, else just the name."""
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
    return remove_from, end
