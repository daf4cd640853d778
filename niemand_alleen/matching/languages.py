"""Which languages a free text names, for the language flag on the matching page (pure).

The resident's *Voorkeuren* ("liever een vrouw, spreekt Turks en Nederlands") and a good
neighbour's answer to "Welke talen spreekt u?" ("Nederlands, een beetje Arabisch") are free
text. We recognise the languages spoken in Dordrecht and its surroundings by name, in Dutch
and in English, in any case and with or without diacritics, and give each one Dutch name so
the two texts can be compared.

Only language *nouns* count: "Turks" is a language, "een Turkse vrouw" is not. A language
after "geen" or "niet" is skipped ("spreekt geen Nederlands, wel Turks" names Turks only);
the negation runs on over "of", "en" and "noch" ("geen Duits of Engels").
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["LANGUAGE_NAMES", "languages_in"]

# Dutch display name -> the words (folded: lower case, no diacritics) that name it.
_ALIASES: dict[str, tuple[str, ...]] = {
    "Nederlands": ("nederlands", "dutch", "vlaams"),
    "Nederlandse Gebarentaal": ("gebarentaal", "ngt"),
    "Fries": ("fries", "frysk", "frisian"),
    "Engels": ("engels", "english"),
    "Duits": ("duits", "german"),
    "Frans": ("frans", "french"),
    "Spaans": ("spaans", "spanish"),
    "Portugees": ("portugees", "portuguese"),
    "Italiaans": ("italiaans", "italian"),
    "Pools": ("pools", "polish"),
    "Turks": ("turks", "turkish"),
    "Arabisch": ("arabisch", "arabic"),
    "Marokkaans-Arabisch": ("marokkaans", "darija", "marokkaans-arabisch"),
    "Berbers": ("berbers", "tamazight", "tarifit", "riffijns", "berber"),
    "Sranantongo": ("sranantongo", "sranan", "surinaams"),
    "Sarnami": ("sarnami", "hindoestaans", "sarnami-hindoestaans"),
    "Papiaments": ("papiaments", "papiamento", "papiamentu"),
    "Kaapverdisch Creools": ("kaapverdisch", "kriolu", "kaapverdiaans"),
    "Somalisch": ("somalisch", "somali"),
    "Tigrinya": ("tigrinya", "tigrinia"),
    "Amhaars": ("amhaars", "amharic"),
    "Koerdisch": ("koerdisch", "kurdish", "kurmanci", "sorani"),
    "Perzisch": ("perzisch", "farsi", "persian"),
    "Dari": ("dari",),
    "Pasjtoe": ("pasjtoe", "pashto", "pasjtoens"),
    "Urdu": ("urdu",),
    "Hindi": ("hindi",),
    "Bengaals": ("bengaals", "bengali", "bangla"),
    "Tamil": ("tamil",),
    "Chinees": ("chinees", "mandarijn", "mandarin", "kantonees", "cantonese"),
    "Japans": ("japans", "japanese"),
    "Koreaans": ("koreaans", "korean"),
    "Thais": ("thais", "thai"),
    "Vietnamees": ("vietnamees", "vietnamese"),
    "Indonesisch": ("indonesisch", "indonesian", "bahasa"),
    "Russisch": ("russisch", "russian"),
    "Oekraïens": ("oekraiens", "ukrainian"),
    "Roemeens": ("roemeens", "romanian"),
    "Bulgaars": ("bulgaars", "bulgarian"),
    "Hongaars": ("hongaars", "hungarian"),
    "Grieks": ("grieks", "greek"),
    "Servisch": ("servisch", "serbian"),
    "Kroatisch": ("kroatisch", "croatian"),
    "Bosnisch": ("bosnisch", "bosnian"),
    "Albanees": ("albanees", "albanian"),
    "Armeens": ("armeens", "armenian"),
    "Hebreeuws": ("hebreeuws", "hebrew"),
    "Zweeds": ("zweeds", "swedish"),
    "Noors": ("noors", "norwegian"),
    "Deens": ("deens", "danish"),
    "Fins": ("fins", "finnish"),
    "Tsjechisch": ("tsjechisch", "czech"),
    "Slowaaks": ("slowaaks", "slovak"),
    "Litouws": ("litouws", "lithuanian"),
    "Lets": ("lets", "latvian"),
}

LANGUAGE_NAMES: dict[str, str] = {
    alias: name for name, aliases in _ALIASES.items() for alias in aliases
}

_NEGATIONS = frozenset({"geen", "niet", "no", "not"})
_CONNECTORS = frozenset({"of", "en", "noch", "or", "and", "nor"})
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _language_of(word: str) -> str | None:
    """The language a word names: the whole word, else one of its hyphenated parts
    ("Servo-Kroatisch" -> Kroatisch)."""
    whole = LANGUAGE_NAMES.get(word)
    if whole is not None or "-" not in word:
        return whole
    parts = [LANGUAGE_NAMES.get(part) for part in word.split("-")]
    return next((part for part in parts if part is not None), None)


def languages_in(text: str | None) -> tuple[str, ...]:
    """The languages ``text`` names (not negated), by Dutch name, in the order they appear."""
    found: list[str] = []
    negated = False
    for match in _WORD_RE.finditer(text or ""):
        word = _fold(match.group())
        language = _language_of(word)
        if word in _NEGATIONS:
            negated = True
        elif language is not None:
            if not negated and language not in found:
                found.append(language)
        elif word not in _CONNECTORS:
            negated = False
    return tuple(found)
