"""Chains and brands in general words: "bij de Jumbo" → "bij de supermarkt".

A chain's name identifies nobody by itself, but beside "om de hoek" it tells where the
resident lives, and a volunteer needs only the kind of place. So every mention of a
supermarket, shop, bank, insurer, football club, housing corporation or transport company
of this region becomes the general word before anything else reads the text. Names that
are also ordinary words or first names ("Plus", "Dirk", "Action") count only with a
capital right after "de"; some only as written ("RET", "AH"). Care organisations that
deduce's lists lack are found here too, as institutions for the rewrite.
"""

from __future__ import annotations

import re

# kind -> (the general word, its article, the chains of that kind)
_CHAINS: dict[str, tuple[str, str, str]] = {
    "supermarket": (
        "supermarkt",
        "de",
        """Albert Heijn|AH|Jumbo|Lidl|Aldi|Vomar|Hoogvliet|Jan Linders|Nettorama|Dekamarkt|
        Poiesz|Ekoplaza|Boni|Picnic""",
    ),
    "shop": (
        "winkel",
        "de",
        """Kruidvat|Etos|Blokker|Zeeman|Wibra|Xenos|Praxis|Karwei|Hornbach|Intratuin|Ikea|
        MediaMarkt|Primark|Big Bazar|Trekpleister|Scapino|Bruna|Primera""",
    ),
    "bank": (
        "bank",
        "de",
        """Rabobank|ABN AMRO|ING|SNS|ASN Bank|Triodos|Santander|Knab|Bunq|RegioBank|
        Volksbank""",
    ),
    "insurer": (
        "verzekeraar",
        "de",
        """DELA|Monuta|Yarden|Achmea|Zilveren Kruis|CZ|VGZ|Menzis|Centraal Beheer|Interpolis""",
    ),
    "club": (
        "voetbalclub",
        "een",
        """Feyenoord|Ajax|PSV|AZ|FC Twente|FC Utrecht|FC Groningen|FC Dordrecht|Vitesse|
        Sparta|Excelsior|NAC|Willem II|ADO Den Haag|Go Ahead Eagles|NEC|Heracles|
        PEC Zwolle|RKC|Fortuna Sittard|Roda JC|FC Den Bosch|Almere City""",
    ),
    "transport": (
        "vervoerbedrijf",
        "het",
        """Arriva|Qbuzz|Connexxion|RET|HTM|GVB|Valys|Hermes""",
    ),
    "housing": (
        "woningcorporatie",
        "de",
        """Woonbron|Trivire|Woonkracht10|Woonkracht 10|Rhiant|Tablis Wonen|Poort6|
        Havensteder|Woonstad|Vestia|Ymere|Eigen Haard|Portaal|Mitros""",
    ),
}
# Names that are also Dutch words, initials or first names count only as written here:
# "een zeeman", "het portaal", "ah, ..." and "ing." stay what they are.
_AS_WRITTEN = frozenset(
    re.split(
        r"\s+",
        """AH ING SNS CZ VGZ AZ NEC NAC PSV RKC DELA Zeeman Praxis Trekpleister Bruna Primera
        Portaal Boni Picnic Knab Bunq Sparta Excelsior RET HTM GVB Hermes Valys""",
    )
) | {"Eigen Haard"}
# Chain names that are ordinary words or first names: only "de Plus", "de Dirk".
_AFTER_ARTICLE_ONLY: dict[str, str] = {
    "Plus": "supermarket", "Dirk": "supermarket", "Coop": "supermarket",
    "Spar": "supermarket", "Deen": "supermarket", "Action": "shop", "Gamma": "shop",
    "Hema": "shop", "HEMA": "shop", "Kwantum": "shop",
}  # fmt: skip


def _alternation(names: list[str]) -> str:
    ordered = sorted(names, key=len, reverse=True)
    return "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in ordered)


def _pattern(names: list[str], flags: int) -> re.Pattern[str]:
    return re.compile(
        # not inside an e-mail address or a web address ("j.jansen@i-psy.nl")
        r"(?<![\w&@./-])(?:(de|het|De|Het)\s+)?(" + _alternation(names) + r")(?:'s)?"
        r"(?![\w&@-]|\.\w)",
        flags,
    )


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for kind, (_, _, listed) in _CHAINS.items():
        names = [name.strip() for name in listed.split("|") if name.strip()]
        written = [name for name in names if name in _AS_WRITTEN]
        any_case = [name for name in names if name not in _AS_WRITTEN]
        found.append((kind, _pattern(any_case, re.IGNORECASE)))
        if written:
            found.append((kind, _pattern(written, 0)))
    return found


_NAMED = _patterns()
_ARTICLE_ONLY = re.compile(
    r"(?<![\w])([Dd]e)\s+(" + _alternation(list(_AFTER_ARTICLE_ONLY)) + r")(?![\w])"
)


def _general(kind: str, text: str, start: int, article: str | None) -> str:
    """The general words for a chain at ``start`` in ``text``; its article is kept."""
    noun, default_article, _ = _CHAINS[kind]
    if article:  # "de RET" -> "het vervoerbedrijf": the noun's own article
        own = default_article if default_article in ("de", "het") else article.lower()
        return f"{own.capitalize() if article[:1].isupper() else own} {noun}"
    before = text[:start].rstrip(" \t\"'“‘")
    phrase = f"{default_article} {noun}"
    if not before or before[-1] in ".!?:\n(-*•":
        return phrase[:1].upper() + phrase[1:]
    return phrase


# Care organisations that deduce's list lacks; found as institutions, so the rewrite
# phrases them as it does the others ("de thuiszorg van Careyn" -> "de thuiszorg").
_CARE = _pattern(
    [
        "i-psy",
        "Arkin",
        "Emergis",
        "Waardeburgh",
        "Internos",
        "Gemiva",
        "Kwadraad",
        "Tzorg",
        "Trivium Lindenhof",
        "Sterk Huis",
        "MEE Plus",
        "Stichting MEE",
    ],  # fmt: skip
    re.IGNORECASE,
)
_CARE_AS_WRITTEN = _pattern(["Buurtzorg"], 0)


def care_organisations(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a care organisation that deduce's lists do not know."""
    return [
        match.span(2) for pattern in (_CARE, _CARE_AS_WRITTEN) for match in pattern.finditer(text)
    ]


def generalise_chains(text: str) -> str:
    """``text`` with every chain, bank, insurer, club, corporation and transport company
    named by its kind."""
    for kind, pattern in _NAMED:

        def general(match: re.Match[str], kind: str = kind) -> str:
            return _general(kind, match.string, match.start(), match.group(1))

        text = pattern.sub(general, text)
    return _ARTICLE_ONLY.sub(
        lambda match: f"{match.group(1)} {_CHAINS[_AFTER_ARTICLE_ONLY[match.group(2)]][0]}",
        text,
    )
