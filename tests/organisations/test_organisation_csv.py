"""CSV export (Dutch Excel, formula injection) and the all-or-nothing CSV import."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.models import AuditAction, AuditEvent, Organisation, utcnow
from niemand_alleen.organisations.csv_io import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, plan_import
from niemand_alleen.organisations.service import organisation_wijken

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.usefixtures("beheerder")

STERRENBURG, DUBBELDAM, STADSPOLDERS = "WK050509", "WK050510", "WK050511"
EXPORT = "/beheer/organisaties/export.csv"
IMPORT = "/beheer/organisaties/importeren"
HEADER = "naam;e-mailadressen;wijken;notitie;actief;afgemeld_op"


def _organisations(db_session: Session) -> dict[str, Organisation]:
    db_session.commit()  # a fresh read transaction (SQLite keeps its snapshot otherwise)
    db_session.expire_all()
    return {org.name: org for org in db_session.exec(select(Organisation)).all()}


def _upload(client: FlaskClient, data: bytes, filename: str = "organisaties.csv") -> TestResponse:
    # The body is built here: werkzeug's builder spools big bodies to a file it leaves open.
    boundary = "grens-" + "7" * 20
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf_token(client, IMPORT)}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            "\r\nContent-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(IMPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}")


# --- export ------------------------------------------------------------------------------


def test_export_for_dutch_excel_and_against_formula_injection(
    client: FlaskClient, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    make_organisation(
        name='=HYPERLINK("http://evil")',
        emails=("a@example.org", "b@example.org"),
        wijken=(STERRENBURG, DUBBELDAM),
        note="-2+3; met puntkomma",
    )
    make_organisation(name="Zonnebloem Dordrecht", active=False, unsubscribed_at=utcnow())
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADER.split(";")
    assert rows[1] == [
        '\'=HYPERLINK("http://evil")',
        "a@example.org, b@example.org",
        f"{STERRENBURG},{DUBBELDAM}",
        "'-2+3; met puntkomma",
        "ja",
        "",
    ]
    assert rows[2][0] == "Zonnebloem Dordrecht"
    assert rows[2][4] == "nee"
    today = utcnow().astimezone(AMSTERDAM)
    assert rows[2][5] == f"{today.day}-{today.month}-{today.year}"  # as the list shows it
    event = db_session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
    assert event.record_type == "organisation"
    assert event.detail is None


def test_an_exported_file_imports_unchanged(
    client: FlaskClient, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    make_organisation(name="@Buurt", wijken=(STERRENBURG, STADSPOLDERS), note="=1+1")
    make_organisation(name="Slapend", active=False)
    exported = client.get(EXPORT).data
    response = _upload(client, exported)
    assert response.status_code == 302
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import klaar: 0 nieuwe en 2 bijgewerkte organisaties." in follow
    organisations = _organisations(db_session)
    assert set(organisations) == {"@Buurt", "Slapend"}
    assert organisations["@Buurt"].note == "=1+1"
    assert organisations["Slapend"].active is False
    assert organisation_wijken(db_session)[organisations["@Buurt"].id] == {
        STERRENBURG,
        STADSPOLDERS,
    }


# --- import ------------------------------------------------------------------------------


def test_import_creates_and_updates_with_comma_delimiter_and_wijk_names(
    client: FlaskClient, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    make_organisation(name="Buurtkerk De Ark", wijken=(STERRENBURG,))
    text = (
        "Naam,E-mailadressen,Wijken,Notitie\r\n"
        'buurtkerk de ark,nieuw@ark.example.org,"Dubbeldam, Wijk 11 Stadspolders",bijgewerkt\r\n'
        'Voedselbank,"a@vb.example.org, b@vb.example.org",sterrenburg,\r\n'
        "\r\n"
        "Ouderenbond,ob@example.org,WK050510,\r\n"
    )
    response = _upload(client, text.encode("utf-8"))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import klaar: 2 nieuwe en 1 bijgewerkte organisaties." in page
    organisations = _organisations(db_session)
    assert set(organisations) == {"buurtkerk de ark", "Voedselbank", "Ouderenbond"}
    ark = organisations["buurtkerk de ark"]
    assert ark.contact_emails == "nieuw@ark.example.org"
    assert ark.note == "bijgewerkt"
    wijken = organisation_wijken(db_session)
    assert wijken[ark.id] == {DUBBELDAM, STADSPOLDERS}
    assert wijken[organisations["Voedselbank"].id] == {STERRENBURG}
    assert organisations["Voedselbank"].contact_emails == "a@vb.example.org\nb@vb.example.org"
    creates = db_session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.CREATE))
    assert len(creates.all()) == 2


def test_bad_rows_are_all_listed_with_line_numbers_and_nothing_is_imported(
    client: FlaskClient, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    make_organisation(name="Bestaand", wijken=(STERRENBURG,), note="oud")
    text = (
        f"{HEADER}\n"
        "Bestaand;nieuw@example.org;Dubbeldam;nieuw;ja;\n"  # 2: fine, would update
        "Goed;goed@example.org;Sterrenburg;;;\n"  # 3: fine
        ";geen-naam@example.org;Sterrenburg;;;\n"  # 4: no name
        "Slecht adres;niet-goed;Sterrenburg;;;\n"  # 5: bad address
        "Onbekende wijk;a@example.org;Atlantis, Dubbeldam;;;\n"  # 6: unknown wijk
        "Geen wijk;a@example.org;;;;\n"  # 7: no wijk
        'Lange notitie;a@example.org;Sterrenburg;"' + "x" * 1001 + '";;\n'  # 8
        "Raar actief;a@example.org;Sterrenburg;;misschien;\n"  # 9
        "goed;dubbel@example.org;Sterrenburg;;;\n"  # 10: same name as line 3
        "Te veel;a@example.org;Sterrenburg;;ja;;extra\n"  # 11: extra column
        '"Regel\nover twee";a@example.org;Sterrenburg;;;\n'  # 12-13: line break in name
        "Leeg adres;;Sterrenburg;;;\n"  # 14
    )
    response = _upload(client, text.encode("utf-8"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Er is niets geïmporteerd: 10 regels kloppen niet" in page
    expected = {
        4: "naam: Vul de naam van de organisatie in.",
        5: "e-mailadressen: niet-goed: Vul een geldig e-mailadres in",
        6: "wijken: deze wijk kennen we niet: Atlantis.",
        7: "wijken: Kies minstens één wijk.",
        8: "notitie: Dit is te lang: hoogstens 1000 tekens.",
        9: "Vul bij actief &#39;ja&#39; of &#39;nee&#39; in.",
        10: "naam: deze organisatie staat ook al op regel 3.",
        11: "Deze regel heeft meer kolommen dan de kopregel.",
        12: "naam: Een naam kan geen regelovergang bevatten.",
        14: "e-mailadressen: Vul minstens één e-mailadres in.",
    }
    for line, reason in expected.items():
        start = page.index(f"<li>Regel {line}")
        assert reason in page[start : page.index("</ul>", start)], line
    assert "Regel 2" not in page
    assert "Regel 3" not in page
    organisations = _organisations(db_session)
    assert set(organisations) == {"Bestaand"}
    assert organisations["Bestaand"].note == "oud"
    assert (
        db_session.exec(select(AuditEvent).where(AuditEvent.record_type == "organisation")).all()
        == []
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Het bestand is leeg."),
        (b"naam;wijken\nA;Sterrenburg\n", "Deze ontbreken: e-mailadressen."),
        (f"{HEADER}\n".encode(), "Het bestand bevat geen organisaties"),
        (
            f"{HEADER}\nCafé Ré;a@example.org;Sterrenburg;;;\n".encode("cp1252"),
            "Het bestand is niet in UTF-8 opgeslagen",
        ),
        (b"x" * (MAX_IMPORT_BYTES + 1), "Het bestand is te groot: hoogstens 1 MB."),
        (
            (
                f"{HEADER}\n"
                + "".join(
                    f"Org {n};a@example.org;Sterrenburg;;;\n" for n in range(MAX_IMPORT_ROWS + 1)
                )
            ).encode(),
            f"Het bestand heeft meer dan {MAX_IMPORT_ROWS} organisaties.",
        ),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(
    client: FlaskClient, db_session: Session, data: bytes, message: str
) -> None:
    response = _upload(client, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _organisations(db_session) == {}


def test_a_utf8_file_with_bom_and_accents_is_read(client: FlaskClient, db_session: Session) -> None:
    data = f"\ufeff{HEADER}\nCafé Ré;a@example.org;Sterrenburg;Ëën notitie;;\n".encode()
    assert _upload(client, data).status_code == 302
    assert _organisations(db_session)["Café Ré"].note == "Ëën notitie"


def test_missing_file_is_a_field_error(client: FlaskClient) -> None:
    response = client.post(IMPORT, data={"csrf_token": csrf_token(client, IMPORT)})
    assert response.status_code == 200
    assert '<a href="#file">Kies een CSV-bestand.</a>' in response.get_data(as_text=True)


def test_a_request_over_the_app_limit_is_refused(client: FlaskClient) -> None:
    response = _upload(client, b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413


def test_the_row_limit_itself_is_allowed(db_session: Session) -> None:
    text = f"{HEADER}\n" + "".join(
        f"Org {n};a@example.org;Sterrenburg;;;\n" for n in range(MAX_IMPORT_ROWS)
    )
    rows, errors = plan_import(db_session, text.encode(), {STERRENBURG: "Wijk 09 Sterrenburg"})
    assert errors == []
    assert len(rows) == MAX_IMPORT_ROWS
    assert rows[-1].line == MAX_IMPORT_ROWS + 1
