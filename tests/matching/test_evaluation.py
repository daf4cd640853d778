"""The evaluation: the pure aggregation on hand-made rows (exact numbers), the page and the CSV
on data built through the services, no personal data in either, the role guard and bad input.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from oproep_support import APPROVED_TEXT, STERRENBURG, add_organisation, approved_oproep
from smtp import TestSmtpServer
from sqlmodel import Session, col, select
from support import MakeUser, login

from niemand_alleen.crypto import lookup_hash
from niemand_alleen.distribution.service import send_oproep
from niemand_alleen.geo.location import LocationPrecision
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.matching.charts import Bar, bar_chart_svg
from niemand_alleen.matching.evaluation import (
    DispatchRow,
    Durations,
    MatchRow,
    OproepRow,
    Rows,
    SignupRow,
    days_between,
    days_nl,
    evaluate,
    evaluation_csv,
    number_nl,
)
from niemand_alleen.matching.service import (
    DECLINE_LABELS,
    Action,
    close_oproep,
    decide,
    record_followup,
)
from niemand_alleen.models import (
    AuditEvent,
    DeclineCode,
    DispatchStatus,
    FollowupOutcome,
    Match,
    MatchStatus,
    Oproep,
    OproepStatus,
    Role,
    User,
    Volunteer,
    VolunteerStatus,
    local_today,
    utcnow,
)
from niemand_alleen.signup.service import withdraw_volunteer

# --- the pure aggregation --------------------------------------------------------------

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
O1, O2, O3 = (uuid.UUID(int=n) for n in (1, 2, 3))
ORG_A, ORG_B = uuid.UUID(int=10), uuid.UUID(int=11)
D1A, D1B, D2A = (uuid.UUID(int=n) for n in (20, 21, 22))


def _day(days: float) -> datetime:
    return T0 + timedelta(days=days)


def _rows() -> Rows:
    oproepen = [
        OproepRow(
            O1,
            "WK050509",
            OproepStatus.MATCHED,
            3,
            T0,
            approved_at=_day(1),
            sent_at=_day(1.5),
            closed_at=_day(10),
            matched_at=_day(12),
            followup_outcome=FollowupOutcome.ACTIVE,
        ),
        OproepRow(
            O2,
            "WK050510",
            OproepStatus.MATCHED,
            2,
            _day(2),
            approved_at=_day(5),
            sent_at=_day(5),
            matched_at=_day(22),
        ),
        OproepRow(O3, "WK050509", OproepStatus.DRAFT, 3, _day(4)),
    ]
    dispatches = [
        DispatchRow(D1A, O1, ORG_A, "Buurtkerk", DispatchStatus.SENT),
        DispatchRow(D1B, O1, ORG_B, "Sportclub", DispatchStatus.FAILED),
        DispatchRow(D2A, O2, ORG_A, "Buurtkerk", DispatchStatus.SENT),
    ]
    v = [uuid.UUID(int=100 + n) for n in range(8)]
    signups = [
        SignupRow(v[0], O1, D1A, "WK050509", _day(2), confirmed_at=_day(2)),
        SignupRow(v[1], O1, D1A, "WK050509", _day(3), confirmed_at=_day(3)),
        SignupRow(v[2], O1, D1B, "WK050509", _day(4), confirmed_at=_day(4)),
        SignupRow(v[3], O1, None, "WK050509", _day(5)),  # never confirmed, no organisation
        SignupRow(v[4], O1, D1A, None, _day(6), confirmed_at=_day(6)),  # withdrawn later
        SignupRow(v[5], O2, D2A, "WK050510", _day(8), confirmed_at=_day(9)),
        SignupRow(v[6], O2, D2A, "WK050510", _day(9), confirmed_at=_day(9)),
        SignupRow(v[7], None, None, "WK050510", _day(1)),  # for the wijk in general
    ]
    matches = [
        MatchRow(O1, v[0], MatchStatus.CONFIRMED),
        MatchRow(O1, v[1], MatchStatus.DECLINED, DeclineCode.NO_TIME),
        MatchRow(O1, v[2], MatchStatus.CONFIRMED),
        MatchRow(O1, v[4], MatchStatus.CONFIRMED),
        MatchRow(O2, v[5], MatchStatus.CONFIRMED),
        MatchRow(O2, v[6], MatchStatus.DECLINED, DeclineCode.NO_TIME),
        MatchRow(O2, None, MatchStatus.DECLINED, None),  # the neighbour's row is gone
        MatchRow(O2, v[7], MatchStatus.UNREACHABLE),
    ]
    return Rows(oproepen=oproepen, dispatches=dispatches, signups=signups, matches=matches)


def test_evaluate_counts_every_number_exactly() -> None:
    result = evaluate(_rows())
    t = result.totals
    assert (t.oproepen, t.matched_oproepen) == (3, 2)
    assert (t.organisations_mailed, t.dispatches_sent) == (1, 2)  # the failed mail not counted
    assert (t.signups, t.confirmed_signups, t.general_signups) == (7, 6, 1)
    assert (t.proposals, t.matches_confirmed, t.matches_declined, t.matches_unreachable) == (
        8,
        4,
        3,
        1,
    )

    first, second, third = result.per_oproep
    assert [s.oproep_id for s in result.per_oproep] == [O1, O2, O3]  # oldest first
    assert (first.organisations_chosen, first.organisations_mailed) == (2, 1)
    assert (first.signups, first.confirmed_signups) == (5, 4)
    assert [(e.name, e.signups, e.confirmed) for e in first.by_organisation] == [
        ("Buurtkerk", 3, 3),
        ("Sportclub", 1, 1),
        ("Zonder organisatie", 1, 0),
    ]
    assert first.days_to_approval == 1
    assert first.days_to_first_signup == 2
    assert first.days_to_match == 12
    assert (first.matches_confirmed, first.matches_declined) == (3, 1)
    assert first.followup_outcome == FollowupOutcome.ACTIVE
    assert second.days_to_approval == 3
    assert second.days_to_first_signup == 6
    assert second.days_to_match == 20
    assert [(d.code, d.count) for d in second.declines] == [(DeclineCode.NO_TIME, 1), (None, 1)]
    assert third.days_to_approval is None
    assert (third.signups, third.proposals, third.by_organisation) == (0, 0, ())

    assert result.to_approval == Durations(count=2, median=2, shortest=1, longest=3)
    assert result.to_first_signup == Durations(count=2, median=4, shortest=2, longest=6)
    assert result.to_match == Durations(count=2, median=16, shortest=12, longest=20)
    assert [(d.code, d.count) for d in result.declines] == [
        (DeclineCode.NO_TIME, 2),
        (None, 1),
    ]
    assert (result.followup.active, result.followup.not_recorded) == (1, 1)
    assert (result.followup.ended, result.followup.unknown) == (0, 0)

    wijken = {w.wijk_code: w for w in result.per_wijk}
    sterrenburg, dubbeldam = wijken["WK050509"], wijken["WK050510"]
    assert (sterrenburg.oproepen, sterrenburg.matched_oproepen) == (2, 1)
    assert (sterrenburg.signups, sterrenburg.confirmed_signups) == (5, 4)
    assert (sterrenburg.organisations_mailed, sterrenburg.matches_confirmed) == (1, 3)
    assert (dubbeldam.general_signups, dubbeldam.signups, dubbeldam.matches_confirmed) == (1, 2, 1)

    organisations = {o.name: o for o in result.per_organisation}
    assert list(organisations) == ["Buurtkerk", "Sportclub", "Zonder organisatie"]
    kerk = organisations["Buurtkerk"]
    assert (kerk.oproepen_mailed, kerk.signups, kerk.confirmed_signups) == (2, 5, 5)
    assert kerk.matches_confirmed == 3  # v0, v4 (O1) and v5 (O2)
    assert organisations["Sportclub"].oproepen_mailed == 1
    assert organisations["Zonder organisatie"].signups == 1


def test_evaluate_without_rows_and_dutch_numbers() -> None:
    result = evaluate(Rows())
    assert result.totals.oproepen == 0
    assert result.to_match == Durations(count=0, median=None, shortest=None, longest=None)
    assert result.per_oproep == result.per_wijk == result.per_organisation == ()
    assert number_nl(2.5) == "2,5"
    assert number_nl(3.0) == "3"
    assert number_nl(0.04) == "0"
    assert days_nl(1.0) == "1 dag"
    assert days_nl(12.25) == "12,2 dagen"
    assert days_nl(None) == "—"


def test_csv_is_for_dutch_excel_and_guards_against_formulas() -> None:
    rows = _rows()
    dispatches = [
        DispatchRow(D1A, O1, ORG_A, "=HYPERLINK(1)", DispatchStatus.SENT),
        *rows.dispatches[1:],
    ]
    result = evaluate(Rows(rows.oproepen, dispatches, rows.signups, rows.matches))
    text = evaluation_csv(
        result,
        wijk_names={"WK050509": "Sterrenburg"},
        status_labels={status: status.value for status in OproepStatus},
        decline_labels=DECLINE_LABELS,
    )
    assert text.startswith("\ufeff")
    records = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert len(records) == 3
    first = records[0]
    assert first["wijk"] == "Sterrenburg"
    assert first["aangemeld_op"] == "2025-03-03"
    assert first["dagen_tot_koppeling"] == "12"
    assert first["aanmeldingen"] == "5"
    assert first["aanmeldingen_per_organisatie"].startswith("'=HYPERLINK(1): 3 (3 bevestigd)")
    assert first["afgewezen_redenen"] == "Heeft (nu) geen tijd: 1"
    assert first["nacontrole_zes_weken"] == "actief"
    assert records[1]["afgewezen_redenen"] == "Heeft (nu) geen tijd: 1, Geen reden vastgelegd: 1"
    assert records[2]["dagen_tot_goedkeuring"] == ""


def test_bar_chart_is_accessible_and_escapes_labels() -> None:
    svg = bar_chart_svg(
        [Bar("<script>x</script>", 3, "3"), Bar("Tweede", 0, "0")],
        title="Aanmeldingen & meer",
        description="Per organisatie.",
        id_prefix="Grafiek 1",
    )
    assert 'role="img"' in svg
    assert 'aria-labelledby="grafiek-1-titel grafiek-1-beschrijving"' in svg
    assert '<title id="grafiek-1-titel">Aanmeldingen &amp; meer</title>' in svg
    assert "&lt;script&gt;x&lt;/script&gt;: 3; Tweede: 0." in svg
    assert "<script>" not in svg
    assert "style=" not in svg
    assert "Nog geen gegevens" in bar_chart_svg([], title="t", description="d", id_prefix="x")
    with pytest.raises(ValueError, match="zero or more"):
        bar_chart_svg([Bar("x", float("nan"), "?")], title="t", description="d", id_prefix="x")


# --- the page and the export on both databases -----------------------------------------

NEAR = (51.7935, 4.6920)  # about where the resident of oproep_support lives
SECRET_REASON = "Verhuist binnenkort naar Zwolle"


@dataclass
class Built:
    coordinator: User
    coordinator_email: str
    oproep: Oproep
    volunteers: list[Volunteer]
    personal: list[str]


def _volunteer(
    app: Flask, number: int, oproep: Oproep | None, dispatch_id: uuid.UUID | None
) -> Volunteer:
    email = f"jantine.oosterhout{number}@example.org"
    with app.app_context():
        email_hash = lookup_hash(email)
    created = utcnow() - timedelta(hours=12) + timedelta(minutes=number)
    return Volunteer(
        oproep_id=oproep.id if oproep else None,
        dispatch_id=dispatch_id,
        wijk_code=STERRENBURG,
        first_name=f"Jantine{number}",
        last_name="Oosterhout",
        email=email,
        email_hash=email_hash,
        phone=f"+3168765432{number}",
        postcode="3328AC",
        house_number=str(40 + number),
        pc4="3328",
        lat=round(NEAR[0] + number * 100 / 111_200, 3),
        lon=round(NEAR[1], 3),
        location_precision=LocationPrecision.PC6,
        availability="Woensdagochtend vrij",
        motivation="Ik wandel graag met mensen uit de buurt",
        languages="Fries",
        status=VolunteerStatus.CONFIRMED,
        created_at=created,
        confirmed_at=created,
    )


@pytest.fixture
def built(
    app: Flask,
    geography: Session,
    make_user: MakeUser,
    smtp_server: TestSmtpServer,
) -> Built:
    """An oproep mailed to two organisations, sign-ups through both links, one withdrawn,
    one unconfirmed and one for the wijk; closed, one declined, matched, checked after six
    weeks: all through the services (sign-ups as rows, like the other matching tests)."""
    session = geography
    coordinator = make_user(Role.COORDINATOR, name="Cor de Coördinator")
    coordinator_email = coordinator.email
    resident, oproep = approved_oproep(app, session, coordinator)
    kerk = add_organisation(session, "Buurtkerk Sterrenburg", STERRENBURG)
    club = add_organisation(session, "Sportclub De Merwe", STERRENBURG)
    settings = app.config["SETTINGS"]
    with app.app_context():
        dispatches = send_oproep(
            session, settings, oproep, [kerk.id, club.id], coordinator.id, local_today()
        )
    session.commit()
    send_pending(app)  # the mails to both organisations: the dispatches are now sent
    by_org = {d.organisation_id: d.id for d in dispatches}
    volunteers = [
        _volunteer(app, n, oproep, by_org[kerk.id if n < 5 else club.id]) for n in range(7)
    ]
    volunteers[6].status, volunteers[6].confirmed_at = VolunteerStatus.UNCONFIRMED, None
    volunteers.append(_volunteer(app, 7, None, None))  # for the wijk in general
    for volunteer in volunteers:
        session.add(volunteer)
    session.commit()
    with app.app_context():
        withdraw_volunteer(session, volunteers[4], utcnow())
        session.commit()
        close_oproep(session, settings, oproep.id, coordinator.id)
        session.commit()
        declined = False
        while True:
            session.expire_all()
            open_match = session.exec(
                select(Match)
                .where(Match.oproep_id == oproep.id, Match.status == MatchStatus.PROPOSED)
                .order_by(col(Match.rank))
            ).first()
            if open_match is None:
                break
            action = Action.CONFIRMED if declined else Action.DECLINED
            decide(
                session,
                settings,
                oproep.id,
                open_match.id,
                action,
                coordinator.id,
                decline_code=DeclineCode.NOT_A_FIT if action == Action.DECLINED else None,
                reason=SECRET_REASON if action == Action.DECLINED else None,
            )
            session.commit()
            declined = True
        record_followup(
            session,
            settings,
            oproep.id,
            FollowupOutcome.ACTIVE,
            coordinator.id,
            now=utcnow() + timedelta(days=settings.match_followup_days),
        )
        session.commit()
    session.refresh(oproep)
    assert oproep.status == OproepStatus.MATCHED
    personal = [
        "Wilhelmina",
        "van der Berg",
        "Groenedijk",
        "+31612345678",
        "w.vandenberg@example.org",
        "3328AB",
        "overleed",
        APPROVED_TEXT[:30],
        "Jantine",
        "Oosterhout",
        "3328AC",
        "+316876543",
        "Woensdagochtend",
        "Ik wandel graag",
        "Fries",
        SECRET_REASON,
    ]
    return Built(coordinator, coordinator_email, oproep, volunteers, personal)


def test_page_shows_the_numbers_without_personal_data(app: Flask, built: Built) -> None:
    client = app.test_client()
    login(client, built.coordinator_email)
    response = client.get("/evaluatie")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for value in built.personal:
        assert value not in html, value
    assert "<h1>Evaluatie</h1>" in html
    assert '<a href="/evaluatie" aria-current="page">Evaluatie</a>' in html  # in the menu
    assert "Buurtkerk Sterrenburg" in html
    assert "Sportclub De Merwe" in html
    # 7 sign-ups for the oproep (the withdrawn one included), 6 of them ever confirmed.
    assert "<dt>Aanmeldingen goede buren</dt><dd>7</dd>" in html
    assert "<dt>Daarvan bevestigd</dt><dd>6</dd>" in html
    assert "<dt>Organisaties gemaild</dt><dd>2</dd>" in html
    assert "<dt>Goede buren bevestigd</dt><dd>3</dd>" in html
    assert "<dt>Afgewezen</dt><dd>1</dd>" in html
    assert "<dt>Na zes weken nog actief</dt><dd>1</dd>" in html
    assert "Past niet bij wat de bewoner zoekt" in html
    assert f'href="/oproepen/{built.oproep.id}/koppelen"' in html
    assert html.count('role="img"') == 3 + 6  # and one per questionnaire question
    assert "style=" not in html
    assert 'href="/evaluatie/export.csv"' in html


def test_csv_export_without_personal_data_and_audited(
    app: Flask, db_session: Session, built: Built
) -> None:
    client = app.test_client()
    login(client, built.coordinator_email)
    response = client.get("/evaluatie/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "evaluatie-" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8")
    for value in built.personal:
        assert value not in text, value
    (record,) = csv.DictReader(io.StringIO(text[1:]), delimiter=";")
    assert record["oproep"] == str(built.oproep.id)
    assert record["wijk"] == "Sterrenburg"
    assert (record["organisaties_gekozen"], record["organisaties_gemaild"]) == ("2", "2")
    assert (record["aanmeldingen"], record["aanmeldingen_bevestigd"]) == ("7", "6")
    assert record["aanmeldingen_per_organisatie"] == (
        "Buurtkerk Sterrenburg: 5 (5 bevestigd), Sportclub De Merwe: 2 (1 bevestigd)"
    )
    assert (record["voorstellen"], record["bevestigd"], record["afgewezen"]) == ("4", "3", "1")
    assert record["afgewezen_redenen"] == "Past niet bij wat de bewoner zoekt: 1"
    assert record["nacontrole_zes_weken"] == "actief"
    assert record["dagen_tot_goedkeuring"] != ""
    db_session.rollback()
    event = db_session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.record_type == "evaluation"
        )
    ).one()
    assert event.actor_user_id == built.coordinator.id
    assert event.detail is None


def test_period_filter_limits_page_and_export(
    app: Flask, db_session: Session, built: Built
) -> None:
    client = app.test_client()
    login(client, built.coordinator_email)
    today = local_today()
    tomorrow = today + timedelta(days=1)
    later = tomorrow.strftime("%d-%m-%Y")
    html = client.get(f"/evaluatie?van={later}").get_data(as_text=True)
    assert "<dt>Oproepen</dt><dd>0</dd>" in html
    assert "Nog geen oproepen in deze periode" in html
    now = today.strftime("%d-%m-%Y")
    html = client.get(f"/evaluatie?van={now}&tot={now}").get_data(as_text=True)
    assert "<dt>Oproepen</dt><dd>1</dd>" in html
    assert f"export.csv?van={now}&amp;tot={now}" in html
    response = client.get(f"/evaluatie/export.csv?van={later}")
    assert response.get_data(as_text=True).count("\r\n") == 1  # the header only
    db_session.rollback()
    event = db_session.exec(select(AuditEvent).where(AuditEvent.record_type == "evaluation")).one()
    assert event.detail == f"periode vanaf {tomorrow.day}-{tomorrow.month}-{tomorrow.year}"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("van=31-02-2025", "Vul de datum in als dag-maand-jaar"),
        ("tot=morgen", "Vul de datum in als dag-maand-jaar"),
        ("van=10-03-2025&tot=01-03-2025", "De einddatum ligt vóór de begindatum."),
    ],
)
def test_bad_period_gets_a_dutch_message_and_400(
    app: Flask,
    db_session: Session,
    make_user: MakeUser,
    query: str,
    message: str,
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    client = app.test_client()
    login(client, coordinator.email)
    response = client.get(f"/evaluatie?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get(f"/evaluatie/export.csv?{query}").status_code == 400
    db_session.rollback()
    assert (
        db_session.exec(select(AuditEvent).where(AuditEvent.record_type == "evaluation")).all()
        == []
    )


@pytest.mark.parametrize("role", [Role.BUURTWERKER, Role.BEHEERDER])
def test_only_coordinators_see_the_evaluation(app: Flask, make_user: MakeUser, role: Role) -> None:
    anonymous = app.test_client()
    for path in ("/evaluatie", "/evaluatie/export.csv"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert "/inloggen" in response.headers["Location"]
    client = app.test_client()
    login(client, make_user(role).email)
    for path in ("/evaluatie", "/evaluatie/export.csv"):
        assert client.get(path).status_code == 403


def test_a_step_recorded_a_moment_before_the_one_it_follows_counts_as_zero_days() -> None:
    created = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert days_between(created, created - timedelta(minutes=5)) == 0.0
    assert days_between(created, created + timedelta(days=2)) == 2.0
    assert days_between(created, None) is None
