"""Deny by default: the last pass over a proposed oproep, and the coordinator's marks.

Finding identifiers one kind at a time cannot reach text nobody has seen, so this pass
turns the question round: a word may stay only when it is an ordinary Dutch word or a
domain word (see :mod:`vocabulary`), and a number only in a shape that identifies nobody
(a time, a count, a decade). Everything else is a *suspect*:

- a word with a capital in the middle of a sentence (when the text is written with
  normal capitals), unless it is a domain word;
- a word no Dutch word list knows, in any case ("Öztürk", "Wodan", "kp");
- a name that is not also an ordinary word ("fatma", "Mohamed");
- any word right after a cue for a person, a pet or an institution ("dochter Roos",
  "hond bobby", "zorgcentrum De Wielborg"), or right before an institution's head noun
  ("de Mevlana moskee");
- a number that is not a time, count or decade: house numbers ("nr 31"), BSN and IBAN in
  any grouping, phone numbers, case numbers.

A sentence with suspects is phrased again when the suspect only names something the
sentence also describes (the cue stays: "haar dochter", "een kat", "de moskee"; "op
nummer 8" goes), and dropped as a whole otherwise: a sentence that is left out reads
better and leaks nothing, and the coordinator sees the aanmelding beside the proposal.

:func:`marks` is the coordinator's side: the words and numbers in a text that passed but
still look like a name or a number, computed without deduce (it runs in the web worker).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from niemand_alleen.anonymiser.lexicon import (
    ADDRESS_SUFFIXES,
    COUNTRIES,
    DUTCH_HEAD,
    INSTITUTION_HEADS,
    LANGUAGES,
    PET_NOUNS,
    ROLE_NOUNS,
    TUSSENVOEGSELS,
    age_range,
    fold,
    has_pet,
    is_duration,
    wordset,
)
from niemand_alleen.anonymiser.sentences import split_sentences
from niemand_alleen.anonymiser.vocabulary import Vocabulary, vocabulary

_WORD_RE = re.compile(r"[^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)*")
_NUMBER_RE = re.compile(
    r"(?<![\w])(?:[A-Za-z]{2}\d{2}[ \-.]?(?:[A-Za-z]{4})?(?:[ \-.]?\d){6,}"  # IBAN, any spacing
    r"|\+?\d+(?:[ .\-/]\d+)*[a-zA-Z]{0,3})(?![\w])"
)


PERSON_CUES = frozenset(ROLE_NOUNS) | wordset(
    """
    buurman buurvrouw buren overbuurman overbuurvrouw mevrouw meneer mevr mw dhr heer
    juf meester zuster broeder tante oom opa oma neef nicht vriend vriendin kennis
    collega schoonzoon schoondochter schoonzus zwager schoonmoeder schoonvader kleinzoon
    kleindochter kleinkind achterkleinkind stiefzoon stiefdochter pleegzoon pleegdochter
    echtgenoot echtgenote partner weduwe weduwnaar ex dochter zoon broer zus zuster man
    vrouw moeder vader mama papa ma pa mantelzorger begeleider begeleidster
    contactpersoon wijkverpleegkundige huisarts casemanager consulent consulente mentor
    bewindvoerder familie fam gezin genaamd heet heette noemt genoemd roepnaam alias
    maat maten
    """
)
PET_CUES = PET_NOUNS
HEADS = frozenset(INSTITUTION_HEADS) | wordset(
    """
    kerk kerkje kapel kathedraal basiliek gebedshuis moskee tempel mandir gurdwara synagoge
    koninkrijkszaal parochie gemeente
    zorgcentrum verpleeghuis flat wooncomplex complex vereniging club sportclub
    voetbalclub biljartclub koor zangkoor restaurant café eethuis toko bakkerij winkel
    slagerij supermarkt kapper kapsalon tuin volkstuin moestuin buurttuin dagbesteding
    grillroom snackbar cafetaria pizzeria lunchroom eetcafé kroeg shoarmazaak sportschool
    zwembad bibliotheek wasserette garage atelier boekhandel bloemist sportvereniging
    buurthuis school basisschool stichting praktijk apotheek hofje hof residentie huis
    tehuis centrum markt
    """
)
_HET_HEADS = wordset(
    """
    buurthuis zorgcentrum verpleeghuis verzorgingshuis wooncomplex complex koor zangkoor
    restaurant café eethuis hofje huis tehuis centrum wijkcentrum buurtcentrum
    inloophuis ziekenhuis gezondheidscentrum revalidatiecentrum woonzorgcentrum hospice
    bejaardenhuis bejaardentehuis
    """
)
# Words are compared folded ("cafe"); the written forms ("café") are kept for phrasing.
HEADS |= frozenset(fold(head) for head in HEADS)
_HET_HEADS |= frozenset(fold(head) for head in _HET_HEADS)
_STREET_SUFFIXES = tuple(suffix for suffix in ADDRESS_SUFFIXES if len(suffix) >= 3) + (
    "plein", "plaats", "hof", "markt", "park",
)  # fmt: skip
# Between the capitalised words of one name: "Steek voor Steek", "Huis aan de Haven".
_RUN_CONNECTORS = wordset("van voor de der en op aan in het 't")
_RUN_GAP_RE = re.compile(r"[ \t]+(?:(?:van|voor|de|der|en|op|aan|in|het|'t)[ \t]+){0,2}")
_WORDISH = frozenset({"woord met een hoofdletter", "onbekend woord", "eigennaam"})
_LANGUAGE_CUE_RE = re.compile(
    r"\b(?:spreekt|spreken|sprak|praat|praten|verstaat|verstaan|leest|schrijft|taal|talen|"
    r"moedertaal|thuistaal|tolk)\b",
    re.IGNORECASE,
)
_LANGUAGE_LIST_WORDS = wordset(
    """en of ook nog wat een beetje goed redelijk vloeiend alleen enkel vooral gebrekkig
    nauwelijks geen weinig basis perfect plus zij hij ze het"""
)
_APPOSITION_RE = re.compile(
    r"\s*,\s*(?:haar|zijn|hun|mijn|onze|de|het|een)\s+([^\W\d_][\w'’-]*)", re.IGNORECASE
)
_CLUB_PREFIXES = wordset("fc vv sv sc rksv rkvv hc bc mhc csv asv afc vvv kv zv dzc")
_NAMING_CUES = wordset("genaamd heet heette heten noemt noemen genoemd roepnaam alias")
_NAME_PARTICLES = wordset(
    "de den der van ter ten het 't le la el al da di du von vd v.d. ben bin sint st"
)
_COMPOUND_HEADS = wordset(
    """club vereniging kerk kapel moskee tempel koor tuin flat centrum school winkel
    restaurant praktijk"""
)
_STAFF_OF_RE = re.compile(r"\.?\s+(?:van|vd|v\.d\.)\s+(?:(?:het|de|'t)\s+)?([^\W\d_][\w-]*)")
_TEAMS = wordset(
    """wijkteam buurtteam sociaal gebiedsteam jeugdteam thuiszorg wijkverpleging gemeente
    ggz ggd uwv woningcorporatie corporatie zorgorganisatie organisatie huisarts
    huisartsenpraktijk dagbesteding kerk moskee buurtwerk welzijn"""
)
_CONTACT_WORDS = wordset("met door via aan en of gesproken overleg contact gebeld belde mailde")
_NUMBER_LABELS = wordset(
    "nummer nr no huisnummer huisnr nrs appartement app apt kamer kamernr unit"
)
_NUMBER_UNITS = wordset(
    """
    uur u keer x maal dag dagen dagdelen week weken maand maanden minuut minuten
    kwartier jaar jaren kinderen kind kleinkinderen zonen dochters broers zussen km
    kilometer meter m euro procent kilo kg stuks trappen trap etage etages verdieping
    hoog personen mensen katten honden uurtjes ochtenden middagen avonden wk wkn mnd
    mndn jr dg dgn min kwart
    """
)
_FUNCTION_WORDS = wordset(
    """
    de het een en of maar die dat dit deze wie wat waar is was zijn heeft had hebben
    woont woonde wil wilde kan kon zou moet mag gaat ging komt kwam wordt werd van in op
    aan bij met voor naar uit om te tot door over onder als dan ook nog niet geen al wel
    heel erg veel zeer graag soms vaak altijd nooit hij zij ze haar hem hun ik we wij je
    u zich zelf er hier daar nu toen sinds na want omdat dus toch echter en/of ivm
    i.v.m. zo zoals alleen samen elke iedere iedereen iemand niemand weinig meer minder
    twintig dertig veertig vijftig zestig zeventig tachtig negentig honderd
    elders thuis dichtbij verderop hiernaast ernaast boven beneden vroeger buiten binnen
    """
)
_DECADE_LEFT_RE = re.compile(r"\b(?:in\s+de|eind|begin|midden)\s+$", re.IGNORECASE)
STREET_WORD_ZIPF = 3.0  # "snelweg", "hoofdstraat" are words; "gaffelstraat" is a street
WELL_KNOWN_ZIPF = 3.0  # "Brussel", "Ajax"; a local name is rarer ("Wielborg" 0, "Keu" 2.8)
ADJECTIVE_ZIPF = 2.0  # "Javaans", "Molukse": origins a volunteer may need
_ADJECTIVE_ENDINGS = ("se", "sche", "isch", "aans", "ees", "ijns", "ands", "iaans")
_KIND_OF_NUMBER_RE = re.compile(
    r"\b(?:type|fase|stadium|st|graad|gr|klasse|groep|niveau|lijn|bus|tram|stap|trede)\.?\s*$",
    re.IGNORECASE,
)
_TIME_RE = re.compile(r"^\d{1,2}[:.]\d{2}$")
# Before "N jaar", words that make it a span of time, not an age ("al 40 jaar", "sinds 12
# jaar"); "ruim", "bijna" and "van" go with ages as often ("een man van 84 jaar").
_DURATION_LEFT_RE = re.compile(
    r"\b(?:al|sinds|nog|na|voor|over|binnen|tot|elke|om\s+de)\s+$", re.IGNORECASE
)


_NEIGHBOUR_NUMBER_RE = re.compile(
    r"\b(?:over)?(?:buurman|buurvrouw|buren|buurjongen|buurmeisje|bovenburen|onderburen)"
    r"\s+(?:van|op|nr\.?)\s+$",
    re.IGNORECASE,
)


def _is_age(value: str, before: str, following: str) -> bool:
    """ "84 jaar", "91jr": an age, unless words around make it a span of time."""
    if not (
        re.fullmatch(r"\d+\s*(?:jr|j)", value)
        or (re.fullmatch(r"\d+", value) and re.match(r"(?:jaar|jr)\b", following))
    ):
        return False
    duration = _DURATION_LEFT_RE.search(before[-40:]) or re.match(
        r"(?:jaar|jr)\.?\s+(?:geleden|lang|getrouwd)", following
    )
    number = int(re.sub(r"\D", "", value))
    return number >= 15 and not duration and not is_duration(before, value + following, number)


def _harmless_shape(value: str, before: str, following: str) -> bool:
    """A time, a kind ("type 2"), a floor, a list number or a score."""
    if _TIME_RE.match(value) or value == "24/7":
        return True
    if _KIND_OF_NUMBER_RE.search(before) or re.match(r"\s*[-–]?\s*hoog\b", following):
        return True  # "diabetes type 2", "groep 3", "2-hoog"
    if re.search(r"(?:^|\n)\s*$", before) and re.match(r"[.)]\s", following):
        return True  # a numbered list: "2. Leeftijd"
    score = re.fullmatch(r"(\d{1,3})/(\d{1,3})", value)
    return bool(score and int(score.group(1)) <= int(score.group(2)) and int(score.group(2)) > 12)


_PREPOSITIONS = frozenset(["op", "aan", "van", "bij", "in", "naar", "tegenover", "naast"])


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    number: bool


@dataclass(frozen=True)
class Suspect:
    start: int
    end: int
    reason: str  # Dutch, for the coordinator: "mogelijke naam", "nummer"


@dataclass(frozen=True)
class Mark:
    """A word or number the coordinator should look at once more (offsets in the text)."""

    start: int
    end: int
    reason: str


def _tokens(text: str) -> list[Token]:
    found: list[Token] = []
    for match in _NUMBER_RE.finditer(text):
        found.append(Token(match.start(), match.end(), match.group(), True))
    taken = [(token.start, token.end) for token in found]
    for match in _WORD_RE.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        found.append(Token(match.start(), match.end(), match.group(), False))
    return sorted(found, key=lambda token: token.start)


def casing(text: str) -> str:
    """``normal``, ``upper`` (ALL CAPS) or ``lower``: whether capitals carry information."""
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return "normal"
    upper = sum(char.isupper() for char in letters)
    if upper > 0.6 * len(letters):
        return "upper"
    starts = [match.group(1) for match in re.finditer(r"(?:^|[.!?]\s+)(\w)", text)]
    if upper == 0 or (starts and sum(char.islower() for char in starts) > len(starts) / 2):
        return "lower"
    return "normal"


def _initial_letter(text: str, token: Token) -> bool:
    """A single capital with a full stop, not a list's "A."."""
    return (
        len(token.text) == 1
        and token.text.isupper()
        and text[token.end : token.end + 1] == "."
        and not re.search(r"(?:^|\n)[ \t]*$", text[: token.start])
    )


