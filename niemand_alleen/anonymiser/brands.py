"""Chains and brands in general words: "bij de Jumbo" → "bij de supermarkt".

A chain's name identifies nobody by itself, but beside "om de hoek" it tells where the
resident lives, and a volunteer needs only the kind of place. So every mention of a
supermarket, shop, bank, football club or housing corporation of this region becomes the
general word before anything else reads the text. Names that are also ordinary words or
first names ("Plus", "Dirk", "Action") count only with a capital right after "de".
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
        Volksbank|DELA|Achmea|Zilveren Kruis|CZ|VGZ|Menzis""",
    ),
    "club": (
        "voetbalclub",
        "een",
        """Feyenoord|Ajax|PSV|AZ|FC Twente|FC Utrecht|FC Groningen|FC Dordrecht|Vitesse|
        Sparta|Excelsior|NAC|Willem II|ADO Den Haag|Go Ahead Eagles|NEC|Heracles|
        PEC Zwolle|RKC|Fortuna Sittard|Roda JC|FC Den Bosch|Almere City""",
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
        Portaal Boni Picnic Knab Bunq Sparta Excelsior""",
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
        r"(?<![\w&])(?:(de|het|De|Het)\s+)?(" + _alternation(names) + r")(?:'s)?(?![\w&])", flags
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
    if article:
        return f"{article} {noun}"
    before = text[:start].rstrip(" \t\"'“‘")
    phrase = f"{default_article} {noun}"
    if not before or before[-1] in ".!?:\n(-*•":
        return phrase[:1].upper() + phrase[1:]
    return phrase


def generalise_chains(text: str) -> str:
    """``text`` with every chain, bank, club and corporation named by its kind."""
    for kind, pattern in _NAMED:

        def general(match: re.Match[str], kind: str = kind) -> str:
            return _general(kind, match.string, match.start(), match.group(1))

        text = pattern.sub(general, text)
    return _ARTICLE_ONLY.sub(
        lambda match: f"{match.group(1)} {_CHAINS[_AFTER_ARTICLE_ONLY[match.group(2)]][0]}",
        text,
    )
