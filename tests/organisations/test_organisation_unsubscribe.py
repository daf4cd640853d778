"""The public unsubscribe link: GET asks, POST (also RFC 8058 one-click) unsubscribes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import csrf_token

from niemand_alleen.distribution.links import unsubscribe_token, unsubscribe_url
from niemand_alleen.models import AuditEvent, Organisation, Role, User, utcnow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.usefixtures("wijken")


@pytest.fixture
def organisation(make_organisation: Callable[..., Organisation]) -> Organisation:
    return make_organisation(name="Buurtkerk <De Ark>")


@pytest.fixture
def path(app: Flask, organisation: Organisation) -> str:
    return unsubscribe_url("", app.config["SECRET_KEY"], organisation.id)


def _reload(db_session: Session, organisation: Organisation) -> Organisation:
    db_session.commit()  # a fresh read transaction (SQLite keeps its snapshot otherwise)
    db_session.refresh(organisation)
    return organisation


def _audit(db_session: Session) -> list[AuditEvent]:
    return list(db_session.exec(select(AuditEvent)).all())


def test_get_asks_and_never_unsubscribes(
    client: FlaskClient, db_session: Session, organisation: Organisation, path: str
) -> None:
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<h1>Afmelden voor oproepen</h1>" in page
        assert "Buurtkerk &lt;De Ark&gt;" in page
        assert '<button type="submit" class="button">Afmelden</button>' in page
    assert _reload(db_session, organisation).unsubscribed_at is None
    assert _audit(db_session) == []


def test_post_unsubscribes_once_and_confirms(
    client: FlaskClient, db_session: Session, organisation: Organisation, path: str
) -> None:
    response = client.post(path)  # no CSRF token: the signed token is the capability
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>U bent afgemeld</h1>" in page
    assert "krijgt geen oproepen meer" in page
    assert "contact op met de coördinator" in page
    first = _reload(db_session, organisation).unsubscribed_at
    assert first is not None

    assert client.post(path).status_code == 200  # idempotent
    assert _reload(db_session, organisation).unsubscribed_at == first
    (event,) = _audit(db_session)
    assert event.actor_user_id is None
    assert event.record_id == str(organisation.id)
    assert event.detail == "afgemeld via link"

    page = client.get(path).get_data(as_text=True)
    assert "is al afgemeld sinds" in page
    assert "<button" not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_rfc8058_one_click_post(
    client: FlaskClient, db_session: Session, organisation: Organisation, path: str
) -> None:
    response = client.post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert _reload(db_session, organisation).unsubscribed_at is not None


def test_post_works_with_a_logged_in_session_too(
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    path: str,
    login_as: Callable[[Role], User],
) -> None:
    login_as(Role.COORDINATOR)
    csrf_token(client, "/mijn-account")  # the session has a CSRF token; the route ignores it
    assert client.post(path).status_code == 200
    assert _reload(db_session, organisation).unsubscribed_at is not None


def _bad_tokens(app: Flask, organisation: Organisation) -> dict[str, str]:
    key = app.config["SECRET_KEY"]
    good = unsubscribe_token(key, organisation.id)
    return {
        "garbage": "onzin",
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "other key": unsubscribe_token("een andere sleutel", organisation.id),
        "unknown organisation": unsubscribe_token(key, uuid.uuid4()),
        "too long": good + "x" * 300,
    }


def test_bad_tampered_or_unknown_tokens_get_one_neutral_page(
    app: Flask, client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    pages = set()
    for name, token in _bad_tokens(app, organisation).items():
        for method in (client.get, client.post):
            response = method(f"/afmelden/organisatie/{token}")
            assert response.status_code == 404, name
            page = response.get_data(as_text=True)
            assert "<h1>Deze afmeldlink werkt niet</h1>" in page
            assert "Ark" not in page
            pages.add(page)
    assert len(pages) == 1  # nothing tells the kinds of bad token apart
    assert _reload(db_session, organisation).unsubscribed_at is None
    assert _audit(db_session) == []


def test_beheerder_list_shows_the_unsubscription(
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    path: str,
    login_as: Callable[[Role], User],
) -> None:
    client.post(path)
    login_as(Role.BEHEERDER)
    page = client.get("/beheer/organisaties").get_data(as_text=True)
    assert f"Afgemeld op {utcnow().astimezone(AMSTERDAM).strftime('%d-%m-%Y')}" in page
    assert "Weer aanmelden<span" in page
