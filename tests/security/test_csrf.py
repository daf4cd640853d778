"""CSRF on every state-changing route; GET never changes state (R2.5, ASVS 3.5.1/3.5.3)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, SQLModel, func, select
from support import csrf_token, view_roles
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter, UUIDConverter

from niemand_alleen.auth.service import create_user
from niemand_alleen.models import LoginAttempt, Role, User, UserSession

PASSWORD = "een lang genoeg wachtwoord voor csrf"

# What a form on any of our pages could plausibly post; extra fields are ignored.
FORM_DATA = {
    "email": "nieuw-account@example.org",
    "password": PASSWORD,
    "name": "Nieuw Account",
    "role": "beheerder",
}
# A signed token in the URL is these routes' capability, not the session: mail clients post the
# RFC 8058 one-click unsubscribe without a CSRF token (tested in tests/organisations).
# Only the List-Unsubscribe header's link: the body's link (forwarded with the mail) and the
# mailed confirmation link take a CSRF token like every form.
CSRF_EXEMPT_ENDPOINTS = {"organisations.unsubscribe_one_click"}
# Reads may be logged (R1.10: an access event per read of a resident); everything else must stay.
READ_LOG_TABLES = ("audit_event", "access_event")


def snapshot(engine: sa.Engine, skip_tables: Collection[str] = ()) -> dict[str, list[str]]:
    """Every row of every table (last_seen_at aside: reading a page may touch the session)."""
    result: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in skip_tables:
                continue
            columns = [column for column in table.columns if column.name != "last_seen_at"]
            rows = connection.execute(sa.select(*columns)).all()
            result[table.name] = sorted(repr(tuple(row)) for row in rows)
    return result


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/inloggen",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/inloggen")},
    )
    assert response.status_code == 302
    return client


def post_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and "POST" in (rule.methods or set())
    ]


def build_urls(rule: Rule, target_user_id: uuid.UUID) -> list[str]:
    """URLs for a rule; uuid parameters point at a real account so a forged POST could hurt."""
    urls = []
    any_values: list[dict[str, object]] = [{}]
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            any_values = [
                dict(values, **{name: item}) for values in any_values for item in converter.items
            ]
    for values in any_values:
        for name, converter in rule._converters.items():
            if isinstance(converter, UUIDConverter):
                values[name] = target_user_id
            elif isinstance(converter, IntegerConverter):
                values[name] = 1
            elif not isinstance(converter, AnyConverter):
                values[name] = "onbekend"
        built = rule.build(values, append_unknown=False)
        assert built is not None
        urls.append(built[1])
    return urls


def make_staff(db_session: Session) -> dict[Role, User]:
    users = {}
    for role in Role:
        users[role] = create_user(
            db_session,
            email=f"csrf-{role.value}@example.org",
            name=f"Csrf {role.value}",
            role=role,
            password=PASSWORD,
        )
    db_session.commit()
    return users


def test_login_without_token_is_refused_and_records_nothing(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    """A forged login POST (login CSRF) gets 400: no attempt row, no session, not logged in."""
    make_staff(db_session)
    client.get("/inloggen")  # the visitor has a session, just not the token
    response = client.post(
        "/inloggen", data={"email": "csrf-beheerder@example.org", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Het formulier is verlopen" in response.get_data(as_text=True)
    assert db_session.exec(select(func.count()).select_from(LoginAttempt)).one() == 0
    assert db_session.exec(select(func.count()).select_from(UserSession)).one() == 0
    assert client.get("/mijn-account").status_code == 302


def test_every_post_route_refuses_a_missing_or_wrong_token(app: Flask, db_session: Session) -> None:
    """Every POST route, as a role that may use it: no or a forged token → 400 and no change."""
    users = make_staff(db_session)
    victim = users[Role.BUURTWERKER]
    engine = app.extensions["database"].engine
    checked = 0
    for rule in post_rules(app):
        if rule.endpoint in CSRF_EXEMPT_ENDPOINTS:
            continue
        roles = view_roles(app, rule.endpoint)
        for url in build_urls(rule, victim.id):
            if roles is None:
                client = app.test_client()
                client.get("/inloggen")
            else:
                actor = next(
                    users[role]
                    for role in (Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
                    if role in roles
                )
                client = login(app, actor.email)
            before = snapshot(engine)
            for forged in ({}, {"csrf_token": "bestaat-niet"}):
                response = client.post(url, data={**FORM_DATA, **forged})
                assert response.status_code == 400, (url, forged, response.status_code)
            assert snapshot(engine) == before, url
            checked += 1
    assert checked >= 4  # login, logout, create account, activate + deactivate
    # The forged requests did nothing: the victim is still active and still has no replacement.
    db_session.expire_all()
    assert db_session.get_one(User, victim.id).active is True


def test_only_the_listed_routes_are_exempt_from_csrf(app: Flask) -> None:
    from niemand_alleen import csrf

    exempt = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    assert exempt == CSRF_EXEMPT_ENDPOINTS
    assert not csrf._exempt_blueprints


def test_get_never_changes_state(app: Flask, db_session: Session) -> None:
    """GET on every route, anonymous and as every role, with form fields in the query: no change.

    Routes that only change state do not accept GET at all (405).
    """
    users = make_staff(db_session)
    engine = app.extensions["database"].engine
    clients = {None: app.test_client()} | {
        role: login(app, user.email) for role, user in users.items()
    }
    before = snapshot(engine, READ_LOG_TABLES)
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for url in build_urls(rule, users[Role.BUURTWERKER].id):
            for role, client in clients.items():
                token = (
                    csrf_token(client, "/inloggen")
                    if role is None
                    else csrf_token(client, "/mijn-account")
                )
                response = client.get(url, query_string={**FORM_DATA, "csrf_token": token})
                if "GET" not in (rule.methods or set()):
                    assert response.status_code == 405, (url, role)
                else:
                    assert response.status_code < 500, (url, role)
    assert snapshot(engine, READ_LOG_TABLES) == before
    # Still logged in everywhere: GET /uitloggen did not log anyone out.
    for role, client in clients.items():
        if role is not None:
            response = client.get("/mijn-account")
            assert response.status_code == 200, role
            assert urlsplit(response.request.url).path == "/mijn-account"
