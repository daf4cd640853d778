"""Nothing about the resident leaves in an organisation mail, beyond the text, PC4 and wijk.

Each resident below is registered, approved with a neutral text and mailed to an
organisation through the real outbox sender and SMTP server; then the oproep is cancelled
so the follow-up mail is checked too. Every received byte (headers and decoded bodies) is
searched for the resident's fields and their usual variants.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from oproep_support import STERRENBURG, add_organisation, approved_oproep
from smtp import ReceivedMail, TestSmtpServer
from sqlmodel import Session, select
from support import MakeUser, without_random_ids

from niemand_alleen.distribution.service import cancel_oproep, send_oproep
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import Dispatch, Resident, Role, local_today

RESIDENTS = [
    {
        "first_name": "Wilhelmina",
        "last_name": "van der Berg-de Vries",
        "street": "Groenedijk",
        "house_number": "212",
        "postcode": "3328AB",
        "phone": "+31612345678",
        "email": "w.vandenberg@example.org",
        "birth_date": date(1941, 3, 12),
    },
    {
        "first_name": "Ömer",
        "last_name": "Özdemir",
        "street": "Sterrenburgerweg",
        "house_number": "17bis",
        "postcode": "3318CD",
        "phone": "+31786543210",
        "email": "omer.ozdemir@example.net",
        "birth_date": date(1950, 11, 2),
    },
    {
        "first_name": "Aïcha",
        "last_name": "N'Diaye",
        "street": "Vrieseplein",
        "house_number": "5-A",
        "postcode": "3311KL",
        "phone": "+31687654321",
        "email": "aicha.ndiaye@example.com",
        "birth_date": date(1938, 7, 30),
    },
    {
        "first_name": "Jan-Willem",
        "last_name": "de Groot",
        "street": "Dubbeldamseweg Zuid",
        "house_number": "1001",
        "postcode": "3319EF",
        "phone": "+31785559876",
        "email": "jw@degroot.example.org",
        "birth_date": date(1962, 1, 1),
    },
]

_MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
_PARTICLES = {"van", "der", "de", "den", "het", "ter", "ten", "op", "in", "'t"}


def variants(fields: dict[str, object]) -> list[str]:
    """The ways each field could show up in a mail."""
    first, last = str(fields["first_name"]), str(fields["last_name"])
    street, number = str(fields["street"]), str(fields["house_number"])
    postcode, phone = str(fields["postcode"]), str(fields["phone"])
    email = str(fields["email"])
    born = fields["birth_date"]
    assert isinstance(born, date)
    national = "0" + phone.removeprefix("+31")
    age = (local_today() - born).days // 365
    name_parts = [
        part
        for part in re.split(r"[\s\-]+", last)
        if part.casefold() not in _PARTICLES and len(part) > 2
    ]
    return [
        first,
        last,
        *name_parts,
        f"{first} {last}",
        street,
        f"{street} {number}",
        postcode,
        f"{postcode[:4]} {postcode[4:]}",
        phone,
        national,
        f"{national[:2]}-{national[2:]}",
        f"{national[:2]} {national[2:]}",
        national[1:],
        email,
        email.split("@")[0],
        born.isoformat(),
        born.strftime("%d-%m-%Y"),
        f"{born.day}-{born.month}-{born.year}",
        f"{born.day} {_MONTHS[born.month - 1]} {born.year}",
        f"{age} jaar",
        f"{age}-jarige",
    ]


def everything_received(mail: ReceivedMail, random_codes: list[str]) -> str:
    """All of a mail, in lower case, with its random parts masked: a referral code or the
    Message-ID's hex can hold a short value such as the e-mail name "jw" by chance."""
    headers = "\n".join(f"{key}: {value}" for key, value in mail.message.items())
    content = without_random_ids("\n".join([headers, mail.text, mail.html]))
    for code in random_codes:
        assert code in content  # the referral link is in the mail
        content = content.replace(code, "<referral-code>")
    return content.casefold()


@pytest.mark.parametrize("fields", RESIDENTS, ids=lambda fields: str(fields["postcode"]))
def test_organisation_mails_hold_nothing_of_the_resident(
    app: Flask,
    geography: Session,
    make_user: MakeUser,
    smtp_server: TestSmtpServer,
    fields: dict[str, object],
) -> None:
    coordinator = make_user(Role.COORDINATOR, name="Cor de Coördinator")
    resident, oproep = approved_oproep(
        app,
        geography,
        coordinator,
        text="Iemand in deze wijk zoekt gezelschap voor een wandeling of een kop koffie.",
        **fields,
    )
    organisation = add_organisation(geography, "Wijkcentrum", oproep.wijk_code or STERRENBURG)
    settings = app.config["SETTINGS"]
    with app.app_context():
        send_oproep(geography, settings, oproep, [organisation.id], coordinator.id, local_today())
        geography.commit()
    send_pending(app)
    with app.app_context():
        cancel_oproep(geography, settings, oproep, coordinator.id)
        geography.commit()
    send_pending(app)

    received = smtp_server.wait_for(2)
    assert [mail.message["Subject"].split(":")[0] for mail in received] == [
        "Oproep Niemand Alleen",
        "Oproep gestopt",
    ]
    stored = geography.get(Resident, resident.id)
    assert stored is not None
    assert stored.first_name == fields["first_name"]  # the check below is not vacuous
    referral_codes = [
        dispatch.referral_code
        for dispatch in geography.exec(select(Dispatch).where(Dispatch.oproep_id == oproep.id))
    ]
    for mail in received[:1]:  # the oproep mail holds the link; the cancel mail does not
        assert any(code in mail.text for code in referral_codes)
    for mail in received:
        codes = [code for code in referral_codes if code in mail.text]
        content = everything_received(mail, codes)
        assert oproep.pc4
        assert oproep.pc4 in content  # what may leave, does
        for variant in variants(fields):
            assert variant.casefold() not in content, f"{variant!r} leaked"
