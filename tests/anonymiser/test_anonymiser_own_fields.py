"""The own-field scrub (R5.2): a property test over generated Dutch residents, no deduce.

Every variant of the resident's own fields that a buurtwerker might type — case, ALL
CAPS, possessives, titles, tussenvoegsels with and without capital, the street with and
without number, the postcode in both notations, the phone in national and +31/0031 forms,
the birth date in numeric and written forms — is removed by the pure scrubber and
rewriter, and the blocking check finds it without echoing the value.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from niemand_alleen.anonymiser import ResidentFields, check_text, find_own_fields
from niemand_alleen.anonymiser.lexicon import MONTHS, fold
from niemand_alleen.anonymiser.persons import RewriteContext
from niemand_alleen.anonymiser.rewrite import rewrite

T = TypeVar("T")

FIRST_NAMES = [
    "Wilhelmina", "Jan", "Fatma", "Mohamed", "Krzysztof", "Shirley", "Gerrit Jan", "Anna",
    "Hüseyin", "Daniëlle", "Soekarni", "Piotr", "Aaltje", "Ingrid", "Yusuf", "Marie-José",
    "Khadija", "Theodorus", "Senait", "Roshni", "Cornelis", "Agnieszka", "Ewa", "Bart",
]  # fmt: skip
SURNAMES = [
    "Jansen", "van der Berg", "de Vries", "El Amrani", "Yılmaz", "Kowalski", "Ramdin",
    "van 't Hof", "Scholten-de Graaf", "Öztürk", "Pattiasina", "ter Horst", "Wiśniewska",
    "Kortekaas", "van den Heuvel", "Bouzid", "Martina", "Doelahsingh", "Verschoor",
]  # fmt: skip
STREETS = [
    "Dordwijklaan", "Johan de Wittstraat", "Vrieseweg", "Laan der Verenigde Naties",
    "Dubbeldamseweg Zuid", "Bosboom-Toussaintstraat", "Oranjelaan", "Reeweg Oost",
    "Kon. Wilhelminastraat", "Stek", "Merwedestraat", "Sumatrastraat", "Voorstraat",
]  # fmt: skip

# A generated name must not be one of the ordinary words of the sentences below: "Mevrouw" as
# a first name cannot be told from "Mevrouw" the title, and the test would fail on its data.
SENTENCE_WORDS = frozenset([
    "mevrouw", "woont", "alleen", "slecht", "been", "houdt", "kaarten", "heeft", "rollator",
    "weduwnaar", "graag", "wandelen", "dochter", "belt", "soms", "buurvrouw", "helpt", "meneer",
    "speelt", "biljart", "drinkt", "koffie", "adres", "postcode", "bellen", "tienen", "geboren",
    "dordrecht", "mail",
    # and the rewrite's own words: a surname "Wijk" cannot be told from "in de wijk"
    "wijk", "buurt", "iemand", "bewoner", "persoon",
])  # fmt: skip
name_parts = st.text(alphabet="abcdefghijklmnoprstuvwyz", min_size=4, max_size=9).filter(
    lambda part: part not in SENTENCE_WORDS
)
generated_first = name_parts.map(str.capitalize)
generated_surname = st.tuples(
    st.sampled_from(["", "van ", "de ", "van der ", "ter ", "van den "]), name_parts
).map(lambda parts: parts[0] + parts[1].capitalize())


@st.composite
def residents(draw: st.DrawFn) -> ResidentFields:
    first = draw(st.one_of(st.sampled_from(FIRST_NAMES), generated_first))
    last = draw(st.one_of(st.sampled_from(SURNAMES), generated_surname))
    number = draw(st.integers(1, 999))
    suffix = draw(st.sampled_from(["", "a", "B", "-2", " bis"]))
    postcode = f"{draw(st.integers(1000, 9999))}{draw(st.sampled_from(['AB', 'KP', 'ZT', 'GV']))}"
    mobile = draw(st.booleans())
    subscriber = draw(st.integers(10_000_000, 99_999_999)) if mobile else None
    phone = (
        f"+316{subscriber}"
        if subscriber is not None
        else f"+3178{draw(st.integers(1_000_000, 9_999_999))}"
    )
    birth = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2005, 12, 31)))
    email = f"{fold(first.split()[0])}.{draw(name_parts)}@example.nl"
    return ResidentFields(
        first_name=first,
        last_name=last,
        street=draw(st.sampled_from(STREETS)),
        house_number=f"{number}{suffix}",
        postcode=postcode,
        phone=phone,
        email=email,
        birth_date=birth,
    )


def _core(last_name: str) -> str:
    words = last_name.replace("-", " ").split()
    tussen = {"van", "der", "den", "de", "'t", "ter", "el"}
    core = [word for word in words if word.lower() not in tussen]
    return core[-1] if core else words[-1]


def _phone_forms(phone: str) -> list[str]:
    national = phone[3:]
    if national.startswith("6"):
        return [
            "0" + national,
            f"0{national[0]}-{national[1:]}",
            f"0{national[0]} {national[1:3]} {national[3:5]} {national[5:7]} {national[7:]}",
            f"+31 {national[0]} {national[1:5]} {national[5:]}",
            f"0031{national}",
            f"+31 (0){national[0]} {national[1:]}",
        ]
    return [
        f"0{national[:2]}-{national[2:]}",
        f"0{national[:2]} {national[2:5]} {national[5:]}",
        f"+31 {national[:2]} {national[2:5]} {national[5:]}",
        f"(0{national[:2]}) {national[2:]}",
    ]


def _date_forms(birth: dt.date) -> list[str]:
    month = MONTHS[birth.month]
    return [
        f"{birth.day}-{birth.month}-{birth.year}",
        f"{birth.day:02d}-{birth.month:02d}-{birth.year}",
        f"{birth.day}/{birth.month}/{birth.year}",
        birth.isoformat(),
        f"{birth.day} {month[0]} {birth.year}",
        f"{birth.day} {month[-1]}. {birth.year}",
    ]


class Draw(Protocol):
    """``st.DataObject.draw``, which mypy does not take for an ``st.DrawFn``."""

    def __call__(self, strategy: st.SearchStrategy[T], label: object = None) -> T: ...


def _sentences(fields: ResidentFields, draw: Draw) -> tuple[str, list[str]]:
    first = fields.first_name
    first_word = first.split()[0]
    last = fields.last_name
    core = _core(last)
    street = fields.street
    pick = draw
    templates = [
        (f"Mevrouw {last} woont alleen en is slecht ter been.", [last]),
        (f"{last.upper()} houdt van kaarten.", [last.upper()]),
        (f"{first.upper()} {last.upper()} heeft een rollator.", [first.upper(), last.upper()]),
        (f"Dhr. {last[0].upper() + last[1:]} is weduwnaar.", [last]),
        (f"mw. {last.lower()} wil graag wandelen.", [last.lower()]),
        (f"{first_word}s dochter belt soms.", [first_word + "s"]),
        (f"{first_word}'s buurvrouw helpt.", [first_word + "'s"]),
        (f"Meneer {core} speelt graag biljart.", [core]),
        (f"{first_word} drinkt graag koffie.", [first_word]),
        (f"Ze woont aan de {street} {fields.house_number}.", [street, fields.house_number]),
        (f"Adres: {street.upper()}.", [street.upper()]),
        (
            f"Postcode {fields.postcode[:4]} {fields.postcode[4:]}.",
            [fields.postcode[:4] + " " + fields.postcode[4:]],
        ),
        (f"postcode {fields.postcode.lower()}", [fields.postcode.lower()]),
    ]
    for form in _phone_forms(fields.phone):
        templates.append((f"Bellen op {form} na tienen.", [form]))
    for form in _date_forms(fields.birth_date):
        templates.append((f"Ze is geboren op {form} in Dordrecht.", [form]))
    templates.append((f"Mail {fields.email} als het kan.", [fields.email or ""]))
    chosen = pick(
        st.lists(st.sampled_from(templates), min_size=3, max_size=8, unique_by=lambda t: t[0])
    )
    return " ".join(sentence for sentence, _ in chosen), [v for _, vs in chosen for v in vs]


# Words the rewrite writes itself in place of a name: a surname spelled like one of them
# ("Zijn", "Haar") comes back as that word, and means nothing of the resident there.
REWRITE_WORDS = frozenset({"zijn", "haar", "hun", "de", "iemand", "mevrouw", "meneer"})


def _whole_word(value: str, text: str) -> bool:
    pattern = r"(?<!\w)" + re.escape(fold(value)) + r"(?!\w)"
    return re.search(pattern, fold(text)) is not None


def _context(fields: ResidentFields) -> RewriteContext:
    return RewriteContext(
        first_names=frozenset(fold(word) for word in fields.first_name.replace("-", " ").split()),
        nicknames=frozenset(),
        surname_words=frozenset(fold(_core(fields.last_name)).split()),
        keep_places=frozenset({"dordrecht"}),
        wijk=None,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), fields=residents())
def test_every_variant_of_the_own_fields_is_scrubbed(
    data: st.DataObject, fields: ResidentFields
) -> None:
    text, values = _sentences(fields, data.draw)
    spans = find_own_fields(fields, text, nicknames=True)
    output = rewrite(text, spans, _context(fields)).text
    for value in values:
        number_only = re.fullmatch(r"\d+", value.strip()) is not None
        if number_only:  # a bare house number is only an identifier next to the street
            continue
        if fold(value) in REWRITE_WORDS:
            continue  # surname "Zijn": "Wilhelminas dochter" becomes "Zijn dochter"
        assert not _whole_word(value, output), "an own field survived the scrub"
    digits = re.sub(r"\D", "", output)
    assert fields.phone[3:] not in digits
    assert "slecht ter been" in output or "slecht ter been" not in text


@settings(max_examples=150, deadline=None)
@given(data=st.data(), fields=residents())
def test_blocking_check_finds_own_fields_without_echoing_them(
    data: st.DataObject, fields: ResidentFields
) -> None:
    text, values = _sentences(fields, data.draw)
    findings = check_text(fields, text)
    assert findings, "the blocking check missed every own field"
    assert all(finding.severity == "blocking" and finding.own for finding in findings)
    covered = [(finding.start, finding.end) for finding in findings]
    folded = fold(text)
    for value in values:
        if re.fullmatch(r"\d+", value.strip()):
            continue
        for match in re.finditer(r"(?<!\w)" + re.escape(fold(value)) + r"(?!\w)", folded):
            assert any(start <= match.start() < end for start, end in covered)
    for finding in findings:
        # The text parts a finding can show (its repr adds only numbers and the own flag,
        # so a surname like "True" would match that flag without any echo).
        shown = " ".join([finding.severity, finding.category, finding.describe()])
        assert text[finding.start : finding.end] not in shown


def test_common_nouns_that_equal_the_surname_survive_after_an_article() -> None:
    fields = ResidentFields(
        first_name="Roos", last_name="Bakker", street="Stek", house_number="4",
        postcode="3311AB", phone="0786000000", email=None, birth_date=dt.date(1950, 1, 1),
    )  # fmt: skip
    text = "Mevrouw Bakker gaat elke dag naar de bakker. Roos heeft een roos in de tuin."
    output = rewrite(text, find_own_fields(fields, text), _context(fields)).text
    assert "naar de bakker" in output
    assert "een roos" in output
    assert "Bakker" not in output
    assert "Roos heeft" not in output


def test_bare_numbers_are_house_numbers_only_in_context() -> None:
    fields = ResidentFields(
        first_name="Kees", last_name="Smit", street="Merwedestraat", house_number="211",
        postcode="3313CV", phone="0786148800", email=None, birth_date=dt.date(1938, 2, 14),
    )  # fmt: skip
    text = "Hij loopt 211 meter per dag. Hij woont op nummer 211. Hij komt 3-4 keer per week."
    spans = find_own_fields(fields, text)
    found = [text[span.start : span.end] for span in spans]
    assert found == ["211"]
    assert spans[0].start == text.index("nummer 211") + len("nummer ")


def test_resident_fields_never_show_their_values() -> None:
    fields = ResidentFields.from_mapping(
        {"voornaam": "Fatma", "achternaam": "Yılmaz", "straat": "Vrieseweg",
         "huisnummer": "112", "postcode": "3311 NX", "telefoon": "06-41234567",
         "email": None, "geboortedatum": "1946-07-14"}
    )  # fmt: skip
    assert "Fatma" not in repr(fields)
    assert "Yılmaz" not in str(fields)
