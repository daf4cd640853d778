"""Rules that reach text nobody has seen: chains by their kind, short forms of the
resident's first name, initials of a staff member, a surname left behind, pets by their
kind, quick notes part by part (pure, no deduce)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from niemand_alleen.anonymiser import ResidentFields, find_own_fields
from niemand_alleen.anonymiser.brands import care_organisations, generalise_chains
from niemand_alleen.anonymiser.guard import well_formed
from niemand_alleen.anonymiser.model import Kind, Span
from niemand_alleen.anonymiser.persons import RewriteContext
from niemand_alleen.anonymiser.rewrite import rewrite
from niemand_alleen.anonymiser.screen import Screen

SCREEN = Screen()


def words_of(text: str) -> set[str]:
    return {word.casefold() for word in re.findall(r"\w+", text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jumbo om de hoek.", "De supermarkt om de hoek."),
        ("Ze doet boodschappen bij de jumbo om de hoek.", "bij de supermarkt om de hoek"),
        ("Ze gaat naar AH en naar de Plus.", "naar de supermarkt en naar de supermarkt"),
        ("Een lening bij Santander.", "Een lening bij de bank."),
        ("Hij praat graag over Feyenoord.", "Hij praat graag over een voetbalclub."),
        ("Huurder bij Woonbron sinds 1990.", "Huurder bij de woningcorporatie sinds 1990."),
        ("Ze werkte bij de HEMA.", "Ze werkte bij de winkel."),
        ("Ze gaat naar Albert   Heijn.", "Ze gaat naar de supermarkt."),
    ],
)
def test_chains_are_named_by_their_kind(text: str, expected: str) -> None:
    result = generalise_chains(text)
    assert expected in result
    for chain in ("jumbo", "plus", "santander", "feyenoord", "woonbron", "hema", "heijn", "ah"):
        assert chain not in words_of(result)


@pytest.mark.parametrize(
    "text",
    [
        "Hij was zeeman en kookt graag, plus een kat.",
        "Dirk komt langs en Gamma-straling is geen zorg.",
        "Ah, ze heeft een action camera. Het portaal is smal.",
        "Ze heeft een eigen haard in huis.",
    ],
)
def test_ordinary_words_that_are_also_chains_stay(text: str) -> None:
    assert generalise_chains(text) == text


def fields(first_name: str, last_name: str) -> ResidentFields:
    return ResidentFields(
        first_name=first_name,
        last_name=last_name,
        street="Haringvlietstraat",
        house_number="5",
        postcode="3312RT",
        phone="+31786142290",
        email=None,
        birth_date=dt.date(1954, 6, 6),
    )


def found_words(resident: ResidentFields, text: str) -> list[str]:
    return [text[span.start : span.end] for span in find_own_fields(resident, text, nicknames=True)]


def test_a_short_form_inside_the_first_name_is_the_resident() -> None:
    assert "Adri" in found_words(fields("Adriana", "Smit"), "Adri woont alleen.")
    assert "mina" in found_words(fields("Wilhelmina", "Smit"), "Iedereen zegt mina.")


def test_a_short_form_that_is_a_word_counts_only_with_a_capital() -> None:
    resident = fields("Anton", "Koning")
    assert "Ton" in found_words(resident, "Ton woont alleen.")
    assert "ton" not in found_words(resident, "Hij tilt geen ton meer.")
    assert "wil" not in found_words(fields("Wilhelmina", "Smit"), "Ze wil graag wandelen.")


def test_any_first_name_right_before_the_surname_is_the_resident() -> None:
    found = found_words(fields("Anton", "Koning"), "ton koning, 70, alleenstaand.")
    assert found[:2] == ["ton", "koning"]


def test_short_forms_are_not_looked_for_in_the_blocking_check() -> None:
    spans = find_own_fields(fields("Anton", "Koning"), "Ton woont alleen.")
    assert spans == []


@pytest.mark.parametrize(
    "text",
    [
        "Overleg gehad met km van het wijkteam.",
        "Contact via TW van de thuiszorg.",
        "pr van de gemeente belt terug.",
    ],
)
def test_initials_of_a_staff_member_are_suspect(text: str) -> None:
    assert "initialen" in {suspect.reason for suspect in SCREEN.suspects(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Ze gaat met de bus van de gemeente.",
        "Hij is lid van de kerk.",
        "Ze gaat met oma van de kerk mee.",
        "Iemand van de thuiszorg komt elke dag.",
    ],
)
def test_ordinary_short_words_before_an_organisation_stay(text: str) -> None:
    assert SCREEN.redact(text) == (text, 0)


def test_a_surname_left_behind_a_replaced_name_is_suspect() -> None:
    redacted, count = SCREEN.redact("Iemand de vries heeft een sjoelbak. Ze sjoelt graag.")
    assert count == 1
    assert "vries" not in redacted
    assert "Ze sjoelt graag." in redacted


CONTEXT = RewriteContext(
    first_names=frozenset({"johanna"}),
    nicknames=frozenset(),
    surname_words=frozenset({"kok"}),
    keep_places=frozenset({"dordrecht"}),
    wijk=None,
)


def name_spans(text: str, *names: str) -> list[Span]:
    return [
        Span(match.start(), match.end(), Kind.NAME, "naam")
        for name in names
        for match in re.finditer(re.escape(name), text)
    ]


def test_a_pet_named_with_its_kind_becomes_the_kind() -> None:
    text = "Kat Minoes is haar enige gezelschap."
    result = rewrite(text, name_spans(text, "Kat Minoes"), CONTEXT).text
    assert result == "De kat is haar enige gezelschap."


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Z'n parkiet heet Karel, daar praat ie tegen.", "Karel", "Hij heeft een parkiet, daar"),
        ("Haar hondje heet Fientje.", "Fientje", "Ze heeft een hondje."),
        ("COPD; poes heet Truus; woont alleen.", "Truus", "COPD; heeft een poes; woont"),
    ],
)
def test_a_sentence_that_names_a_pet_says_there_is_one(text: str, name: str, expected: str) -> None:
    result = rewrite(text, name_spans(text, name), CONTEXT).text
    assert expected in result
    assert name not in result
    assert "heet" not in result


def test_care_abbreviations_stay_and_initials_go() -> None:
    redacted, _ = SCREEN.redact("Dhr. heeft DM2, MCI en OSAS; overleg met HT van de POH.")
    assert {"DM2", "MCI", "OSAS"} <= set(re.findall(r"\w+", redacted))
    assert "HT" not in redacted


def test_a_pets_name_later_on_stands_for_the_pet() -> None:
    text = "Hond Bobbie is zijn alles. Gezocht: iemand die Bobbie uitlaat."
    result = rewrite(text, name_spans(text, "Bobbie"), CONTEXT).text
    assert "die de hond uitlaat" in result
    assert "Bobbie" not in result


def test_a_quick_note_loses_only_the_part_that_held_a_birth_date() -> None:
    text = "Mw. Kok; geb. 01-07-1958; nierdialyse di/do/za; hulp: gezelschap, markt."
    spans = [Span(text.index("01-07"), text.index("01-07") + 10, Kind.BIRTH_DATE, "datum")]
    result = rewrite(text, spans, CONTEXT).text
    assert "nierdialyse di/do/za" in result
    assert "hulp: gezelschap, markt" in result
    assert "1958" not in result


@pytest.mark.parametrize("label", ["aanvraagnr.", "Dossiernummer:", "kenmerk"])
def test_a_number_label_left_alone_is_dropped(label: str) -> None:
    source = f"Nierdialyse di/do; {label} 2024-08812."
    assert well_formed(f"Nierdialyse di/do; {label}", source) == "Nierdialyse di/do."


def test_a_pet_word_inside_a_found_name_stays_a_word() -> None:
    screen = Screen(names=["Kat Minoes"])
    text = "De kat is haar enige gezelschap. Minoes slaapt veel."
    redacted, _ = screen.redact(text)
    assert redacted.startswith("De kat is haar enige gezelschap.")
    assert "Minoes" not in redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Zondag eet ze bij grillroom Balkan in de wijk.",
            "Zondag eet ze bij een grillroom in de wijk.",
        ),
        ("Hij gaat graag naar restaurant Istanbul.", "Hij gaat graag naar een restaurant."),
        ("Ze bezoekt de Molukse kerk.", "Ze bezoekt de Molukse kerk."),
        ("Ze spreekt Frans en Turks.", "Ze spreekt Frans en Turks."),
    ],
)
def test_a_place_name_after_a_head_noun_is_the_places_own_name(text: str, expected: str) -> None:
    assert SCREEN.redact(text)[0] == expected


def test_a_chain_inside_an_address_is_left_to_the_address_rules() -> None:
    text = "Mail j.jansen@i-psy.nl of kijk op www.arriva.nl."
    assert generalise_chains(text) == text


def test_transport_companies_are_named_by_their_kind() -> None:
    text = "Hij reed bus bij Arriva; nu gaat hij met de RET."
    assert generalise_chains(text) == (
        "Hij reed bus bij het vervoerbedrijf; nu gaat hij met het vervoerbedrijf."
    )


def test_care_organisations_that_deduce_lacks_are_found_as_institutions() -> None:
    text = "Behandeling bij i-psy loopt; Buurtzorg komt, buurtzorg is fijn (j.a@i-psy.nl)."
    assert [text[start:end] for start, end in care_organisations(text)] == ["i-psy", "Buurtzorg"]


def test_a_broken_item_of_a_quick_note_goes_alone() -> None:
    source = "Hij wil iemand die mee naar de haven gaat / vist bij de Kop. Zo is het."
    output = "Hij wil iemand die mee naar de haven gaat / vist bij de iemand. Zo is het."
    assert well_formed(output, source) == "Hij wil iemand die mee naar de haven gaat. Zo is het."


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("(de bewoner) de bewoner, in de tachtig, woont alleen.", "de bewoner, in de tachtig"),
        ("Cliënt de bewoner (de bewoner) woont alleen.", "Cliënt de bewoner woont alleen."),
        ("Hij heeft een zoon (iemand) en een ex.", "Hij heeft een zoon en een ex."),
    ],
)
def test_placeholders_left_twice_or_in_brackets_are_mended(output: str, expected: str) -> None:
    assert expected in well_formed(output, "Cliënt M. Mulder (Marinus), zoon Piet.")


def test_a_placeholder_glued_to_a_letter_drops_its_sentence() -> None:
    output = "Cliënt de bewonerM. woont alleen. Hij houdt van vissen."
    assert well_formed(output, "Cliënt Mulder M. woont alleen. Hij houdt van vissen.") == (
        "Hij houdt van vissen."
    )


def test_insurers_are_named_as_insurers_and_the_waterbus_stays() -> None:
    text = "De uitvaart loopt via DELA; ze gaat met de waterbus naar Rotterdam."
    assert generalise_chains(text) == (
        "De uitvaart loopt via de verzekeraar; ze gaat met de waterbus naar Rotterdam."
    )