def _cue_before(text: str, tokens: list[Token], index: int) -> tuple[int, str, bool] | None:
    """The cue for a person, a pet or a place right before token ``index`` (name particles
    in between are skipped): its token's index, the folded cue and whether a ":" follows
    it ("kat: Poekie"); None when there is none."""
    if index == 0:
        return None
    back = index - 1
    while back > 0 and fold(tokens[back].text) in _NAME_PARTICLES:
        back -= 1  # "mw. de wit", "buurman van dam", "buurthuis de wissel"
    previous = tokens[back]
    between = text[previous.end : tokens[back + 1].start]
    if previous.number or not re.fullmatch(r"\.?[ \t]*[,;:(\"'“‘]?[ \t]*", between):
        return None
    cue = fold(previous.text)
    if cue == "iemand" and back < index - 1:
        return back, cue, False  # "iemand de vries": a surname left behind a replaced name
    if cue not in PERSON_CUES and cue not in PET_CUES and not is_head(cue):
        return None
    return back, cue, ":" in between


def _sentence_initial(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \t\"'“‘(-*•")
    return not before or before[-1] in ".!?:\n" or bool(re.search(r"\n\s*(?:\d+[.)])?$", before))


class Screen:
    """The deny-by-default pass over one text."""

    def __init__(
        self,
        words: Vocabulary | None = None,
        *,
        keep: Sequence[str] = (),
        names: Sequence[str] = (),
        own: Sequence[str] = (),
    ) -> None:
        """``keep``: words that may stay (the wijk); ``names``: words found as a name or
        institution elsewhere in the aanmelding, suspect wherever they appear again;
        ``own``: the resident's own name and street words and birth year, suspect in any
        form but an ordinary word written in lower case ("storm" the weather)."""
        self.words = words or vocabulary()
        self.own = (
            frozenset(
                fold(word)
                for phrase in own
                for word in re.findall(r"\w[\w'’-]*", phrase)
                if len(word) >= 3 or word.isdigit()
            )
            - TUSSENVOEGSELS
        )
        self.keep = frozenset(fold(word) for phrase in keep for word in phrase.split())
        self.names = (
            frozenset(
                fold(word).strip("'’")
                for phrase in names
                for word in re.findall(r"[^\W\d_][\w'’-]*", phrase)
                if len(word) >= 3
            )
            - _FUNCTION_WORDS
            - self.keep
            - PERSON_CUES  # deduce's "Kat Minoes" is a name; "kat" stays a word
            - PET_CUES
            - HEADS
        )

    # --- what is suspect ------------------------------------------------------------

    def _word_suspect(self, text: str, token: Token, mode: str) -> str | None:
        folded = fold(token.text).strip("'’")
        parts = [part for part in folded.split("-") if part]
        if not parts or self._allowed(folded, parts):
            return None
        capital = token.text[:1].isupper()
        initial = _sentence_initial(text, token.start)
        if self._abbreviated(text, token):
            return None  # "overl.", "alleenst.", "Kaapverd."
        if mode != "upper" and _initial_letter(text, token):
            return "initialen"  # "dhr. v.d. B.", "mw. J. Jansen", "B.B."
        shouted = len(token.text) >= 2 and token.text.isupper()
        if shouted and mode != "upper":
            return self._shouted_suspect(folded)
        if mode != "upper" and capital and not initial:
            if folded in _FUNCTION_WORDS or self._well_known(text, token, parts):
                return None
            return "woord met een hoofdletter"
        if _street_like(folded) and self.words.frequency(folded) < STREET_WORD_ZIPF:
            return "straatnaam"  # "gaffelstraat", "Vriendschapslaan": a street is a place
        if not all(self.words.is_known(part) or self.words.is_verb_form(part) for part in parts):
            return self._unknown_suspect(folded, parts, mode, capital)
        return self._known_word_suspect(parts, mode, capital)

    def _allowed(self, folded: str, parts: list[str]) -> bool:
        """A word to keep (asked for, or allowed as a whole or in every part)."""
        if folded in self.keep or folded in self.words.allowed:
            return True
        return all(part in self.words.allowed or part in self.keep for part in parts)

    def _shouted_suspect(self, folded: str) -> str | None:
        """A word in capitals in a text that is not all capitals."""
        if len(re.sub(r"\d", "", folded)) <= 2 and folded not in self.words.terms:
            return "initialen"  # "PK", "TW"
        if folded in self.words.terms or self.words.frequency(folded) >= 2.5:
            return None  # "COPD", "UWV": known; marked for the coordinator
        return "afkorting"  # "SDD", "BDN": a local organisation as often as a term

    def _unknown_suspect(
        self, folded: str, parts: list[str], mode: str, capital: bool
    ) -> str | None:
        """A word with a part that is no known word."""
        if any(self.words.is_name(part) for part in parts):
            return "naam"
        if mode == "normal" and not capital and len(folded) > 3:
            return None  # a rare word in lower case; marked for the coordinator
        return "onbekend woord"

    def _known_word_suspect(self, parts: list[str], mode: str, capital: bool) -> str | None:
        """A known word that may still be a name.

        Written in lower case in a text with capitals, a known word is the word, not the
        name ("timmerman", "pols"). Without capitals to go by, a first name that is no
        ordinary word stays a name ("ronny"); a surname that is also a word ("stok",
        "domino") is left to the cues around it ("meneer stok").
        """
        if (mode != "normal" or capital) and any(
            part in self.words.first_names and not self.words.is_ordinary(part) for part in parts
        ):
            return "naam"
        if capital and not all(self.words.is_ordinary(part) for part in parts):
            return "naam"
        return None

    def _abbreviated(self, text: str, token: Token) -> bool:
        folded = fold(token.text)
        return (
            re.match(r"\.\s*[a-z(,;:/]", text[token.end :]) is not None  # the note goes on
            and not self.words.is_name(folded)
            and not self.words.is_known(folded)
            and self.words.is_abbreviation(folded)
        )

    def _well_known(self, text: str, token: Token, parts: list[str]) -> bool:
        """A capitalised word that is common in Dutch and not a name ("Brussel", "Ajax",
        "Wereldoorlog"), unless something marks it as the name of a place of its own: a
        capitalised article or "Sint" before it ("De Wissel"), an institution's head after."""
        adjective = parts[-1].endswith(_ADJECTIVE_ENDINGS)  # "Molukse kerk", "Javaans"
        least = ADJECTIVE_ZIPF if adjective else WELL_KNOWN_ZIPF
        if not all(
            self.words.frequency(part) >= least and not self.words.is_name(part) for part in parts
        ):
            return False
        if re.search(r"[\"'“‘]$", text[: token.start]):
            return False  # a capitalised word in quotes is a name or a nickname
        before = re.search(r"(\S+)\s+$", text[: token.start])
        if before and re.fullmatch(r"(?:De|Het|'t|'T|Sint|St\.?|Den)", before.group(1)):
            return False
        after = re.match(r"\s+([^\W\d_][\w'’-]*)", text[token.end :])
        return adjective or not (after and fold(after.group(1)) in HEADS)

    def _number_suspect(self, text: str, token: Token, following: str) -> str | None:
        """Why a number may identify, or None for a time, count, decade, year, score..."""
        value, before = token.text, text[: token.start]
        if re.match(r"[A-Za-z]{2}\d{2}", value):
            return "rekeningnummer"
        if re.fullmatch(r"\d{1,2}(?:[xX]|dd|e|de|ste|u|h)", value) or (
            re.fullmatch(r"\d{1,2}-\d{1,2}[xX]?", value) and not following.startswith("-")
        ):
            return None  # "2x per week", "2dd", "3e", "14u"; a range: "1-2x", "3-4 keer"
        if _is_age(value, before, following):
            return "leeftijd"
        if len(re.sub(r"\D", "", value)) >= 5 or re.search(r"[a-zA-Z]$", value):
            return "nummer"
        label = re.search(r"([\w.]+)\s*$", before)
        if label and fold(label.group(1)).rstrip(".") in _NUMBER_LABELS:
            return "huisnummer"
        if _NEIGHBOUR_NUMBER_RE.search(before):
            return "huisnummer"  # "de buurvrouw van 12", "buren op 7"
        if _harmless_shape(value, before, following):
            return None
        if not re.fullmatch(r"\d+", value):
            return "nummer"
        return None if self._harmless_count(int(value), before, following) else "nummer"

    def _harmless_count(self, number: int, before: str, following: str) -> bool:
        """A decade, a count of something, a year, an amount or a time of day."""
        if _DECADE_LEFT_RE.search(before) and number % 10 == 0 and 10 <= number <= 100:
            return True  # "in de 80"
        first = re.match(r"[^\W\d_]+", following)
        unit = fold(first.group()) if first else ""  # "middag/wk" -> "middag"
        if unit in _NUMBER_UNITS or following.startswith(("%", "x ", "e ", "de ", "ste ")):
            return True
        if number <= 12 and unit.isalpha() and self.words.is_known(unit):
            return True  # a count: "2 dochters", "3 trappen"
        if 1900 <= number <= 2035 and not re.search(r"geb\w*\.?\s*$", before, re.IGNORECASE):
            return True  # a year ("sinds 2019"); the resident's birth year is theirs (own)
        if re.search(r"(?:€|euro)\s*$", before, re.IGNORECASE):
            return True
        return number <= 12 and bool(re.search(r"\b(?:om|tot|tussen|en)\s+$", before))

    def suspects(self, text: str) -> list[Suspect]:
        """Every suspect in ``text``, in order: the passes below, each adding to the last."""
        mode = casing(text)
        tokens = _tokens(text)
        found: dict[int, Suspect] = {}
        self._mark_words_and_numbers(text, tokens, mode, found)
        self._mark_named_by_context(text, tokens, mode, found)
        self._mark_clubs(text, tokens, found)
        self._mark_initials_of_staff(text, tokens, found)
        self._mark_own(tokens, mode, found)
        for index in [index for index, suspect in found.items() if suspect.reason in _WORDISH]:
            if self._a_language(text, tokens[index]):
                del found[index]  # "spreekt Kriolu, Portugees en wat Nederlands"
        self._mark_repeats(tokens, found)
        self._mark_spoken_numbers(text, tokens, found)
        self._mark_particle_surnames(text, tokens, mode, found)
        return [found[index] for index in sorted(found)]

    @staticmethod
    def _mark_spoken_numbers(text: str, tokens: list[Token], found: dict[int, Suspect]) -> None:
        """ "nul zes een twee drie vier ...": a number read out digit by digit (a phone
        number, a BSN) is a number like any other."""
        for run in _SPOKEN_DIGITS_RE.finditer(text):
            for index, token in enumerate(tokens):
                if run.start() <= token.start < run.end():
                    found.setdefault(index, Suspect(token.start, token.end, "nummer"))

    def _mark_particle_surnames(
        self, text: str, tokens: list[Token], mode: str, found: dict[int, Suspect]
    ) -> None:
        """In a text without capitals, "van damme", "de bruijn": a surname after its particle
        that is no ordinary word."""
        if mode == "normal":
            return
        for index, token in enumerate(tokens):
            folded = fold(token.text)
            if index in found or folded not in self.words.particle_names:
                continue
            if self.words.is_ordinary(folded) or not _PARTICLE_BEFORE_RE.search(
                text[: token.start]
            ):
                continue
            found[index] = Suspect(token.start, token.end, "naam")

    def _mark_words_and_numbers(
        self, text: str, tokens: list[Token], mode: str, found: dict[int, Suspect]
    ) -> None:
        """Each word and number on its own: not ordinary, not a domain word, not a count."""
        for index, token in enumerate(tokens):
            if token.number:
                reason = self._number_suspect(text, token, text[token.end :].lstrip())
            else:
                reason = self._word_suspect(text, token, mode)
            if reason:
                found[index] = Suspect(token.start, token.end, reason)

    def _mark_named_by_context(
        self, text: str, tokens: list[Token], mode: str, found: dict[int, Suspect]
    ) -> None:
        """Words that the words around them make a name: a cue, a head noun, an apposition,
        a run of capitals, a first name followed by a surname."""
        for index, token in enumerate(tokens):
            if token.number or index in found:
                continue
            if (
                self._named_by_cue(text, tokens, index, mode)
                or self._names_a_head(text, tokens, index, mode)
                or self._named_by_apposition(text, token)
            ):
                found[index] = Suspect(token.start, token.end, "naam na een aanduiding")
        if mode != "upper":
            for index in self._capital_runs(text, tokens):
                token = tokens[index]
                found.setdefault(index, Suspect(token.start, token.end, "eigennaam"))
        for index, length in self._full_names(text, tokens):
            for member in range(index, index + length):
                token = tokens[member]
                found.setdefault(member, Suspect(token.start, token.end, "voor- en achternaam"))

    def _mark_initials_of_staff(
        self, text: str, tokens: list[Token], found: dict[int, Suspect]
    ) -> None:
        """ "overleg met km van het wijkteam": two or three letters before "van het/de" and
        an organisation are someone's initials, in any case."""
        for index, token in enumerate(tokens[:-3]):
            folded = fold(token.text)
            if (
                index in found
                or token.number
                or not 2 <= len(folded) <= 3
                or not folded.isalpha()
                or folded in _FUNCTION_WORDS
                or folded in PERSON_CUES
                or folded in PET_CUES
                or not self._after_contact_word(text, tokens, index)
            ):
                continue
            following = text[token.end :]
            match = _STAFF_OF_RE.match(following)
            if match and (is_head(fold(match.group(1))) or fold(match.group(1)) in _TEAMS):
                found[index] = Suspect(token.start, token.end, "initialen")

    @staticmethod
    def _after_contact_word(text: str, tokens: list[Token], index: int) -> bool:
        """At the start of a sentence or after "met", "door", "via"...: a person's place."""
        if index == 0 or _sentence_initial(text, tokens[index].start):
            return True
        return fold(tokens[index - 1].text) in _CONTACT_WORDS

    def _mark_clubs(self, text: str, tokens: list[Token], found: dict[int, Suspect]) -> None:
        """ "FC Dordrecht", "VV Dubbeldam": a club's prefix makes the words after it a name."""
        for index, token in enumerate(tokens[:-1]):
            if fold(token.text) not in _CLUB_PREFIXES or not token.text.isupper():
                continue
            following = tokens[index + 1]
            if following.text[:1].isupper() and re.fullmatch(
                r"[ \t]+", text[token.end : following.start]
            ):
                for member in (index, index + 1):
                    item = tokens[member]
                    found.setdefault(member, Suspect(item.start, item.end, "vereniging"))

    def _mark_own(self, tokens: list[Token], mode: str, found: dict[int, Suspect]) -> None:
        """The resident's own words, but an ordinary word in lower case ("storm")."""
        for index, token in enumerate(tokens):
            folded = fold(token.text)
            if index in found or folded not in self.own:
                continue
            lower_word = (
                mode == "normal" and token.text[:1].islower() and self.words.is_ordinary(folded)
            )
            if token.number or not lower_word:
                found[index] = Suspect(token.start, token.end, "gegeven van de bewoner")

    def _mark_repeats(self, tokens: list[Token], found: dict[int, Suspect]) -> None:
        """A name stays a name: "Met Pluis wandelt hij" after "zijn kat Pluis"."""
        named = self.names | {
            fold(tokens[index].text)
            for index in found
            if not tokens[index].number and len(tokens[index].text) >= 3
        }
        for index, token in enumerate(tokens):
            folded = fold(token.text)
            if index in found or token.number or folded in _FUNCTION_WORDS:
                continue
            if folded in named:
                found[index] = Suspect(token.start, token.end, "naam die eerder voorkwam")

    def _capital_runs(self, text: str, tokens: list[Token]) -> Iterator[int]:
        """Two or more capitalised words in a row mid-sentence name one thing ("Bureau
        Balans", "Ons Genoegen"): every word of it that is not a domain word is suspect."""
        run: list[int] = []
        for index, token in enumerate([*tokens, None]):
            if run and token is not None and fold(token.text) in _RUN_CONNECTORS:
                continue  # "Steek voor Steek": the run goes on over "voor"
            capital = (
                token is not None
                and not token.number
                and token.text[:1].isupper()
                and not _sentence_initial(text, token.start)
                and (not run or _RUN_GAP_RE.fullmatch(text[tokens[run[-1]].end : token.start]))
            )
            if capital:
                run.append(index)
                continue
            if len(run) >= 2:
                for member in run:
                    folded = fold(tokens[member].text)
                    parts = [part for part in folded.split("-") if part]
                    if folded in _FUNCTION_WORDS or all(
                        part in self.words.allowed for part in parts
                    ):
                        continue  # "Tamazight en Marokkaans-Arabisch"
                    yield member
            run = [index] if token is not None and capital else []

    def _full_names(self, text: str, tokens: list[Token]) -> Iterator[tuple[int, int]]:
        """Without capitals to go by: a first name followed by a surname ("piet de vries")."""
        for index, token in enumerate(tokens):
            if token.number or fold(token.text) not in self.words.first_names:
                continue
            if fold(token.text) in _FUNCTION_WORDS or (
                token.text[:1].islower() and self.words.frequency(fold(token.text)) >= 5.0
            ):
                continue  # "ik ben de zoon": "ben" is the verb here
            following = index + 1
            while following < len(tokens) and fold(tokens[following].text) in TUSSENVOEGSELS:
                following += 1
            if following >= len(tokens) or following - index > 3:
                continue
            candidate = tokens[following]
            gap = text[token.end : candidate.start]
            folded = fold(candidate.text)
            if candidate.number or not re.fullmatch(r"[\s\w'’]*", gap):
                continue
            particle = following > index + 1  # "piet de vries"
            if (
                self.words.is_name(folded)
                and folded not in _FUNCTION_WORDS
                and (particle or not self.words.is_ordinary(folded))
            ):
                yield index, following - index + 1  # not "mohamed belt": "belt" is a verb

    def _named_by_cue(self, text: str, tokens: list[Token], index: int, mode: str) -> bool:
        """The word right after a cue for a person, a pet or a place ("dochter Roos",
        "hond bobby", "buurthuis de wissel") is its name unless it reads as the sentence
        going on ("dochter woont", "de kerk gaat")."""
        found = _cue_before(text, tokens, index)
        if found is None:
            return False
        back, cue, labelled = found
        token = tokens[index]
        folded = fold(token.text)
        if self._never_cued_name(folded, place=is_head(cue) and token.text[:1].isupper()):
            return False
        if (_sentence_initial(text, token.start) and not labelled) or self._abbreviated(
            text, token
        ):
            return False  # "Familie: ...\nHobby's": the next line is not a name
        if cue in _NAMING_CUES:
            return True  # "kat heet Snuf"
        return self._name_after_cue(cue, token, mode, after_particle=back < index - 1)

    def _never_cued_name(self, folded: str, *, place: bool = False) -> bool:
        """A word that is not a name even right after a cue. After a place's head noun a
        capitalised place or country is the place's own name ("grillroom Balkan",
        "restaurant Istanbul"); an origin stays ("kerk Molukse", see below)."""
        if folded in _FUNCTION_WORDS or folded in self.keep:
            return True
        if folded in self.words.allowed and not self.words.is_name(folded) and not place:
            return True  # "zijn broer Frans", "vriendin holland" are names; "spreekt Frans" not
        return folded in PERSON_CUES or folded in PET_CUES or folded in HEADS

    def _name_after_cue(self, cue: str, token: Token, mode: str, *, after_particle: bool) -> bool:
        """Whether the word after a (non-naming) cue reads as a name rather than the
        sentence going on."""
        folded = fold(token.text)
        if folded.endswith(_ADJECTIVE_ENDINGS) and self.words.frequency(folded) >= ADJECTIVE_ZIPF:
            return False  # "gemeente Molukse", "kerk Bosnische": an origin, not a name
        if mode != "upper" and token.text[:1].isupper():
            return True  # a capital after the cue: a name
        name_word = self.words.is_name(folded) or folded in self.words.particle_names
        if cue == "iemand":
            return name_word
        if after_particle and (is_head(cue) or name_word):
            return True  # "buurthuis de wissel", "buurvrouw van leeuwen"; not "van de overkant"
        parts = [part for part in folded.split("-") if part]
        named = any(self.words.is_name(part) for part in parts)
        if cue in PERSON_CUES and named and not self.words.is_verb_form(folded, names_too=True):
            return True  # "de familie visser", "maten piet"; not "dochter belt"
        if len(parts) > 1 and all(
            self.words.is_known(part) and self.words.frequency(part) >= 3.5 for part in parts
        ):
            return False  # "zo-ochtend"
        if not self.words.is_known(folded):
            return True
        if cue in PET_CUES and mode == "normal" and _verb_like(folded, self.words):
            return False  # "westie blaft", "poes slaapt": the sentence goes on
        return (self.words.is_name(folded) and not self.words.is_ordinary(folded)) or (
            cue not in PERSON_CUES and self.words.frequency(folded) < 3.5
        )

    def _a_language(self, text: str, token: Token) -> bool:
        """A word in the list of languages after "spreekt", "taal" and the like."""
        window = re.split(r"[.!?;:\n(]", text[max(0, token.start - 80) : token.start])[-1]
        cue = _LANGUAGE_CUE_RE.search(window)
        if cue is None:
            return False
        between = re.findall(r"[^\W\d_][\w'’-]*", window[cue.end() :])
        return all(
            fold(word) in _LANGUAGE_LIST_WORDS or fold(word) in self.words.allowed
            for word in between
        )

    def _named_by_apposition(self, text: str, token: Token) -> bool:
        """ "engel, haar buurvrouw, ...": a word that a person noun explains is a name."""
        folded = fold(token.text)
        if folded in _FUNCTION_WORDS or folded in PERSON_CUES or folded in self.keep:
            return False
        after = _APPOSITION_RE.match(text[token.end :])
        return bool(after and fold(after.group(1)) in PERSON_CUES - _NAMING_CUES)

    def _names_a_head(self, text: str, tokens: list[Token], index: int, mode: str) -> bool:
        if index + 1 >= len(tokens) or tokens[index + 1].number:
            return False
        if not re.fullmatch(r"\s+", text[tokens[index].end : tokens[index + 1].start]):
            return False
        if fold(tokens[index + 1].text) not in HEADS:
            return False
        token = tokens[index]
        folded = fold(token.text)
        if folded in _FUNCTION_WORDS or folded in self.words.allowed:
            return False
        if folded.endswith(_ADJECTIVE_ENDINGS) and self.words.frequency(folded) >= ADJECTIVE_ZIPF:
            return False  # "het Molukse koor": an origin, not a name
        capital = mode == "normal" and token.text[:1].isupper()
        return capital or not self.words.is_ordinary(folded)

    # --- phrasing -------------------------------------------------------------------

    def redact(self, text: str) -> tuple[str, int]:
        """The text with every suspect phrased away or its sentence dropped; how many."""
        suspects = self.suspects(text)
        if not suspects:
            return text, 0
        pieces: list[str] = []
        position = 0
        for start, end in _sentences(text):
            inside = [s for s in suspects if start <= s.start < end]
            pieces.append(text[position:start])
            sentence = text[start:end]
            if inside:
                sentence = self._rephrase(sentence, [_shift(s, -start) for s in inside])
            pieces.append(sentence)
            position = end
        pieces.append(text[position:])
        return _tidy("".join(pieces)), len(suspects)

    def _rephrase(self, sentence: str, suspects: list[Suspect]) -> str:
        units = _units(sentence, suspects)
        pet = _pet_kept(sentence, units)
        if pet:
            return pet
        untouched = len(sentence)  # the text before this offset is as it was
        for unit_start, unit_end in sorted(units, reverse=True):
            if unit_end > untouched:
                continue  # gone with a later unit's aside or clause: "(Tijger, Snoesje)"
            replaced = (
                _as_age_range(sentence, unit_start, unit_end)
                or _without_unit(sentence, unit_start, unit_end)
                or _without_parenthetical(sentence, unit_start, unit_end)
                or _without_list_item(sentence, unit_start, unit_end)
                or _without_place_phrase(sentence, unit_start, unit_end)
                or _without_clause(sentence, unit_start, unit_end)
            )
            if replaced is None:
                return ""
            untouched = min(untouched, unit_start, _common_prefix(sentence, replaced))
            sentence = replaced
        if _dangles(sentence):
            return ""
        return sentence

    # --- the coordinator's marks ----------------------------------------------------

    def marks(self, text: str) -> list[Mark]:
        """Suspects still in ``text``, and capitalised mid-sentence words that passed only
        because they are known words (rare ones): what a coordinator should read again."""
        mode = casing(text)
        marks = [Mark(s.start, s.end, s.reason) for s in self.suspects(text)]
        taken = {(mark.start, mark.end) for mark in marks}
        for token in _tokens(text):
            folded = fold(token.text)
            if (token.start, token.end) in taken or folded in self.keep:
                continue
            if token.number:
                if not _DECADE_LEFT_RE.search(text[: token.start]):  # "in de 80" is ours
                    marks.append(Mark(token.start, token.end, "getal"))
                continue
            if folded in _FUNCTION_WORDS or folded in self.words.allowed:
                continue
            name_only = self.words.is_name(folded) and not self.words.is_ordinary(folded)
            capital_mid = (
                mode != "upper"
                and token.text[:1].isupper()
                and not _sentence_initial(text, token.start)
            )
            if name_only or (
                capital_mid and (self.words.is_name(folded) or self.words.frequency(folded) < 3.5)
            ):
                marks.append(Mark(token.start, token.end, "lijkt op een naam"))
        return sorted(marks, key=lambda mark: mark.start)


