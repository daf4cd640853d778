"""Languages named in the resident's preferences and a neighbour's answer, as the matching
page compares them."""

from __future__ import annotations

import pytest

from niemand_alleen.matching.languages import languages_in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Liever een vrouw, spreekt Turks en Nederlands.", ("Turks", "Nederlands")),
        ("nederlands, ENGELS, een beetje arabisch", ("Nederlands", "Engels", "Arabisch")),
        ("English and Polish", ("Engels", "Pools")),
        ("Oekraïens", ("Oekraïens",)),
        ("oekraiens", ("Oekraïens",)),
        ("Farsi / Perzisch", ("Perzisch",)),
        ("Servo-Kroatisch", ("Kroatisch",)),
        ("Papiamento en Sranan", ("Papiaments", "Sranantongo")),
        ("Marokkaans-Arabisch", ("Marokkaans-Arabisch",)),
        # Negation: "geen" or "niet" skips the languages it names, over "of"/"en".
        ("Spreekt geen Nederlands, wel Turks", ("Turks",)),
        ("Geen Duits of Engels; wel Frans", ("Frans",)),
        ("Liever geen man. Spreekt Pools", ("Pools",)),
        # Adjectives and other words are not languages.
        ("Liever een Turkse vrouw", ()),
        ("Woont in Duitsland", ()),
        ("Liever een vrouw", ()),
        ("", ()),
        (None, ()),
    ],
)
def test_languages_in(text: str | None, expected: tuple[str, ...]) -> None:
    assert languages_in(text) == expected


def test_each_language_is_named_once_in_order() -> None:
    assert languages_in("Turks, turks, Nederlands, Turkish") == ("Turks", "Nederlands")
