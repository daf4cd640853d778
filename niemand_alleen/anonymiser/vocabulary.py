"""Which words are ordinary Dutch, which are names, which domain words may stay (pure, cached).

Loaded once per process on first use (about 0.3 s and 45 MB), without importing deduce:

- ordinary words: the Dutch list of the ``wordfreq`` package (word frequencies from
  subtitles, Wikipedia, news and the web; Zipf scale, 7 is "de", 3 is once per million
  words), words of at least ``ORDINARY_ZIPF``;
- names: the first names and surnames of deduce's lookup lists, read as plain files;
- domain words that may stay even when written with a capital: places in the Netherlands
  above the level of a village (deduce's municipality, province and region lists), the
  world's languages and countries in Dutch (CLDR, through Babel), nationalities, religions
  and their feasts, eponymous illnesses (deduce's list) and a few acronyms of care.
"""

from __future__ import annotations

import bisect
import importlib.util
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from niemand_alleen.anonymiser.lexicon import (
    ABBREVIATIONS,
    ACRONYMS,
    COUNTRIES,
    LANGUAGES,
    MONTHS,
    fold,
)

ORDINARY_ZIPF = 2.0  # below this a word is too rare to tell from a name
SHORT_ZIPF = 3.5  # three-letter words: "vdb", "jkl" are frequent as initials
TWO_LETTER_ZIPF = 4.5  # two letters: "vk" (3.9) and "pk" (4.0) are initials, "ga" (5.9) a word
VERB_ZIPF = 3.0  # "tolken" (3.1), "praten": a verb frequent enough to know its forms by
NAME_AS_WORD_ZIPF = 4.0  # a name that is this frequent is also an ordinary word ("roos")

# Short forms of quick notes and chat.
_CHAT = """ff zn zo mss ivm btw ned evt tzt ofzo idd nvt oid nl wrs vd vh mbt ipv obv ihkv iom
ma di wo do vr za zo mnd wk kg gr km ml mg svp pw li re ca tel"""
CHAT_ABBREVIATIONS = frozenset(_CHAT.split())

# Religion, feasts and words of faith: a volunteer may need them; none identifies anyone.
_FAITH = """islam islamitisch islamitische moslim moslima christen christelijk christelijke
katholiek katholieke rooms-katholiek protestant protestants protestantse hervormd
gereformeerd gereformeerde evangelisch evangelische pinkstergemeente hindoe hindoeïstisch
hindoestaan hindoestaans hindoestaanse sikh boeddhist boeddhistisch joods joodse jood
hervormde orthodox orthodoxe koptisch koptische adventist baptist lutheraans luthers
anglicaans alevitisch alevitische soennitisch sjiitisch moslims christenen ramadan
suikerfeest offerfeest kerst kerstmis pasen pinksteren hemelvaart divali diwali holi
keti koti sinterklaas koningsdag oud nieuw bijbel koran god allah jezus maria"""

_DAYS = """maandag dinsdag woensdag donderdag vrijdag zaterdag zondag"""

# Faith in general words: what a volunteer may need, never the name of a place of its own.
FAITH_WORDS = frozenset(_FAITH.split())

# Capitalised words of this service's own world that identify nobody.
_SERVICE = """niemand alleen samen dordt buurtwerk hulplijn dordrecht drechtsteden wmo wlz aow
ggd ggz mevrouw meneer mevr mw dhr ik wij nl"""