_DIGIT_WORD = r"(?:nul|een|één|twee|drie|vier|vijf|zes|zeven|acht|negen)"
_SPOKEN_DIGITS_RE = re.compile(
    rf"\b{_DIGIT_WORD}(?:[\s,.-]+{_DIGIT_WORD}){{5,}}\b", re.IGNORECASE
)  # six or more digits read out: no count or time is said so
_PARTICLE_BEFORE_RE = re.compile(r"\b(?:van|de|der|den|ter|ten|van de|van der|van den)\s+$")


def _common_prefix(one: str, other: str) -> int:
    return len(os.path.commonprefix([one, other]))


def _verb_like(folded: str, words: Vocabulary) -> bool:
    """A known word in the form of a verb after its subject ("blaft", "slaapt"), no name."""
    return folded.endswith("t") and len(folded) > 3 and not words.is_name(folded)


def _street_like(folded: str) -> bool:
    return any(
        folded.endswith(suffix) and len(folded) > len(suffix) + 2 for suffix in _STREET_SUFFIXES
    )


def is_head(word: str) -> bool:
    """An institution's head noun, also at the end of a compound ("modelspoorclub")."""
    return word in HEADS or any(
        word.endswith(head) and len(word) > len(head) + 2 for head in _COMPOUND_HEADS
    )


