"""Second factor for staff: TOTP (RFC 6238), enrolment, recovery codes, throttling, reset.

The test preset requires no second factor (so other tests log in with a password); here it
is switched on for every staff role, as in production.
"""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import STAFF_PASSWORD, MakeUser, csrf_token, first_group
from werkzeug.test import TestResponse

from niemand_alleen.auth import totp
from niemand_alleen.config import ConfigError, Settings, load_settings
from niemand_alleen.models import AuditEvent, RecoveryCode, Role, User


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides(
        second_factor_roles=frozenset({"beheerder", "coordinator", "buurtwerker"}),
        login_free_failures=3,
    )


RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_rfc_6238_vectors(moment: int, code: str) -> None:
    assert totp.code_at(RFC_SECRET, totp.time_step(moment), digits=8) == code


def test_window_and_reuse() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        assert (
            totp.matching_step(secret, totp.code_at(secret, step + offset), now, None)
            == step + offset
        )
    assert totp.matching_step(secret, totp.code_at(secret, step - 2), now, None) is None
    assert totp.matching_step(secret, totp.code_at(secret, step + 2), now, None) is None
    code = totp.code_at(secret, step)
    assert totp.matching_step(secret, code, now, last_step=step) is None  # used once already
    assert totp.matching_step(secret, "12 34", now, None) is None
    assert totp.matching_step(secret, "abcdef", now, None) is None


def password_step(client: FlaskClient, email: str) -> str:
    response = client.post(
        "/inloggen",
        data={"email": email, "password": STAFF_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def enrol(client: FlaskClient) -> tuple[str, list[str], str]:
    """Enrols with a valid code; returns the secret, the recovery codes and that code."""
    html = client.get("/inloggen/instellen").get_data(as_text=True)
    assert "<svg" in html
    secret = first_group(r'name="secret" type="hidden" value="([A-Z2-7]{32})"', html)
    token = csrf_token(client, "/inloggen/instellen")
    wrong = client.post(
        "/inloggen/instellen", data={"code": "000000", "secret": secret, "csrf_token": token}
    )
    assert "Deze code klopt niet" in wrong.get_data(as_text=True)
    code = totp.code_at(secret, totp.time_step(time.time()) - 1)
    done = client.post(
        "/inloggen/instellen", data={"code": code, "secret": secret, "csrf_token": token}
    )
    page = done.get_data(as_text=True)
    assert "Uw herstelcodes" in page
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", page)
    assert len(codes) == 10
    return secret, codes, code


def code_step(client: FlaskClient, code: str) -> TestResponse:
    return client.post(
        "/inloggen/code", data={"code": code, "csrf_token": csrf_token(client, "/inloggen/code")}
    )


def logout(client: FlaskClient) -> None:
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})


def test_the_whole_flow(client: FlaskClient, make_user: MakeUser, db_session: Session) -> None:
    user = make_user(Role.COORDINATOR)
    assert password_step(client, user.email).endswith("/inloggen/instellen")
    # Only the password: no access to anything behind the login (R1.12).
    assert client.get("/oproepen").status_code == 302
    assert client.get("/inloggen/code").status_code == 302  # not enrolled yet
    secret, codes, enrolment_code = enrol(client)
    assert client.get("/oproepen").status_code == 200
    db_session.rollback()
    db_session.expire_all()
    stored = db_session.get(User, user.id)
    assert stored is not None
    assert stored.totp_secret == secret
    assert stored.totp_enrolled_at
    logout(client)

    assert password_step(client, user.email).endswith("/inloggen/code")
    assert client.get("/oproepen").status_code == 302
    # The code used at enrolment is refused, still in its window or not. (Recomputing it
    # from the clock here drew the next step's code when a 30-s step had just ended.)
    refused = code_step(client, enrolment_code)
    assert "Deze code klopt niet" in refused.get_data(as_text=True)
    fresh = totp.code_at(secret, totp.time_step(time.time()))
    assert code_step(client, fresh).status_code == 302
    assert client.get("/oproepen").status_code == 200
    logout(client)

    # A recovery code works once.
    password_step(client, user.email)
    assert code_step(client, codes[0].upper()).status_code == 302
    assert client.get("/oproepen").status_code == 200
    logout(client)
    password_step(client, user.email)
    assert code_step(client, codes[0]).status_code == 200
    db_session.rollback()
    db_session.expire_all()
    hashes = db_session.exec(select(RecoveryCode.code_hash)).all()
    assert all(len(h) == 64 and codes[0] not in h for h in hashes)
    details = {e.detail for e in db_session.exec(select(AuditEvent)).all()}
    assert {"tweede stap ingesteld", "tweede stap (app)", "tweede stap (herstelcode)"} <= details


