"""Protective headers and the session cookie (R2.1, R2.2, R2.9, R3.5.3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlmodel import Session
from support import Databases, csrf_token, first_group
from werkzeug.test import TestResponse

from niemand_alleen import create_app
from niemand_alleen.auth.service import create_user
from niemand_alleen.config import load_settings
from niemand_alleen.models import Role

PASSWORD = "een lang genoeg wachtwoord voor koppen"
HTTPS = "https://localhost"


def csp_directives(response: TestResponse) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_protective_headers(response: TestResponse, page: str) -> None:
    csp = csp_directives(response)
    assert csp["object-src"] == ["'none'"], page
    assert csp["base-uri"] == ["'none'"], page
    assert csp["frame-ancestors"] == ["'none'"], page
    assert csp["default-src"] == ["'self'"], page
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy, page
    assert "'unsafe-eval'" not in policy, page
    assert "*" not in policy, page
    assert response.headers["X-Content-Type-Options"] == "nosniff", page
    assert response.headers["Referrer-Policy"] == "same-origin", page
    assert response.headers["X-Frame-Options"] == "DENY", page


def assert_not_stored(response: TestResponse, page: str) -> None:
    assert "no-store" in response.headers.get("Cache-Control", ""), page


def test_every_kind_of_page_sends_the_protective_headers(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """Public pages, staff pages and error pages alike; nothing with personal data is cached."""
    create_user(
        db_session,
        email="beheer@example.org",
        name="Beheer",
        role=Role.BEHEERDER,
        password=PASSWORD,
    )
    db_session.commit()
    anonymous = {
        "/": 200,
        "/privacy": 200,
        "/over": 200,
        "/inloggen": 200,
        "/bestaat-niet": 404,
        "/mijn-account": 302,
    }
    for page, status in anonymous.items():
        response = client.get(page)
        assert response.status_code == status, page
        assert_protective_headers(response, page)
        assert_not_stored(response, page)
    forged = client.post("/inloggen", data={"email": "x@example.org", "password": "x"})
    assert forged.status_code == 400
    assert_protective_headers(forged, "csrf error")

    response = client.post(
        "/inloggen",
        data={
            "email": "beheer@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    for page in ("/", "/mijn-account", "/beheer/gebruikers"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert_protective_headers(response, page)
        assert_not_stored(response, page)


def test_static_files_are_cacheable_but_still_nosniff(client: FlaskClient) -> None:
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_pages_work_under_the_policy(app: Flask, client: FlaskClient) -> None:
    """The CSP forbids inline script and style, so the templates must not rely on them."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    for page in ("/", "/privacy", "/over", "/inloggen", "/bestaat-niet"):
        html = client.get(page).get_data(as_text=True)
        assert not inline.search(html), page


def test_no_hsts_over_plain_http_outside_production(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers


# --- the production preset --------------------------------------------------------------


@pytest.fixture(scope="module")
def production_database_url(
    test_databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A migrated PostgreSQL database (production refuses SQLite)."""
    url = test_databases.new_url("postgresql")
    tmp = tmp_path_factory.mktemp("production-migrate")
    migrating = create_app(
        load_settings("test", environ={}, instance_path=tmp).with_overrides(database_url=url),
        migrations=True,
    )
    with migrating.app_context():
        upgrade()
    migrating.extensions["database"].engine.dispose()
    return url


@pytest.fixture
def production_app(production_database_url: str, tmp_path: Path) -> Iterator[Flask]:
    environ = {
        "SECRET_KEY": "s" * 40,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HASH_KEY": "h" * 40,
        "DATABASE_URL": production_database_url,
        "PUBLIC_BASE_URL": "https://niemand-alleen.example.org",
        "CONTACT_PHONE": "078 123 45 67",
    }
    settings = load_settings("production", environ=environ, instance_path=tmp_path)
    app = create_app(settings)
    yield app
    engine = app.extensions["database"].engine
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM user_session")
        connection.exec_driver_sql("DELETE FROM login_attempt")
        connection.exec_driver_sql("DELETE FROM audit_event")
        connection.exec_driver_sql("DELETE FROM user_account")
    engine.dispose()


def session_cookie_header(response: TestResponse) -> str:
    headers = [
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith("__Host-session=")
    ]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


@pytest.mark.postgres  # production refuses SQLite
def test_production_cookie_and_transport_security(production_app: Flask) -> None:
    """R2.2: ``__Host-session`` with Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain.

    R2.1: HSTS of at least a year including subdomains. R2.9: no debug, secure cookies.
    """
    assert production_app.debug is False
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    client = production_app.test_client()
    response = client.get("/inloggen", base_url=HTTPS)
    assert response.status_code == 200
    assert_protective_headers(response, "/inloggen")
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(first_group(r"max-age=(\d+)", hsts))
    assert max_age >= 31536000
    assert "includeSubDomains" in hsts

    cookie = session_cookie_header(response)
    attributes = {
        part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]
    }
    assert "secure" in attributes
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert attributes["path"] == "Path=/"
    assert "domain" not in attributes


@pytest.mark.postgres  # production refuses SQLite
def test_production_login_over_https_with_same_origin_referrer(production_app: Flask) -> None:
    """R3.5.3: with Referrer-Policy same-origin the strict HTTPS CSRF check lets our own form in,
    and a POST without Referer (or from another site) is refused."""
    with Session(production_app.extensions["database"].engine) as session:
        create_user(
            session,
            email="beheer@example.org",
            name="Beheer",
            role=Role.BEHEERDER,
            password=PASSWORD,
        )
        session.commit()
    client = production_app.test_client()
    token = csrf_token(client, base_url=HTTPS)
    data = {"email": "beheer@example.org", "password": PASSWORD, "csrf_token": token}

    assert client.post("/inloggen", data=data, base_url=HTTPS).status_code == 400
    other_site = client.post(
        "/inloggen", data=data, base_url=HTTPS, headers={"Referer": "https://evil.example/inloggen"}
    )
    assert other_site.status_code == 400
    response = client.post(
        "/inloggen", data=data, base_url=HTTPS, headers={"Referer": f"{HTTPS}/inloggen"}
    )
    assert response.status_code == 302
    assert "__Host-session=" in session_cookie_header(response)
    # Production requires the second factor: the password alone leads to enrolment only.
    assert response.headers["Location"].endswith("/inloggen/instellen")
    assert client.get("/inloggen/instellen", base_url=HTTPS).status_code == 200
    assert client.get("/mijn-account", base_url=HTTPS).status_code == 302