def _shift(suspect: Suspect, offset: int) -> Suspect:
    return Suspect(suspect.start + offset, suspect.end + offset, suspect.reason)


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    """Sentence spans including their closing marks (not split inside "317.066.900")."""
    spans = split_sentences(text, semicolons=True)
    for index, (start, end) in enumerate(spans):
        limit = spans[index + 1][0] if index + 1 < len(spans) else len(text)
        closing = re.match(r"[.!?]*[\"'”’)]*", text[end:limit])
        yield start, end + (closing.end() if closing else 0)


def _units(sentence: str, suspects: list[Suspect]) -> list[tuple[int, int]]:
    """Adjacent suspects, with the tussenvoegsels between them, as one unit."""
    units: list[list[int]] = []
    for suspect in suspects:
        if units:
            gap = sentence[units[-1][1] : suspect.start]
            words = gap.split()
            if not gap.strip() or (
                re.fullmatch(r"[\s\w'’.]*", gap) and all(fold(w) in TUSSENVOEGSELS for w in words)
            ):
                units[-1][1] = suspect.end
                continue
        units.append([suspect.start, suspect.end])
    # "de Vries": a tussenvoegsel right before a unit belongs to it
    for unit in units:
        while True:
            match = re.search(r"(?:^|\s)([\w'’]+)\s+$", sentence[: unit[0]])
            word = match.group(1) if match else ""
            named = _word_before(sentence, match.start(1)) if match else None
            # "mevrouw van Dam", "Jan de Vries", "De Vries": the particle is part of the
            # name after a person cue, a capitalised first name or with its own capital;
            # "houdt van Kumasi" keeps its verb's "van"
            particle_of_name = word[:1].isupper() or (
                named is not None
                and (named[0] in PERSON_CUES or sentence[named[1] : named[1] + 1].isupper())
            )
            if match and fold(word) in TUSSENVOEGSELS - {"de", "het", "'t"} and particle_of_name:
                unit[0] = match.start(1)
                continue
            if (
                match
                and fold(word) in {"de", "het", "'t", "den"}
                and (word[:1].isupper() or (named is not None and named[0] in HEADS))
            ):
                unit[0] = match.start(1)  # "zorgcentrum De Wielborg", "flat 't Hooft"
                continue
            break
    return [(start, end) for start, end in units]


