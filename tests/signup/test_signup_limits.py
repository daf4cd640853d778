"""Closed and unknown oproepen, the cap per oproep and the rate limits (shared by workers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep, OpenOproepFactory
from sqlmodel import Session, func, select
from support import PostSignup

from niemand_alleen import create_app
from niemand_alleen.models import (
    Oproep,
    OproepStatus,
    OutboxMail,
    SignupRate,
    Volunteer,
    VolunteerStatus,
    local_today,
)
from niemand_alleen.reference import PlacedAddress
from niemand_alleen.signup import ratelimit


def count(session: Session, model: type) -> int:
    session.rollback()
    return int(session.exec(select(func.count()).select_from(model)).one())


def set_oproep(session: Session, oproep: Oproep, **values: object) -> None:
    session.rollback()
    row = session.get(Oproep, oproep.id)
    assert row is not None
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()


def assert_closed_page(body: str) -> None:
    assert "Aanmelden voor deze oproep kan niet meer." in body
    assert 'action="/aanmelden"' in body  # the general sign-up instead
    assert "Een vrouw van in de 80" not in body


def test_an_unknown_or_tampered_link_shows_a_neutral_page(
    client: FlaskClient, scenario: OpenOproep
) -> None:
    for code in ("onbekend", scenario.dispatch.referral_code + "x", "x" * 300):
        response = client.get(f"/aanmelden/{code}")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "Deze link werkt niet" in body
        assert 'href="/aanmelden"' in body
        assert "<form" not in body.split("<main", 1)[1]


def test_a_closed_oproep_offers_the_general_signup(
    client: FlaskClient, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    for status in (OproepStatus.CLOSED, OproepStatus.MATCHED, OproepStatus.CANCELLED):
        set_oproep(db_session, scenario.oproep, status=status)
        response = client.get(scenario.path)
        assert response.status_code == 200
        assert_closed_page(response.get_data(as_text=True))
    # A form sent to the closed oproep stores nothing and comes back with what was typed.
    response = post_signup(client, scenario.path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_closed_page(body)
    assert 'value="Özdemir"' in body
    assert count(db_session, Volunteer) == 0
    assert count(db_session, OutboxMail) == 0


def test_an_oproep_past_its_deadline_is_closed(
    client: FlaskClient, db_session: Session, scenario: OpenOproep
) -> None:
    set_oproep(db_session, scenario.oproep, deadline=local_today())  # "tot en met": still open
    assert "Een vrouw van in de 80" in client.get(scenario.path).get_data(as_text=True)
    set_oproep(db_session, scenario.oproep, deadline=local_today() - timedelta(days=1))
    assert_closed_page(client.get(scenario.path).get_data(as_text=True))


def confirm_all(session: Session) -> None:
    session.rollback()
    for volunteer in session.exec(select(Volunteer)).all():
        volunteer.status = VolunteerStatus.CONFIRMED
        session.add(volunteer)
    session.commit()


def test_the_cap_per_oproep_counts_confirmed_signups_only(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    """Sign-ups that never confirm cannot close an oproep (anyone can type addresses)."""
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(signup_cap_per_oproep=2)
    for number in range(4):
        response = post_signup(
            client, scenario.path, email=f"nep{number}@example.org", remote_addr=f"192.0.2.{number}"
        )
        assert response.status_code == 302
    assert "Een vrouw van in de 80" in client.get(scenario.path).get_data(as_text=True)
    confirm_all(db_session)  # now two or more have confirmed: the oproep is full
    response = post_signup(client, scenario.path, email="buur9@example.org")
    assert response.status_code == 200
    assert_closed_page(response.get_data(as_text=True))
    assert_closed_page(client.get(scenario.path).get_data(as_text=True))
    assert count(db_session, Volunteer) == 4
    # The general sign-up has no cap.
    assert post_signup(client, "/aanmelden", email="buur9@example.org").status_code == 302


def assert_form_kept(body: str, email: str = "fatma.ozdemir@example.org") -> None:
    """The form is back with what was typed, and says it was not sent."""
    assert "Uw aanmelding is nog niet verstuurd." in body
    assert 'value="Özdemir"' in body
    assert f'value="{email}"' in body.lower()
    assert "<form" in body


def test_one_email_address_is_limited_whatever_the_client(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    open_oproep_factory: OpenOproepFactory,
    post_signup: PostSignup,
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(signup_rate_per_email_per_hour=2)
    other = open_oproep_factory()
    assert post_signup(client, scenario.path, remote_addr="192.0.2.1").status_code == 302
    assert post_signup(client, other.path, remote_addr="192.0.2.2").status_code == 302
    refused = post_signup(client, "/aanmelden", remote_addr="192.0.2.3")
    assert refused.status_code == 429
    assert_form_kept(refused.get_data(as_text=True))
    assert count(db_session, Volunteer) == 2
    # Another address from that same client is not held back.
    assert (
        post_signup(
            client, "/aanmelden", email="ander@example.org", remote_addr="192.0.2.3"
        ).status_code
        == 302
    )


def test_a_sender_over_its_limit_spends_none_of_the_shared_budget(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    geography: Session,
    post_signup: PostSignup,
) -> None:
    """One client floods the general form; the city's hourly budget is still there for the
    others, because its refused attempts never reach the shared count."""
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        signup_rate_per_address_per_hour=2, signup_rate_general_per_hour=3
    )
    for number in range(8):
        post_signup(client, "/aanmelden", email=f"flood{number}@example.org")
    assert count(db_session, Volunteer) == 2
    assert (
        post_signup(
            client, "/aanmelden", email="buur@example.org", remote_addr="192.0.2.8"
        ).status_code
        == 302
    )
    assert count(db_session, Volunteer) == 3


def test_a_reached_shared_limit_keeps_the_form_and_gives_the_phone_number(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    geography: Session,
    post_signup: PostSignup,
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        signup_rate_general_per_hour=2, contact_phone="078 123 45 67"
    )
    for number in range(2):
        response = post_signup(
            client, "/aanmelden", email=f"n{number}@example.org", remote_addr=f"192.0.2.{number}"
        )
        assert response.status_code == 302
    refused = post_signup(client, "/aanmelden", remote_addr="192.0.2.9")
    assert refused.status_code == 429
    body = refused.get_data(as_text=True)
    assert_form_kept(body)
    assert "heel veel aanmeldingen" in body
    assert '<a href="tel:+31781234567">078 123 45 67</a>' in body
    assert count(db_session, Volunteer) == 2


def test_too_many_attempts_from_one_address_get_429_and_store_nothing(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        signup_rate_per_address_per_hour=3
    )
    # Errors count as attempts too.
    assert post_signup(client, scenario.path, consent=None).status_code == 200
    assert post_signup(client, scenario.path, email="een@example.org").status_code == 302
    assert post_signup(client, "/aanmelden", email="twee@example.org").status_code == 302
    refused = post_signup(client, scenario.path, email="drie@example.org")
    assert refused.status_code == 429
    assert _retry_line(refused.get_data(as_text=True)) in _next_full_hours()
    assert_form_kept(refused.get_data(as_text=True), "drie@example.org")
    assert count(db_session, Volunteer) == 2
    # Another address is not held back.
    other = post_signup(client, scenario.path, email="vier@example.org", remote_addr="192.0.2.44")
    assert other.status_code == 302
    # Only a keyed hash of the address is stored.
    db_session.rollback()
    buckets = db_session.exec(select(SignupRate.bucket)).all()
    assert not any("198.51.100.7" in bucket or "192.0.2.44" in bucket for bucket in buckets)


@pytest.mark.parametrize("via_link", [True, False], ids=["oproep-link", "general-form"])
def test_a_client_over_its_limit_is_refused_before_its_address_is_located(
    app: Flask,
    client: FlaskClient,
    scenario: OpenOproep,
    post_signup: PostSignup,
    monkeypatch: pytest.MonkeyPatch,
    via_link: bool,
) -> None:
    """With an online geocoder every flood request would otherwise ask someone else's service.
    Through a link the look-up reads the oproep and the count in one query; the general form
    reads only the count."""
    path = scenario.path if via_link else "/aanmelden"
    from niemand_alleen.signup import service

    located: list[str] = []
    real = service.locate_address

    def counting(*args: Any, **kwargs: Any) -> PlacedAddress:
        located.append("x")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "locate_address", counting)
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        signup_rate_per_address_per_hour=2
    )
    assert post_signup(client, path, email="een@example.org").status_code == 302
    assert post_signup(client, path, email="twee@example.org").status_code == 302
    assert len(located) == 2
    for attempt in range(3):
        refused = post_signup(client, path, email=f"flood{attempt}@example.org")
        assert refused.status_code == 429
    assert len(located) == 2


def test_the_address_limit_holds_across_two_web_workers(
    app: Flask, db_session: Session, scenario: OpenOproep, post_signup: PostSignup
) -> None:
    """Two app instances on one database stand for two gunicorn workers."""
    settings = app.config["SETTINGS"].with_overrides(signup_rate_per_address_per_hour=2)
    app.config["SETTINGS"] = settings
    second = create_app(settings)
    try:
        first_client, second_client = app.test_client(), second.test_client()
        assert post_signup(first_client, scenario.path, email="a@example.org").status_code == 302
        assert post_signup(second_client, scenario.path, email="b@example.org").status_code == 302
        assert post_signup(first_client, scenario.path, email="c@example.org").status_code == 429
        assert post_signup(second_client, scenario.path, email="d@example.org").status_code == 429
    finally:
        second.extensions["database"].engine.dispose()
    assert count(db_session, Volunteer) == 2


def test_the_limit_per_oproep_counts_signups_from_every_address(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        signup_rate_per_oproep_per_hour=2
    )
    for number in range(2):
        response = post_signup(
            client, scenario.path, email=f"n{number}@example.org", remote_addr=f"192.0.2.{number}"
        )
        assert response.status_code == 302
    refused = post_signup(client, scenario.path, email="n9@example.org", remote_addr="192.0.2.9")
    assert refused.status_code == 429
    assert count(db_session, Volunteer) == 2
    # The general sign-up has a bucket of its own.
    general = post_signup(client, "/aanmelden", email="n9@example.org", remote_addr="192.0.2.9")
    assert general.status_code == 302


def test_counts_of_earlier_hours_are_deleted_when_a_new_hour_starts(
    app: Flask, db_session: Session
) -> None:
    start = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    with app.app_context():
        for minutes in (0, 5, 30):
            assert ratelimit.take(db_session, "address:a", 3, start + timedelta(minutes=minutes))
        assert not ratelimit.take(db_session, "address:a", 3, start + timedelta(minutes=40))
        assert ratelimit.take(db_session, "address:b", 3, start)
        # The next hour: a fresh count, and the earlier hour's rows are gone.
        assert ratelimit.take(db_session, "address:a", 3, start + timedelta(hours=1))
        db_session.commit()
    rows = db_session.exec(select(SignupRate)).all()
    assert [(row.bucket, row.count) for row in rows] == [("address:a", 1)]
    assert rows[0].window_start == datetime(2026, 11, 22, 11, tzinfo=UTC)


def _next_full_hours() -> set[str]:
    """When the client may try again: the next full local hour (two, near an hour's turn)."""
    from niemand_alleen.dates import local_moment

    now = datetime.now(UTC)
    starts = {ratelimit.window_start(now + timedelta(seconds=s)) for s in (-30, 0, 30)}
    return {local_moment(start + ratelimit.WINDOW).strftime("%H:%M") for start in starts}


def _retry_line(body: str) -> str:
    marker = "U kunt het vanaf "
    assert marker in body
    return body.split(marker, 1)[1].split(" uur opnieuw proberen.", 1)[0]


def test_over_the_limit_a_form_with_mistakes_shows_what_to_fix(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        signup_rate_per_address_per_hour=1, contact_phone="078 123 45 67"
    )
    assert post_signup(client, scenario.path, email="een@example.org").status_code == 302
    rates_before = db_session.exec(select(SignupRate.bucket, SignupRate.count)).all()
    # Over the limit, via the oproep's link and via the general form, with mistakes.
    for path in (scenario.path, "/aanmelden"):
        refused = post_signup(client, path, email="geen-adres", consent=None)
        assert refused.status_code == 429
        body = refused.get_data(as_text=True)
        assert "Uw aanmelding is nog niet verstuurd." in body
        # What to fix, at the fields, as for anyone.
        assert 'id="email-error"' in body
        assert 'id="consent-error"' in body
        assert "Vink aan dat u de privacyverklaring hebt gelezen." in body
        # When to try again and whom to contact.
        assert _retry_line(body) in _next_full_hours()
        assert '<a href="tel:+31781234567">078 123 45 67</a>' in body
    # Nothing stored, nothing more counted.
    assert count(db_session, Volunteer) == 1
    assert db_session.exec(select(SignupRate.bucket, SignupRate.count)).all() == rates_before


def test_over_the_limit_a_correct_form_shows_no_field_errors(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        signup_rate_per_address_per_hour=1
    )
    assert post_signup(client, scenario.path, email="een@example.org").status_code == 302
    refused = post_signup(client, scenario.path, email="twee@example.org")
    assert refused.status_code == 429
    body = refused.get_data(as_text=True)
    assert "Uw aanmelding is nog niet verstuurd." in body
    assert "error-message" not in body
    assert_form_kept(body, "twee@example.org")
    assert count(db_session, Volunteer) == 1