@dataclass(frozen=True)
class Vocabulary:
    zipf: dict[str, float]  # folded word -> Zipf frequency, for words >= ORDINARY_ZIPF
    names: frozenset[str]  # folded first names and surnames
    first_names: frozenset[str]  # folded first names alone
    particle_names: frozenset[str]  # surnames that follow a particle ("van Leeuwen")
    allowed: frozenset[str]  # folded domain words that may stay even capitalised
    terms: frozenset[str]  # folded medical terms (deduce's list): known, never a name
    prefixes: tuple[str, ...]  # sorted frequent words, to read "overl." as "overleden"

    def frequency(self, folded: str) -> float:
        return self.zipf.get(folded, 0.0)

    def is_known(self, folded: str) -> bool:
        """A word of the Dutch list (names included), or a compound of frequent words."""
        if len(folded) <= 3:
            return (
                self.frequency(folded) >= (SHORT_ZIPF if len(folded) == 3 else TWO_LETTER_ZIPF)
                or folded in ABBREVIATIONS
                or folded in CHAT_ABBREVIATIONS
            )
        return folded in self.zipf or folded in self.terms or self._is_compound(folded)

    def is_verb_form(self, folded: str, *, names_too: bool = False) -> bool:
        """ "tolkt", "loopt", "praat", "belt": a present-tense form of a frequent verb
        ("tolken", "lopen", "praten", "bellen"); a word on the name lists only with
        ``names_too``."""
        if len(folded) < 3 or not folded.endswith("t"):
            return False
        if folded in self.names and not names_too:
            return False
        stem = folded[:-1]
        infinitives = [stem + "en"]
        single = re.sub(r"([aeou])\1(?=[^aeiou]?$)", r"\1", stem)  # "loop", "praa", "ee"
        if single != stem:
            infinitives.append(single + ("ten" if single.endswith(("a", "e")) else "en"))
        if re.search(r"[aeiou][bdfgklmnprs]$", stem):
            infinitives.append(stem + stem[-1] + "en")  # "bel" -> "bellen"
        return any(self.frequency(verb) >= VERB_ZIPF for verb in infinitives)

    def is_abbreviation(self, folded: str) -> bool:
        """ "overl", "alleenst", "buurvr": the start of a frequent word, written with a dot."""
        if len(folded) < 3:
            return False
        index = bisect.bisect_left(self.prefixes, folded)
        return index < len(self.prefixes) and self.prefixes[index].startswith(folded)

    def is_ordinary(self, folded: str) -> bool:
        """A known word that is not mostly a name ("roos" is ordinary, "fatma" is not)."""
        if folded in self.names and self.frequency(folded) < NAME_AS_WORD_ZIPF:
            return False
        return self.is_known(folded)

    def is_name(self, folded: str) -> bool:
        return folded in self.names

    def _is_compound(self, folded: str, depth: int = 0) -> bool:
        """ "wijkverpleegkundige", "rollatorloopje": two or three ordinary parts."""
        if len(folded) < 8 or depth > 1 or not folded.isalpha():
            return False
        for cut in range(3, len(folded) - 3):
            left, right = folded[:cut], folded[cut:]
            head = left[:-1] if left.endswith(("s", "e")) and left[:-1] in self.zipf else left
            if self.frequency(head) < 3.0:
                continue
            if self.frequency(right) >= 3.0 or self._is_compound(right, depth + 1):
                return True
        return False


def deduce_lists() -> Path:
    """deduce's source lists, found without importing deduce (it is heavy)."""
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("deduce is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "lookup" / "src"


def read_items(path: Path) -> set[str]:
    """The folded lines of one of deduce's list files (empty when it is missing)."""
    if not path.exists():
        return set()
    return {fold(line.strip()) for line in path.read_text("utf-8").splitlines() if line.strip()}


def _ordinary_words() -> dict[str, float]:
    import wordfreq

    data = Path(wordfreq.__file__).parent / "data" / "large_nl.msgpack.gz"
    buckets = wordfreq.read_cBpack(os.fspath(data))
    zipf: dict[str, float] = {}
    for index, words in enumerate(buckets):
        value = 9 - index / 100  # bucket i holds the words of frequency 10 ** (-i / 100)
        if value < ORDINARY_ZIPF:
            break
        for word in words:
            if word.isalpha() or "-" in word or "'" in word:
                zipf.setdefault(fold(word), value)
    return zipf


def _world_names() -> set[str]:
    """Languages and countries of the world in Dutch, from the CLDR data that Babel (and so
    Flask-Babel) ships: "Papiaments", "Kaapverdisch Creools", "Tigrinya", "Eritrea"."""
    from babel import Locale

    dutch = Locale("nl")
    names = [*dutch.languages.values(), *dutch.territories.values()]
    words = {fold(word) for name in names for word in name.replace("-", " ").split()}
    return {word for word in words if len(word) >= 3 and word.isalpha()}


@cache
def vocabulary() -> Vocabulary:
    lists = deduce_lists()
    first_names = {
        name
        for name in read_items(lists / "names" / "lst_first_name" / "items.txt")
        if len(name) >= 3 and " " not in name
    }
    names = first_names | {
        name
        for name in read_items(lists / "names" / "lst_surname" / "items.txt")
        if len(name) >= 3 and " " not in name
    }
    places = lists / "locations" / "lst_placename"
    allowed = set(COUNTRIES) | set(LANGUAGES) | {fold(word) for word in ACRONYMS}
    for sub in ("lst_municipality", "lst_province", "lst_region"):
        allowed |= read_items(places / sub / "items.txt")
    for disease in ("lst_eponymous_disease", "lst_eponymous_disease/lst_eponymous_single"):
        for line in read_items(lists / "whitelist" / disease / "items.txt"):
            allowed.update(line.split())
    allowed |= set(_FAITH.split()) | set(_DAYS.split()) | set(_SERVICE.split())
    allowed |= _world_names() - first_names  # "Jordan" and "Georgia" are names as well
    allowed |= {name for names in MONTHS.values() for name in names}
    allowed |= {word for entry in list(allowed) for word in entry.split() if len(word) >= 3}
    zipf = _ordinary_words()
    particle_names = read_items(lists / "names" / "lst_interfix_surname" / "items.txt")
    return Vocabulary(
        zipf=zipf,
        particle_names=frozenset(name for name in particle_names if len(name) >= 3),
        terms=frozenset(read_items(lists / "whitelist" / "lst_medical_term" / "items.txt")),
        prefixes=tuple(sorted(word for word, value in zipf.items() if value >= 3.0)),
        names=frozenset(names),
        first_names=frozenset(first_names),
        allowed=frozenset(allowed),
    )