def _word_before(sentence: str, position: int) -> tuple[str, int] | None:
    match = re.search(r"([^\W\d_][\w'’-]*)([\s,:(\"'“‘]*)$", sentence[:position])
    return (fold(match.group(1)), match.start(1)) if match else None


def _word_after(sentence: str, position: int) -> tuple[str, int] | None:
    match = re.match(r"\s+([^\W\d_][\w'’-]*)", sentence[position:])
    return (fold(match.group(1)), position + match.end(1)) if match else None


def _without_unit(sentence: str, start: int, end: int) -> str | None:
    """The sentence without the unit, if a cue around it keeps the sentence whole; else None."""
    before = _word_before(sentence, start)
    after = _word_after(sentence, end)
    unit = fold(sentence[start:end])
    # "op nummer 8", "nr. 31", "(nummer 12b)": the label and its preposition go too
    label = re.search(r"(?:\b(?:op|aan|van|naast|tegenover)\s+)?(?:huisnummer|nummer|nr|no)\.?\s*$",
                      sentence[:start], re.IGNORECASE)  # fmt: skip
    if label and re.fullmatch(r"[\d\s]+[a-z]?", unit):
        return _cut(sentence, label.start(), end)
    # "haar dochter Roos", "een kat, Moos, die", "zorgcentrum De Wielborg"
    if before and (before[0] in PERSON_CUES or before[0] in PET_CUES or before[0] in HEADS):
        if before[0] in _NAMING_CUES:
            return None
        cue_end = _after_word(sentence, before[1])
        opener = sentence[cue_end:start].strip()[:1]
        closer = _CLOSERS.get(opener, "")
        if (
            opener
            and closer
            and not re.match(r"\s*(?:" + re.escape(closer) + r"|[.!?;]|$)", sentence[end:])
        ):
            return None  # ", ronny voor vrienden," is more than a name: its clause goes
        cut = _cut(sentence, cue_end, end, apposition=True)
        if before[0] in HEADS and not _article_before(cut, before[1]):
            article = "een "  # "in zorgcentrum De Wielborg" -> "in een zorgcentrum"
            return (
                cut[: before[1]]
                + (article.capitalize() if before[1] == 0 else article)
                + (cut[before[1] :])
            )
        return cut
    # "de Mevlana moskee": the name before a head noun
    if after and after[0] in HEADS:
        return _cut(sentence, start, end)
    # "in de Ulu Cami", "naar de Shri Ram Mandir": a name ending in its head noun
    words = sentence[start:end].split()
    if len(words) > 1 and fold(words[-1]) in HEADS:
        head = DUTCH_HEAD.get(fold(words[-1]), words[-1].lower())
        has_article = _article_before(sentence, start)
        noun = head if has_article else f"{'het' if head in _HET_HEADS else 'de'} {head}"
        return sentence[:start] + noun + sentence[end:]
    # "de Augustijnenkerk": a compound that ends in a head noun becomes that noun
    for head in sorted(HEADS, key=len, reverse=True):
        if unit.endswith(head) and len(unit) > len(head) + 2 and " " not in unit:
            has_article = _article_before(sentence, start)
            noun = head if has_article else f"{'het' if head in _HET_HEADS else 'de'} {head}"
            return sentence[:start] + noun + sentence[end:]
    return None


