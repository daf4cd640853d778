"""Bad input, the approval-time check and deduce's known misses (§5.4, R5.1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from niemand_alleen.anonymiser import (
    MAX_SITUATIE_CHARS,
    Anonymiser,
    ResidentFields,
    SituatieTooLongError,
    check_text,
)
from niemand_alleen.anonymiser.lexicon import fold


def _absent(value: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(fold(value)) + r"(?!\w)", fold(text)) is None


@pytest.mark.parametrize("situatie", ["", "   ", "\n\t \r\n"])
def test_empty_situatie_gives_an_empty_proposal(
    anonymiser: Anonymiser, jansen: ResidentFields, situatie: str
) -> None:
    oproep = anonymiser.anonymise(jansen, situatie, pc4="3317", wijk="Sterrenburg")
    assert oproep.text == ""
    assert oproep.is_empty
    assert (oproep.pc4, oproep.wijk) == ("3317", "Sterrenburg")


def test_too_long_situatie_is_refused_with_a_dutch_message(
    anonymiser: Anonymiser, jansen: ResidentFields
) -> None:
    situatie = "Mevrouw houdt van kaarten. " * 200
    assert len(situatie) > MAX_SITUATIE_CHARS
    with pytest.raises(SituatieTooLongError) as caught:
        anonymiser.anonymise(jansen, situatie, pc4="3317", wijk="Sterrenburg")
    assert isinstance(caught.value, ValueError)
    assert "te lang" in caught.value.message
    assert "5.000" in caught.value.message
    assert "Jansen" not in caught.value.message


def test_exactly_the_limit_is_accepted(anonymiser: Anonymiser, jansen: ResidentFields) -> None:
    situatie = ("Mevrouw houdt van kaarten. " * 200)[:MAX_SITUATIE_CHARS]
    assert anonymiser.anonymise(jansen, situatie, pc4=None, wijk=None).text


def test_html_and_script_stay_plain_text(anonymiser: Anonymiser, jansen: ResidentFields) -> None:
    situatie = (
        "<b>Mevrouw Jansen</b> heeft een <i>rollator</i>. "
        "<script>alert('x')</script> Ze houdt van kaarten. <a href=\"https://x.nl\">klik</a>"
    )
    oproep = anonymiser.anonymise(jansen, situatie, pc4="3317", wijk="Sterrenburg")
    assert "Jansen" not in oproep.text
    assert "<script>alert('x')</script>" in oproep.text  # the template escapes it
    assert "rollator" in oproep.text
    assert "kaarten" in oproep.text


def test_check_blocks_own_fields_and_says_where_without_the_value(jansen: ResidentFields) -> None:
    text = (
        "Mevrouw houdt van kaarten. Bel JANSEN op 06 12 34 56 78 of kom langs op Dordwijklaan 14a."
    )
    findings = check_text(jansen, text)  # no deduce needed
    categories = [finding.category for finding in findings]
    assert categories == ["achternaam", "telefoonnummer", "straat"]
    assert all(finding.severity == "blocking" for finding in findings)
    assert [finding.sentence for finding in findings] == [2, 2, 2]
    first = findings[0]
    assert text[first.start : first.end] == "JANSEN"
    message = first.describe()
    assert "zin 2" in message
    assert "JANSEN" not in message
    assert "Jansen" not in message
    assert "Jansen" not in repr(findings)
    assert "06" not in repr(findings)


def test_check_with_the_anonymiser_warns_about_other_people(
    anonymiser: Anonymiser, jansen: ResidentFields
) -> None:
    text = "Mevrouw wordt geholpen door haar buurvrouw Petra Kuipers uit de Bloemenbuurt."
    findings = anonymiser.check(jansen, text, wijk="Sterrenburg")
    assert {finding.severity for finding in findings} == {"warning"}
    assert {"naam", "buurt"} <= {finding.category for finding in findings}


def test_check_without_findings_for_an_approved_style_text(
    anonymiser: Anonymiser, jansen: ResidentFields
) -> None:
    text = (
        "Mevrouw (in de tachtig) woont in de wijk Sterrenburg en is slecht ter been. "
        "Haar dochter woont in Groningen. Ze zoekt iemand om op dinsdagmiddag koffie te drinken."
    )
    assert anonymiser.check(jansen, text, wijk="Sterrenburg") == []


def test_check_refuses_too_long_text(jansen: ResidentFields) -> None:
    with pytest.raises(SituatieTooLongError):
        check_text(jansen, "x" * (MAX_SITUATIE_CHARS + 1))


RESIDENT = ResidentFields(
    first_name="Wilhelmina", last_name="Jansen", street="Pleinweg", house_number="12-bis",
    postcode="3083EZ", phone="0612345678", email=None, birth_date=dt.date(1941, 4, 3),
)  # fmt: skip


@pytest.mark.parametrize(
    ("situatie", "gone", "kept"),
    [
        ("MEVROUW WILHELMINA JANSEN woont alleen.", ["WILHELMINA", "JANSEN"], ["alleen"]),
        ("mevrouw wilhelmina jansen woont alleen.", ["wilhelmina", "jansen"], ["alleen"]),
        ("Zij woont aan de Kerkstraat in Rotterdam.", ["Kerkstraat"], ["Rotterdam"]),
        ("Adres: Pleinweg 12-bis, Rotterdam.", ["Pleinweg", "12-bis", "bis"], []),
        ("Ze is op 10 oktober gevallen.", ["10 oktober"], ["gevallen"]),
        ("Geboren 3-4-1941, nu 83 jaar.", ["3-4-1941", "83"], []),
        ("De 92-jarige dame heeft hulp nodig.", ["92"], ["dame", "hulp"]),
        (
            "Bel 06-12345678 of +31 6 1234 5678 of 020 - 123 45 67.",
            ["06-12345678", "+31 6 1234 5678", "020 - 123 45 67", "5678"],
            [],
        ),
        (
            "Mien (Wilhelmina) heeft hulp nodig bij boodschappen.",
            ["Mien", "Wilhelmina"],
            ["boodschappen"],
        ),
        (
            "Haar dochter Anke woont in Zwolle, buurvrouw mevrouw De Vries helpt soms.",
            ["Anke", "De Vries"],
            ["dochter", "buurvrouw", "helpt"],
        ),
        (
            "Ze woont in de wijk Kanaleneiland, vlakbij het winkelcentrum.",
            ["Kanaleneiland"],
            ["winkelcentrum"],
        ),
        (
            "Mevrouw heeft beginnende dementie en COPD, gebruikt een rollator.",
            [],
            ["dementie", "COPD", "rollator"],
        ),
        (
            # Without its two numbers the sentence has no objects left, so it goes whole.
            "Haar broer heeft IBAN NL91 ABNA 0417 1643 00 en rijdt in de AB-12-CD. Hij kookt.",
            ["NL91 ABNA 0417 1643 00", "AB-12-CD", "broer heeft en"],
            ["kookt"],
        ),
        (
            "Haar kleinzoon @jeroen_dordt zet foto's op facebook.com/jeroen.dordt.",
            ["@jeroen_dordt", "facebook.com/jeroen.dordt"],
            ["kleinzoon"],
        ),
    ],
)
def test_what_deduce_misses_is_redacted(
    anonymiser: Anonymiser, situatie: str, gone: list[str], kept: list[str]
) -> None:
    output = anonymiser.anonymise(RESIDENT, situatie, pc4="3083", wijk="Sterrenburg").text
    for value in gone:
        assert _absent(value, output), f"{value!r} leaked"
    for value in kept:
        assert not _absent(value, output), f"{value!r} lost"


@pytest.mark.parametrize(
    ("situatie", "expected"),
    [
        ("Jan van der Berg is een 83-jarige weduwnaar.", "Meneer is een weduwnaar in de tachtig."),
        ("Mevrouw Jansen (94) woont alleen.", "Mevrouw (op hoge leeftijd) woont alleen."),
        (
            "Jans dochter Marieke woont in Groningen; hij belt haar elke week.",
            "Zijn dochter woont in Groningen; hij belt haar elke week.",
        ),
        ("Hij woont aan de Dordwijklaan 14.", "Hij woont in de wijk."),
        ("Tel: 06-12345678.", ""),
        (
            "Zijn vriend Arie Groeneveld is overleden. Arie was zijn maatje.",
            "Zijn vriend is overleden. Zijn vriend was zijn maatje.",
        ),
        ("De thuiszorg van Careyn komt 's ochtends.", "De thuiszorg komt 's ochtends."),
        (
            "Ze woont sinds maart in verpleeghuis De Merwelanden.",
            "Ze woont sinds maart in een verpleeghuis.",
        ),
        # faith in general words stays, whatever deduce's institution list holds
        (
            "Zij is protestants en zingt graag psalmen.",
            "Zij is protestants en zingt graag psalmen.",
        ),
        # a house of prayer with a name of its own is named by its kind, in Dutch
        ("Ze gaat naar de Shri Krishna Mandir.", "Ze gaat naar de tempel."),
        ("Hij bidt in de Ulu Cami.", "Hij bidt in de moskee."),
        # a club, a shop or a firm with a name of its own keeps only its kind
        ("Hij was lid van harmonie Crescendo.", "Hij was lid van een harmonie."),
        ("Ze sport bij sportschool FitLife.", "Ze sport bij een sportschool."),
        ("Hij krijgt begeleiding via Stichting Timon.", "Hij krijgt begeleiding via de stichting."),
        ("Haar kleinzoon zit op het Insula College.", "Haar kleinzoon zit op het college."),
        ("Medicatie via Apotheek Crabbehof.", "Medicatie via een apotheek."),
        # how long, in the past tense, is not how old
        ("Hij was 30 jaar chauffeur.", "Hij was 30 jaar chauffeur."),
        ("Hij is 45 jaar en werkt.", "Hij is in de veertig en werkt."),
    ],
)
def test_replacements_read_as_natural_dutch(
    anonymiser: Anonymiser, situatie: str, expected: str
) -> None:
    fields = ResidentFields(
        first_name="Jan", last_name="van der Berg", street="Dordwijklaan", house_number="14",
        postcode="3317AB", phone="0612345678", email=None, birth_date=dt.date(1941, 4, 3),
    )  # fmt: skip
    if "Jansen" in situatie:
        fields = RESIDENT
    assert anonymiser.anonymise(fields, situatie, pc4=None, wijk=None).text == expected


def test_findings_of_a_proposal_carry_positions_not_values(
    anonymiser: Anonymiser, jansen: ResidentFields
) -> None:
    situatie = "Mevrouw Jansen woont aan de Dordwijklaan 14a. Haar zoon Kees belt 06-98765432."
    oproep = anonymiser.anonymise(jansen, situatie, pc4="3317", wijk="Sterrenburg")
    assert oproep.findings
    assert {finding.severity for finding in oproep.findings} == {"removed"}
    assert any(finding.own for finding in oproep.findings)
    rendered = repr(oproep.findings)
    for value in ("Jansen", "Dordwijklaan", "Kees", "98765432"):
        assert value not in rendered
