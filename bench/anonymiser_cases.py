"""Generated evaluation cases for the anonymiser: names, places and numbers in sentence frames.

    .venv/bin/python bench/anonymiser_cases.py --split test --per-category 200 > cases.jsonl

The values come from lists the anonymiser's rules were not written from: deduce's own
lookup lists (first names, surnames, streets, healthcare institutions), a list of pet
names, and numbers generated to be valid (BSN by the elfproef, IBAN by its checksum). The
frames are split in two halves: the ``tuning`` split uses the even frames and values drawn
with one seed, the ``test`` split the odd frames and another seed, so that what is tuned
on the first says something about text in a voice it never saw. Each case also gets one of
several writing styles (normal, all lower case, ALL CAPS, telegram).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import string
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPLITS = {"tuning": 1, "test": 2}

PET_NAMES = (
    "Bobby", "Pluis", "Snuf", "Tommie", "Bello", "Minoes", "Kareltje", "Loebas", "Guus",
    "Saartje", "Pientje", "Boef", "Dribbel", "Flappie", "Tijger", "Moos", "Sjors", "Joepie",
    "Kiki", "Lucky", "Rakker", "Snoetje", "Tarzan", "Wodan", "Pukkie", "Blacky", "Bolletje",
    "Fientje", "Mimi", "Nala", "Simba", "Pip", "Doortje", "Coco", "Lotje", "Ollie",
)  # fmt: skip

NEEDS = (
    ("wandelen", "Ze wil graag samen wandelen."),
    ("boodschappen", "Hulp bij de boodschappen zou fijn zijn."),
    ("koffie", "Iemand die op dinsdag koffie komt drinken is welkom."),
    ("dementie", "Er is sprake van beginnende dementie."),
    ("rollator", "Hij loopt met een rollator."),
    ("Turks", "Hij spreekt Turks en een beetje Nederlands."),
    ("breien", "Ze houdt van breien en puzzelen."),
    ("tuinieren", "Tuinieren doet hij graag."),
    ("voorlezen", "Ze ziet slecht en vindt voorlezen fijn."),
    ("eenzaam", "Sinds de verhuizing is ze eenzaam."),
    ("fietsen", "Samen fietsen op zaterdag zou mooi zijn."),
    ("schaken", "Hij zoekt iemand om mee te schaken."),
)  # fmt: skip

RELATIONS = (
    "dochter", "zoon", "kleinzoon", "kleindochter", "buurvrouw", "buurman", "schoonzus",
    "zwager", "nicht", "neef", "vriendin", "broer", "zus", "schoondochter",
)  # fmt: skip
POSSESSIVES = ("haar", "zijn")
HEADS = (
    ("zorgcentrum", "in"), ("kerk", "naar"), ("moskee", "naar"), ("flat", "in"),
    ("buurthuis", "in"), ("sportclub", "bij"), ("volkstuin", "bij"), ("restaurant", "in"),
    ("dagbesteding", "naar"), ("bakkerij", "bij"), ("zangkoor", "bij"), ("wooncomplex", "in"),
)  # fmt: skip


@dataclass(frozen=True)
class Frame:
    """A sentence with slots; ``build`` fills it and lists what must not appear."""

    category: str
    build: Callable[[random.Random], tuple[str, list[tuple[str, str]]]]


@cache
def _deduce_list(*parts: str) -> tuple[str, ...]:
    spec = importlib.util.find_spec("deduce")  # the package's data files, without importing it
    assert spec is not None
    assert spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "lookup" / "src"
    path = folder.joinpath(*parts, "items.txt")
    return tuple(
        line.strip()
        for line in path.read_text("utf-8").splitlines()
        if line.strip() and len(line.strip()) >= 3 and line.strip()[0].isupper()
    )


def first_name(rng: random.Random) -> str:
    return rng.choice(_deduce_list("names", "lst_first_name"))


def surname(rng: random.Random) -> str:
    return rng.choice(_deduce_list("names", "lst_surname"))


def street(rng: random.Random) -> str:
    streets = _deduce_list("locations", "lst_street")
    while True:
        name = rng.choice(streets)
        if " " not in name and name.isalpha():
            return name


def institution_name(rng: random.Random) -> str:
    """A name as a care home, church or club would carry: 'De Wielborg', 'Sint Jozef'."""
    kind = rng.randrange(4)
    if kind == 0:
        return "De " + surname(rng)
    if kind == 1:
        return "Sint " + first_name(rng)
    if kind == 2:
        return "'t " + street(rng)
    return surname(rng)


def bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        total = sum(weight * digit for weight, digit in zip(range(9, 1, -1), digits, strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "".join(map(str, [*digits, last]))


def iban(rng: random.Random) -> str:
    bank = rng.choice(("ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB"))
    account = "".join(rng.choice(string.digits) for _ in range(10))
    numeric = "".join(str(int(char, 36)) for char in bank + account + "NL00")
    check = 98 - int(numeric) % 97
    return f"NL{check:02d}{bank}{account}"


def grouped(value: str, rng: random.Random, sizes: tuple[int, ...] = (3, 4)) -> str:
    """``value`` written as people write numbers: plain, in threes or fours, dots, dashes."""
    style = rng.randrange(5)
    if style == 0:
        return value
    size = sizes[0] if style in (1, 3) else sizes[-1]
    separator = {1: " ", 2: " ", 3: ".", 4: "-"}[style]
    return separator.join(value[i : i + size] for i in range(0, len(value), size))


def _relative(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    name = first_name(rng)
    relation = rng.choice(RELATIONS)
    possessive = rng.choice(POSSESSIVES)
    return f"{possessive} {relation} {name}", [(name, "persoon")]


def _frames() -> list[Frame]:
    def relative_subject(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        phrase, ids = _relative(rng)
        return f"{phrase.capitalize()} komt eens per week langs.", ids

    def relative_object(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        phrase, ids = _relative(rng)
        return f"Het contact met {phrase} is goed, maar zij woont ver weg.", ids

    def name_alone_later(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        name = first_name(rng)
        relation = rng.choice(RELATIONS)
        return (
            f"Er is een {relation}, {name}, die weinig tijd heeft. {name} belt af en toe.",
            [(name, "persoon")],
        )

    def neighbour_full_name(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        first, last = first_name(rng), surname(rng)
        return (
            f"De buurvrouw, mevrouw {first} {last}, heeft de aanmelding gedaan.",
            [(first, "persoon"), (last, "persoon")],
        )

    def lowercase_surname(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        first, last = first_name(rng), surname(rng)
        return (
            f"via de huisarts kwam {first.lower()} {last.lower()} met dit verzoek.",
            [(first, "persoon"), (last, "persoon")],
        )

    def pet_after_cue(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        pet = rng.choice(PET_NAMES)
        animal = rng.choice(("hond", "kat", "poes", "parkiet", "konijn"))
        return f"Ze heeft een {animal}, {pet}, die alles voor haar is.", [(pet, "huisdier")]

    def pet_named(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        pet = rng.choice(PET_NAMES)
        animal = rng.choice(("hond", "kat", "poes", "kanarie"))
        return (
            f"Zijn {animal} {pet} moet twee keer per dag uit. Met {pet} wandelt hij graag.",
            [(pet, "huisdier")],
        )

    def institution_after_head(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        head, prep = rng.choice(HEADS)
        name = institution_name(rng)
        core = name.split()[-1]
        return f"Elke zondag gaat ze {prep} {head} {name}.", [(core, "instelling")]

    def institution_head_after(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        head, prep = rng.choice(HEADS)
        name = surname(rng)
        return (
            f"Vroeger ging hij {prep} de {name} {head}, nu lukt dat niet meer.",
            [(name, "instelling")],
        )

    def care_provider(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        # A real provider's name that carries a surname: the surname is what identifies it.
        surnames = set(_deduce_list("names", "lst_surname"))
        while True:
            name = rng.choice(_deduce_list("institutions", "lst_healthcare_institution"))
            cores = [word for word in name.replace(",", " ").split() if word in surnames]
            if cores:
                return f"De thuiszorg komt van {name} en dat gaat goed.", [(cores[0], "instelling")]

    def other_address(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        name = street(rng)
        number = str(rng.randrange(1, 300))
        return (
            f"Haar vriendin woont aan de {name} {number} en komt soms.",
            [(name, "locatie"), (number, "huisnummer")],
        )

    def house_number(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        number = str(rng.randrange(1, 250))
        label = rng.choice(("nummer", "nr", "nr.", "NR", "no."))
        return (
            f"De buren op {label} {number} houden een oogje in het zeil.",
            [(number, "huisnummer")],
        )

    def bsn_in_text(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        value = grouped(bsn(rng), rng)
        return f"BSN {value} staat in het dossier.", [(value, "bsn")]

    def bsn_loose(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        value = grouped(bsn(rng), rng)
        return f"Haar burgerservicenummer is {value}, voor de administratie.", [(value, "bsn")]

    def iban_in_text(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        value = grouped(iban(rng), rng, sizes=(4,))
        return f"Rekeningnummer {value} voor de eigen bijdrage.", [(value, "iban")]

    def iban_loose(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        value = grouped(iban(rng), rng, sizes=(4,))
        return f"Betalingen gaan via {value}.", [(value, "iban")]

    def initials(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        letters = "".join(rng.choice("BDGHJKLMPRSTVW") for _ in range(2))
        return f"Overleg gehad met {letters} van het wijkteam.", [(letters, "initialen")]

    def initials_dotted(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        letter = rng.choice("BDGHJKLMPRSTVW")
        last = surname(rng)
        return (
            f"Contactpersoon is mw. {letter}. {last}, haar schoonzus.",
            [(last, "persoon")],
        )

    def phone_other(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        number = "06" + "".join(rng.choice(string.digits) for _ in range(8))
        value = grouped(number, rng)
        return f"De zoon is bereikbaar op {value}.", [(value, "telefoonnummer")]

    def phone_label(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
        number = "078" + "".join(rng.choice(string.digits) for _ in range(7))
        value = grouped(number, rng)
        return f"Tel. dochter: {value} (na 17 uur).", [(value, "telefoonnummer")]

    return [
        Frame("persoon", relative_subject),
        Frame("persoon", relative_object),
        Frame("persoon", name_alone_later),
        Frame("persoon", neighbour_full_name),
        Frame("persoon", lowercase_surname),
        Frame("persoon", initials_dotted),
        Frame("huisdier", pet_after_cue),
        Frame("huisdier", pet_named),
        Frame("instelling", institution_after_head),
        Frame("instelling", institution_head_after),
        Frame("instelling", care_provider),
        Frame("instelling", institution_after_head),
        Frame("locatie", other_address),
        Frame("locatie", other_address),
        Frame("huisnummer", house_number),
        Frame("huisnummer", house_number),
        Frame("bsn", bsn_in_text),
        Frame("bsn", bsn_loose),
        Frame("iban", iban_in_text),
        Frame("iban", iban_loose),
        Frame("initialen", initials),
        Frame("initialen", initials),
        Frame("telefoonnummer", phone_other),
        Frame("telefoonnummer", phone_label),
    ]


def _style(text: str, rng: random.Random) -> tuple[str, str]:
    choice = rng.randrange(6)
    if choice == 0:
        return "lower", text.lower()
    if choice == 1:
        return "caps", text.upper()
    if choice == 2:
        return "telegram", text.replace(" en ", " + ").replace(", ", "; ")
    return "normal", text


def _resident(rng: random.Random) -> dict[str, Any]:
    return {
        "voornaam": first_name(rng),
        "achternaam": surname(rng),
        "straat": street(rng),
        "huisnummer": str(rng.randrange(1, 200)),
        "postcode": f"{rng.choice((3311, 3312, 3313, 3314, 3315, 3316, 3317, 3328))}"
        + rng.choice(("AB", "CD", "EH", "KL", "PR", "TV")),
        "telefoon": "+316" + "".join(rng.choice(string.digits) for _ in range(8)),
        "email": None,
        "geboortedatum": f"19{rng.randrange(30, 60)}-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
    }


def generate(split: str, per_category: int) -> Iterator[dict[str, Any]]:
    """``per_category`` cases for every category, deterministic for the split."""
    rng = random.Random(SPLITS[split])
    frames = [frame for index, frame in enumerate(_frames()) if index % 2 == SPLITS[split] - 1]
    categories = sorted({frame.category for frame in frames})
    for category in categories:
        choices = [frame for frame in frames if frame.category == category]
        for number in range(per_category):
            frame = rng.choice(choices)
            sentence, identifiers = frame.build(rng)
            need_word, need = rng.choice(NEEDS)
            fields = _resident(rng)
            opening = rng.choice(("Mevrouw woont alleen.", "Meneer is weduwnaar.", "Woont alleen."))
            style, text = _style(f"{opening} {sentence} {need}", rng)
            yield {
                "id": f"gen-{split}-{category}-{number:04d}",
                "style": style,
                "fields": fields,
                "pc4": fields["postcode"][:4],
                "wijk": None,
                "situatie": text,
                "identifiers": [
                    {"text": value, "category": kind, "own": False} for value, kind in identifiers
                ],
                "keep": [need_word],
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=sorted(SPLITS), default="tuning")
    parser.add_argument("--per-category", type=int, default=100)
    args = parser.parse_args()
    for case in generate(args.split, args.per_category):
        sys.stdout.write(json.dumps(case, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