_PET_NAMED_RE = re.compile(
    r"^(?P<lead>\s*(?:[-*•]\s*)?)(?:(?P<owner>haar|zijn|z'n|d'r|hun|de|een)\s+)?"
    r"(?P<pet>[^\W\d_]+)\s*(?:,?\s*(?:heet|genaamd|met de naam|met naam)\b|:)?\s*$",
    re.IGNORECASE,
)
_PET_REST_RE = re.compile(r"^[^\w]*?(?:(?P<clause>[,;]\s*\w.*)|[^\w]*)$", re.DOTALL)


def _pet_kept(sentence: str, units: list[tuple[int, int]]) -> str:
    """ "poes Mientje.", "Z'n parkiet heet Karel, daar praat ie tegen": a sentence that only
    named a pet keeps that there is one ("Heeft een poes.", "Hij heeft een parkiet, daar
    ..."); any other sentence that cannot be rephrased goes (empty)."""
    first, last = min(units)[0], max(units)[1]
    named = _PET_NAMED_RE.match(sentence[:first])
    rest = _PET_REST_RE.match(sentence[last:])
    if not named or not rest or fold(named.group("pet")) not in PET_CUES:
        return ""
    capital = sentence.lstrip(" -*•")[:1].isupper()
    phrase = has_pet(named.group("owner") or "", named.group("pet"), capital=capital)
    clause = rest.group("clause")
    ending = clause if clause else "."
    return named.group("lead") + phrase + ending