def test_wrong_codes_are_throttled(client: FlaskClient, make_user: MakeUser) -> None:
    user = make_user(Role.BEHEERDER)
    password_step(client, user.email)
    enrol(client)
    logout(client)
    password_step(client, user.email)
    for _ in range(3):  # login_free_failures
        assert code_step(client, "000000").status_code == 200
    response = code_step(client, "000000")
    assert response.status_code == 429
    assert "te vaak een verkeerde code" in response.get_data(as_text=True)


def test_the_beheerder_resets_a_second_factor(
    app: Flask,
    make_user: MakeUser,
    db_session: Session,
) -> None:
    beheerder, coordinator = make_user(Role.BEHEERDER), make_user(Role.COORDINATOR)
    theirs = app.test_client()
    password_step(theirs, coordinator.email)
    enrol(theirs)
    mine = app.test_client()
    password_step(mine, beheerder.email)
    enrol(mine)
    assert "Ingesteld" in mine.get("/beheer/gebruikers").get_data(as_text=True)
    response = mine.post(
        f"/beheer/gebruikers/{coordinator.id}/tweede-stap-resetten",
        data={"csrf_token": csrf_token(mine, "/beheer/gebruikers")},
    )
    assert response.status_code == 302
    assert theirs.get("/oproepen").status_code == 302  # their session ended
    db_session.rollback()
    db_session.expire_all()
    stored = db_session.get(User, coordinator.id)
    assert stored is not None
    assert stored.totp_secret is None
    assert stored.totp_enrolled_at is None
    assert not db_session.exec(
        select(RecoveryCode).where(RecoveryCode.user_id == coordinator.id)
    ).all()
    assert password_step(theirs, coordinator.email).endswith("/inloggen/instellen")
    event = db_session.exec(
        select(AuditEvent).where(AuditEvent.detail == "tweede stap gewist")
    ).one()
    assert event.actor_user_id == beheerder.id
    assert event.record_id == str(coordinator.id)


def test_pages_without_a_password_step_send_to_login(client: FlaskClient) -> None:
    for path in ("/inloggen/code", "/inloggen/instellen"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/inloggen")


PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 40,
    "ENCRYPTION_KEYS": "Z8d8Uj7bXJm0iT7kzq5cQ6yqR1a7gE3VnJ2K9xW4pLs=",
    "HASH_KEY": "y" * 40,
    "DATABASE_URL": "postgresql+psycopg://u:p@db/x",
    "PUBLIC_BASE_URL": "https://example.org",
    "CONTACT_PHONE": "078 123 45 67",
}


def test_presets() -> None:
    production = load_settings("production", environ=PRODUCTION_ENV)
    assert production.second_factor_roles == {"beheerder", "coordinator", "buurtwerker"}
    assert load_settings("test", environ={}).second_factor_roles == frozenset()


def test_the_demo_needs_no_authenticator_app_but_can_require_one(tmp_path: Path) -> None:
    assert load_settings("demo", environ={}, instance_path=tmp_path).second_factor_roles == set()
    required = load_settings(
        "demo", environ={"SECOND_FACTOR_ROLES": "coordinator"}, instance_path=tmp_path
    )
    assert required.second_factor_roles == {"coordinator"}


def test_presets_refuse_bad_roles() -> None:
    with pytest.raises(ConfigError):
        load_settings("production", environ=PRODUCTION_ENV | {"SECOND_FACTOR_ROLES": "buurtwerker"})
    with pytest.raises(ConfigError):
        load_settings("test", environ={"SECOND_FACTOR_ROLES": "iedereen"})


def test_the_link_after_enrolment_stays_on_this_site(
    client: FlaskClient, make_user: MakeUser
) -> None:
    """The "verder" link on the recovery codes page follows ``next`` only to a local path."""
    user = make_user(Role.COORDINATOR)
    response = client.post(
        "/inloggen",
        query_string={"next": "////evil.example/x"},
        data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    page = client.get("/inloggen/instellen").get_data(as_text=True)
    secret = first_group(r'name="secret" type="hidden" value="([A-Z2-7]{32})"', page)
    code = totp.code_at(secret, totp.time_step(time.time()) - 1)
    token = csrf_token(client, "/inloggen/instellen")
    done = client.post(
        "/inloggen/instellen", data={"code": code, "secret": secret, "csrf_token": token}
    )
    hrefs = re.findall(r'href="([^"]*)"[^>]*>Ik heb de codes bewaard', done.get_data(as_text=True))
    assert hrefs == ["/"]


def test_the_qr_code_scales_down_to_a_phone_screen_instead_of_being_cut_off() -> None:
    """A viewBox and no fixed size: the stylesheet shrinks the whole code to the screen."""
    svg = totp.qr_svg(totp.provisioning_uri(totp.new_secret(), "iemand@example.org"))
    opening = svg[: svg.index(">")]
    assert 'viewBox="0 0 ' in opening
    assert "width=" not in opening
    assert "height=" not in opening
