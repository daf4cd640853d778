"""The public unsubscribe links (security review #15, finding 3).

The body's link may have been forwarded: it only mails a confirmation link to the
organisation's own addresses (through the outbox and the real SMTP server). That mailed
link unsubscribes, once. The RFC 8058 header link unsubscribes with one POST.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from smtp import TestSmtpServer
from sqlmodel import Session, select
from support import csrf_token

from niemand_alleen.distribution.links import (
    one_click_token,
    one_click_unsubscribe_url,
    unsubscribe_confirm_token,
    unsubscribe_token,
    unsubscribe_url,
)
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import AuditEvent, Organisation, Role, UnsubscribeRequest, User, utcnow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ADDRESSES = ("info@ark.example.org", "balie@ark.example.org")
REQUESTED = (
    "We hebben een bevestigingslink gestuurd naar het adres waarop uw organisatie de "
    "oproepen ontvangt."
)
pytestmark = pytest.mark.usefixtures("wijken")


@pytest.fixture
def organisation(make_organisation: Callable[..., Organisation]) -> Organisation:
    return make_organisation(name="Buurtkerk <De Ark>", emails=ADDRESSES)


@pytest.fixture
def body_path(app: Flask, organisation: Organisation) -> str:
    return unsubscribe_url("", app.config["SECRET_KEY"], organisation.id)


@pytest.fixture
def header_path(app: Flask, organisation: Organisation) -> str:
    return one_click_unsubscribe_url("", app.config["SECRET_KEY"], organisation.id)


def _reload(db_session: Session, organisation: Organisation) -> Organisation:
    db_session.commit()  # a fresh read transaction (SQLite keeps its snapshot otherwise)
    db_session.refresh(organisation)
    return organisation


def _audit(db_session: Session) -> list[AuditEvent]:
    return list(db_session.exec(select(AuditEvent)).all())


def _state(app: Flask) -> dict[str, list[str]]:
    """Every row that could say something about an organisation or mail it."""
    tables = ("organisation", "organisation_wijk", "unsubscribe_request", "outbox_mail")
    result = {}
    with app.extensions["database"].engine.connect() as connection:
        for table in (*tables, "audit_event"):
            rows = connection.execute(sa.text(f"SELECT * FROM {table}")).all()  # noqa: S608
            result[table] = sorted(repr(tuple(row)) for row in rows)
    return result


def _main(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def _ask_for_confirmation(client: FlaskClient, body_path: str) -> str:
    response = client.post(body_path, data={"csrf_token": csrf_token(client, body_path)})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _confirm_path(app: Flask, smtp_server: TestSmtpServer, count: int) -> str:
    send_pending(app)
    mails = smtp_server.wait_for(count)
    assert sorted(address for mail in mails for address in mail.recipients) == sorted(ADDRESSES)
    paths = set()
    for mail in mails:
        assert mail.message["List-Unsubscribe"] is None  # this mail's link must not be public
        assert "Stuur deze mail niet door" in mail.text
        paths |= {urlsplit(url).path for url in re.findall(r"https?://\S+", mail.text)}
    (path,) = paths  # one request, one link, to every address
    assert path.startswith("/afmelden/organisatie/bevestigen/")
    return path


# --- the body's link --------------------------------------------------------------------


def test_body_link_get_asks_and_changes_nothing(
    app: Flask, client: FlaskClient, organisation: Organisation, body_path: str
) -> None:
    before = _state(app)
    for _ in range(2):
        response = client.get(body_path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<h1>Afmelden voor oproepen</h1>" in page
        assert "bevestigingslink naar het adres waarop uw organisatie de oproepen ontvangt" in page
        assert "Stuur de bevestigingslink</button>" in page
        assert "Ark" not in page  # the holder of a forwarded mail learns nothing
    assert _state(app) == before


def test_body_link_post_without_a_form_token_changes_nothing(
    app: Flask, client: FlaskClient, organisation: Organisation, body_path: str
) -> None:
    """Also a mail client's RFC 8058 POST: the body's link is not the one-click link."""
    client.get(body_path)
    before = _state(app)
    for data in ({}, {"csrf_token": "vervalst"}, "List-Unsubscribe=One-Click"):
        response = client.post(
            body_path, data=data, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 400
        assert "Het formulier is verlopen" in response.get_data(as_text=True)
    assert _state(app) == before


def test_body_link_mails_a_confirmation_link_and_unsubscribes_nothing(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    body_path: str,
    smtp_server: TestSmtpServer,
) -> None:
    page = _ask_for_confirmation(client, body_path)

    assert REQUESTED in page
    assert "Ark" not in page
    assert _reload(db_session, organisation).unsubscribed_at is None
    assert _audit(db_session) == []
    _confirm_path(app, smtp_server, len(ADDRESSES))


def test_the_page_is_the_same_whatever_happens(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    body_path: str,
    make_organisation: Callable[..., Organisation],
) -> None:
    first = _main(_ask_for_confirmation(client, body_path))
    again = _main(_ask_for_confirmation(client, body_path))  # mailed a moment ago
    gone = make_organisation(name="Afgemeld", unsubscribed_at=utcnow())
    gone_path = unsubscribe_url("", app.config["SECRET_KEY"], gone.id)
    already = _main(_ask_for_confirmation(client, gone_path))

    assert first == again == already
    requests = db_session.exec(select(UnsubscribeRequest)).all()
    assert [request.organisation_id for request in requests] == [organisation.id]


# --- the mailed confirmation link --------------------------------------------------------


def test_the_mailed_link_unsubscribes_once(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    body_path: str,
    smtp_server: TestSmtpServer,
) -> None:
    _ask_for_confirmation(client, body_path)
    confirm_path = _confirm_path(app, smtp_server, len(ADDRESSES))

    reader = app.test_client()  # someone at the organisation, in another browser
    page = reader.get(confirm_path).get_data(as_text=True)
    assert "Buurtkerk &lt;De Ark&gt;" in page
    assert "Ja, meld onze organisatie af</button>" in page
    assert _reload(db_session, organisation).unsubscribed_at is None  # GET: mail scanners

    response = reader.post(confirm_path, data={"csrf_token": csrf_token(reader, confirm_path)})
    assert response.status_code == 200
    assert "<h1>U bent afgemeld</h1>" in response.get_data(as_text=True)
    first = _reload(db_session, organisation).unsubscribed_at
    assert first is not None
    (event,) = _audit(db_session)
    assert (event.actor_user_id, event.record_id) == (None, str(organisation.id))
    assert event.detail == "afgemeld via de bevestigingslink"

    form = csrf_token(reader, "/inloggen")
    again = (reader.get(confirm_path), reader.post(confirm_path, data={"csrf_token": form}))
    for response in again:  # used: a clear page, nothing changes
        assert response.status_code == 404
        assert "<h1>Deze bevestigingslink werkt niet</h1>" in response.get_data(as_text=True)
    assert _reload(db_session, organisation).unsubscribed_at == first


def _bad_confirm_tokens(
    app: Flask, db_session: Session, organisation: Organisation
) -> dict[str, str]:
    key = app.config["SECRET_KEY"]
    request = UnsubscribeRequest(organisation_id=organisation.id, requested_at=utcnow())
    db_session.add(request)
    db_session.commit()
    good = unsubscribe_confirm_token(key, request.id)
    return {
        "garbage": "onzin",
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "other key": unsubscribe_confirm_token("een andere sleutel", request.id),
        "unknown request": unsubscribe_confirm_token(key, uuid.uuid4()),
        "body token": unsubscribe_token(key, organisation.id),
        "one-click token": one_click_token(key, organisation.id),
        "an organisation id": unsubscribe_confirm_token(key, organisation.id),
        "too long": good + "x" * 300,
    }


def test_bad_confirmation_links_get_one_clear_page_and_change_nothing(
    app: Flask, client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    tokens = _bad_confirm_tokens(app, db_session, organisation)
    form = csrf_token(client, unsubscribe_url("", app.config["SECRET_KEY"], organisation.id))
    before = _state(app)
    pages = set()
    for name, token in tokens.items():
        path = f"/afmelden/organisatie/bevestigen/{token}"
        for response in (client.get(path), client.post(path, data={"csrf_token": form})):
            assert response.status_code == 404, name
            page = response.get_data(as_text=True)
            assert "<h1>Deze bevestigingslink werkt niet</h1>" in page
            assert "Er is niets veranderd." in page
            assert "Ark" not in page
            pages.add(page)
    assert len(pages) == 1  # nothing tells the kinds of bad token apart
    assert _state(app) == before


def test_an_expired_confirmation_link_gets_the_clear_page_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = UnsubscribeRequest(organisation_id=organisation.id, requested_at=utcnow())
    db_session.add(request)
    db_session.commit()
    eight_days_ago = int(utcnow().timestamp()) - 8 * 24 * 3600
    monkeypatch.setattr(
        "itsdangerous.timed.TimestampSigner.get_timestamp", lambda _: eight_days_ago
    )
    expired = unsubscribe_confirm_token(app.config["SECRET_KEY"], request.id)
    monkeypatch.undo()
    path = f"/afmelden/organisatie/bevestigen/{expired}"
    form = csrf_token(client, "/inloggen")
    before = _state(app)

    for response in (client.get(path), client.post(path, data={"csrf_token": form})):
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "<h1>Deze bevestigingslink werkt niet</h1>" in page
        assert "ouder dan 7 dagen" in page
    assert _state(app) == before


# --- the List-Unsubscribe header's link ---------------------------------------------------


def test_header_link_is_not_the_body_link(body_path: str, header_path: str) -> None:
    assert header_path != body_path
    assert not header_path.startswith(body_path)
    assert not body_path.startswith(header_path)


def test_header_link_get_asks_and_never_unsubscribes(
    app: Flask, client: FlaskClient, organisation: Organisation, header_path: str
) -> None:
    before = _state(app)
    for _ in range(2):
        response = client.get(header_path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "<h1>Afmelden voor oproepen</h1>" in page
        assert "Buurtkerk &lt;De Ark&gt;" in page
        assert '<button type="submit" class="button">Afmelden</button>' in page
    assert _state(app) == before


def test_rfc8058_one_click_post_unsubscribes_once_and_confirms(
    client: FlaskClient, db_session: Session, organisation: Organisation, header_path: str
) -> None:
    response = client.post(  # no cookies, no CSRF token: the signed token is the capability
        header_path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>U bent afgemeld</h1>" in page
    assert "contact op met de beheerder" in page
    first = _reload(db_session, organisation).unsubscribed_at
    assert first is not None

    assert client.post(header_path).status_code == 200  # idempotent
    assert _reload(db_session, organisation).unsubscribed_at == first
    (event,) = _audit(db_session)
    assert (event.actor_user_id, event.detail) == (
        None,
        "afgemeld met één klik in het mailprogramma",
    )

    page = client.get(header_path).get_data(as_text=True)
    assert "is al afgemeld sinds" in page
    assert "<button" not in _main(page)


def test_header_post_works_with_a_logged_in_session_too(
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    header_path: str,
    login_as: Callable[[Role], User],
) -> None:
    login_as(Role.COORDINATOR)
    csrf_token(client, "/mijn-account")  # the session has a CSRF token; the route ignores it
    assert client.post(header_path).status_code == 200
    assert _reload(db_session, organisation).unsubscribed_at is not None


def test_bad_body_or_header_tokens_get_one_neutral_page(
    app: Flask, client: FlaskClient, organisation: Organisation
) -> None:
    key = app.config["SECRET_KEY"]
    body, header = unsubscribe_token(key, organisation.id), one_click_token(key, organisation.id)
    bad = {
        "garbage": "onzin",
        "tampered": body[:-2] + ("AA" if not body.endswith("AA") else "BB"),
        "other key": unsubscribe_token("een andere sleutel", organisation.id),
        "unknown organisation": unsubscribe_token(key, uuid.uuid4()),
        "too long": body + "x" * 300,
    }
    before = _state(app)
    cases = [f"/afmelden/organisatie/{token}" for token in bad.values()]
    cases += [f"/afmelden/organisatie/een-klik/{token}" for token in bad.values()]
    cases += [f"/afmelden/organisatie/een-klik/{body}", f"/afmelden/organisatie/{header}"]
    pages = set()
    for path in cases:
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code in (404, 400), path  # 400: the body page's CSRF
            page = response.get_data(as_text=True)
            assert "Ark" not in page
            if response.status_code == 404:
                assert "<h1>Deze afmeldlink werkt niet</h1>" in page
                pages.add(page)
    assert len(pages) == 1
    assert _state(app) == before


def test_beheerder_list_shows_the_unsubscription(
    client: FlaskClient,
    organisation: Organisation,
    header_path: str,
    login_as: Callable[[Role], User],
) -> None:
    client.post(header_path)
    login_as(Role.BEHEERDER)
    page = client.get("/beheer/organisaties").get_data(as_text=True)
    today = utcnow().astimezone(AMSTERDAM)
    assert f"Afgemeld op {today.day}-{today.month}-{today.year}" in page
    assert "Weer aanmelden<span" in page


def test_the_unsubscribe_pages_name_the_role_that_can_undo_it() -> None:
    """Only the beheerder signs an organisation up again; the pages must not send people
    to the coordinator."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "templates" / "organisations"
    for page in folder.glob("unsubscribe*.html"):
        text = page.read_text(encoding="utf-8")
        assert "coördinator" not in text, page.name