_AGE_HOLDER_RE = re.compile(
    r"\b(?:dame|heer|man|vrouw|mevrouw|meneer|weduwe|weduwnaar|vrijgezel|bewoner|bewoonster"
    r"|cliënt|cliënte|oudere|senior)\s+van\s+$|\b(?:is|was)\s+$",
    re.IGNORECASE,
)
_AGE_UNIT_RE = re.compile(r"\s*(?:jaar|jr)\b\.?(?:\s+oud\b)?", re.IGNORECASE)


def _as_age_range(sentence: str, start: int, end: int) -> str | None:
    """ "een dame van 80 met artrose", "Meneer is 84 jaar": the age becomes its range
    ("een dame van in de tachtig", "Meneer is in de tachtig")."""
    particle = re.match(r"van\s+", sentence[start:end])  # a unit takes "van" as a particle
    start += particle.end() if particle else 0
    number = re.fullmatch(r"(\d{2,3})\s*(?:jr|j)?\.?", sentence[start:end])
    holder = _AGE_HOLDER_RE.search(sentence[:start])
    if not number or not holder or not 20 <= int(number.group(1)) <= 110:
        return None
    unit = _AGE_UNIT_RE.match(sentence[end:])
    bare = not (unit or sentence[start:end][-1:].isalpha())
    if holder.group().lower().startswith(("is", "was")) and bare:
        return None  # "is 80" alone may be a house number or a score
    end += unit.end() if unit else 0
    phrase = age_range(int(number.group(1)))
    if phrase.startswith("op ") and re.search(r"\bvan\s+$", sentence[:start]):
        start = re.search(r"\s*\bvan\s+$", sentence[:start]).start()  # type: ignore[union-attr]
        phrase = " " + phrase  # "een dame op hoge leeftijd"
    return sentence[:start] + phrase + sentence[end:]


def _without_parenthetical(sentence: str, start: int, end: int) -> str | None:
    """ "Mevrouw (Gosia) woont", "zoontje (6)": the whole aside goes."""
    opening = sentence.rfind("(", 0, start)
    closing = sentence.find(")", end)
    if opening < 0 or closing < 0 or ")" in sentence[opening:start] or "(" in sentence[end:closing]:
        return None
    return _cut(sentence, opening, closing + 1)


# After "en": a noun phrase goes on the list ("twi en engels", "Bwakki en haar dochter"),
# a verb starts a clause of its own ("pho en kweekt kruiden").
_LIST_WORDS = (
    LANGUAGES
    | COUNTRIES
    | wordset("de het een 't haar zijn z'n d'r hun mijn onze twee drie vier andere wat")
)
_ITEM_LEFT_RE = re.compile(r"(?:,|\s(?:en|of|&)|\s?[+/])\s*$", re.IGNORECASE)
_ITEM_RIGHT_RE = re.compile(r"^\s*(?:,|(?:en|of|&)\s|[+/])\s*(?=[^\W\d_])", re.IGNORECASE)


def _without_list_item(sentence: str, start: int, end: int) -> str | None:
    """One item of a list goes with its separator: "spreekt Twi en Engels" -> "spreekt
    Engels", "breien, Rummikub en wandelen" -> "breien en wandelen". Not a number: a
    house number says its street is a name too."""
    if re.search(r"\d", sentence[start:end]):
        return None
    if re.search(r"\b(?:heet|heten|genaamd|noemt|noemen)\s*$", sentence[:start], re.IGNORECASE):
        return None  # "De kat heet Minoes en is oud": a name, not an item of a list
    left = _ITEM_LEFT_RE.search(sentence[:start])
    right = _ITEM_RIGHT_RE.match(sentence[end:])
    if not left and not right:
        return None
    word_before = re.search(r"[^\W\d_][\w'’-]*$", sentence[: left.start()]) if left else None
    if left and word_before and (not right or sentence[left.start()] == ","):
        return sentence[: left.start()] + sentence[end:]
    following = re.match(r"[^\W\d_][\w'’-]*", sentence[end + right.end() :]) if right else None
    if (
        right
        and following
        and right.group().strip() != ","  # not "uit Charkiv, in de"
        and (following.group()[:1].isupper() or fold(following.group()) in _LIST_WORDS)
    ):  # "Twi en Engels"; not "kookt graag pho en kweekt kruiden"
        return sentence[:start] + sentence[end + right.end() :]
    if right and following and re.match(r"\s*(?:en|of)\s", sentence[end:]):
        return _without_object(sentence, start, end)
    return None


def _without_object(sentence: str, start: int, end: int) -> str | None:
    """ "Hij kookt graag pho en kweekt kruiden" -> "Hij kookt graag en kweekt kruiden": a
    word in lower case after a verb goes alone (a hobby, a dish, a game); not after a
    preposition or article, and not a capitalised name ("bezoekt Ahmed en")."""
    before = re.search(r"([^\W\d_][\w'’-]*)\s+$", sentence[:start])
    if sentence[start : start + 1].isupper() or not before:
        return None
    if fold(before.group(1)) in _NOT_BEFORE_AN_OBJECT:
        return None
    return _cut(sentence, start, end)


_NOT_BEFORE_AN_OBJECT = (
    _PREPOSITIONS
    | _NAMING_CUES
    | wordset(
        """de het een 't haar zijn z'n d'r hun mijn onze jullie die dat deze met voor over
        om tot uit door zonder tussen tegen bij via is was wordt werd zoals"""
    )
)


_PLACE_PREPOSITION_RE = re.compile(
    r"\b(?:uit|in|te|vanuit|naar|richting)\s+(?:(?:de|het|'t)\s+)?$", re.IGNORECASE
)  # "komt uit Charkiv", "ligt in het ASz"


def _without_place_phrase(sentence: str, start: int, end: int) -> str | None:
    """ "komt uit Charkiv, ..." -> "komt, ...": a place's name goes with its preposition
    when the sentence goes on without it."""
    preposition = _PLACE_PREPOSITION_RE.search(sentence[:start])
    if not preposition or not sentence[start:end][:1].isupper():
        return None
    if not re.match(r"\s*(?:[,;.!?)]|$|(?:en|of|maar|waar|om|sinds)\b)", sentence[end:]):
        return None
    cut = _cut(sentence, preposition.start(), end)
    return None if _dangles(cut) else cut


_CLAUSE_BREAK_RE = re.compile(r"\s*(?:[,;|]|\s-\s|\s–\s|\s/\s)\s*")


def _without_clause(sentence: str, start: int, end: int) -> str | None:
    """In a sentence of several clauses, the clause with the suspect goes; else None."""
    breaks = [(match.start(), match.end()) for match in _CLAUSE_BREAK_RE.finditer(sentence)]
    if not breaks:
        return None
    left = max((b for b in breaks if b[1] <= start), default=None, key=lambda b: b[0])
    right = min((b for b in breaks if b[0] >= end), default=None, key=lambda b: b[0])
    if left is None and right is None:
        return None
    if left is None:
        assert right is not None
        rest = sentence[right[1] :]
        return rest[:1].upper() + rest[1:] if sentence[:1].isupper() else rest
    if right is None:
        ending = re.search(r"[.!?]+[\"'”’)]*\s*$", sentence)
        return sentence[: left[0]] + (ending.group() if ending else "")
    return sentence[: left[0]] + sentence[right[0] :]


def _after_word(sentence: str, start: int) -> int:
    match = re.match(r"[^\W\d_][\w'’-]*", sentence[start:])
    return start + (match.end() if match else 0)


def _article_before(sentence: str, position: int) -> bool:
    return bool(re.search(r"\b(?:de|het|een|'t|haar|zijn|hun|onze)\s+$", sentence[:position], re.I))


_CLOSERS = {",": ",", ";": ";", "(": ")", '"': '"', "'": "'", "“": "”", "‘": "’", ":": ""}


def _cut(sentence: str, start: int, end: int, *, apposition: bool = False) -> str:
    """Remove ``sentence[start:end]``; for an apposition also the mark that closes it."""
    left, right = sentence[:start], sentence[end:]
    if apposition:
        opener = sentence[start:end].lstrip()[:1]
        closer = _CLOSERS.get(opener, "")
        if closer and right.lstrip().startswith(closer):
            right = right.lstrip()[len(closer) :]
    left = left.rstrip()
    if right and not re.match(r"^[\s.,;:!?)]", right):
        right = " " + right
    if not left:
        right = right.lstrip()
    return left + right


def _dangles(sentence: str) -> bool:
    """A sentence that a removal left without its end: "De hond heet.", "Ze gaat naar."."""
    body = sentence.strip().rstrip(".!?\"'”)").strip()
    if not body:
        return True
    last = fold(body.split()[-1]) if body.split() else ""
    if last in _PREPOSITIONS | {
        "de",
        "het",
        "een",
        "'t",
        "heet",
        "genaamd",
        "en",
        "of",
        "met",
        "via",
    }:
        return True
    return len(body.split()) < 2


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*([.;:!?])", r"\1", text)
    text = re.sub(r"\n[ \t]+", "\n", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    # a sentence that now starts in lower case after a dropped one keeps its own case
    return text.strip()


def screen(text: str, *, keep: Sequence[str] = ()) -> tuple[str, int]:
    """Deny-by-default redaction of ``text``; ``keep`` are words that may stay (the wijk)."""
    return Screen(keep=keep).redact(text)


def marks(text: str, *, keep: Sequence[str] = ()) -> list[Mark]:
    return Screen(keep=keep).marks(text)
