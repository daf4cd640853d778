"""Every route is either public or guarded by roles, and the guard really holds (R2.4, ASVS 8.3.1).

The routes are read from ``app.url_map``, so a new route that forgets its decorator fails here.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator, Sequence
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session
from support import csrf_token, view_roles
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter, UUIDConverter
from werkzeug.test import TestResponse

from niemand_alleen.auth.service import create_user
from niemand_alleen.models import Role

PASSWORD = "een lang genoeg wachtwoord voor de matrix"


def app_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def allowed_roles(app: Flask, rule: Rule) -> frozenset[Role] | None:
    return view_roles(app, rule.endpoint)


def urls_for(rule: Rule) -> Iterator[str]:
    """Every URL of a rule with dummy values: a random uuid, each choice of an ``any``."""
    choices: dict[str, Sequence[object]] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, UUIDConverter):
            choices[name] = [uuid.uuid4()]
        elif isinstance(converter, AnyConverter):
            choices[name] = sorted(converter.items)
        elif isinstance(converter, IntegerConverter):
            choices[name] = [1]
        else:
            choices[name] = ["onbekend"]
    names = list(choices)
    for combination in itertools.product(*(choices[name] for name in names)):
        built = rule.build(dict(zip(names, combination, strict=True)), append_unknown=False)
        assert built is not None, rule
        yield built[1]


def is_login_redirect(response: TestResponse) -> bool:
    """The guard's answer to an anonymous visitor: to the login page, with a way back."""
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/inloggen" and "next=" in location.query


def logged_in_client(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/inloggen",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/inloggen")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def staff_emails(db_session: Session) -> dict[Role, str]:
    emails = {}
    for role in Role:
        email = f"matrix-{role.value}@example.org"
        create_user(
            db_session, email=email, name=f"Matrix {role.value}", role=role, password=PASSWORD
        )
        emails[role] = email
    db_session.commit()
    return emails


def test_every_route_is_marked_public_or_guarded(app: Flask) -> None:
    """An unmarked route would be reachable by anyone: it must fail here, not in production."""
    unmarked = []
    for rule in app_rules(app):
        view = app.view_functions[rule.endpoint]
        if not hasattr(view, "allowed_roles"):
            unmarked.append(rule.rule)
            continue
        roles = view.allowed_roles
        if roles is not None:
            assert isinstance(roles, frozenset), rule.rule
            assert roles, f"{rule.rule} allows no role at all"
            assert roles <= set(Role), rule.rule
    assert not unmarked, f"routes without @public or @roles_required: {unmarked}"
    # The check is not vacuous: the app has both kinds.
    kinds = {allowed_roles(app, rule) is None for rule in app_rules(app)}
    assert kinds == {True, False}


def test_guarded_get_routes_by_role(app: Flask, staff_emails: dict[Role, str]) -> None:
    """Anonymous → login, a role outside the allowed set → 403, an allowed role → no 403."""
    clients = {role: logged_in_client(app, email) for role, email in staff_emails.items()}
    anonymous = app.test_client()
    checked = 0
    for rule in app_rules(app):
        roles = allowed_roles(app, rule)
        if roles is None or "GET" not in (rule.methods or set()):
            continue
        for url in urls_for(rule):
            response = anonymous.get(url)
            assert is_login_redirect(response), (url, response.status_code)
            for role, client in clients.items():
                response = client.get(url)
                if role in roles:
                    assert response.status_code != 403, (url, role)
                    assert not is_login_redirect(response), (url, role)
                    assert response.status_code < 500, (url, role)
                else:
                    assert response.status_code == 403, (url, role, response.status_code)
                    assert "Geen toegang" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 2  # /mijn-account and /beheer/gebruikers at least


def test_guarded_post_routes_by_role(app: Flask, staff_emails: dict[Role, str]) -> None:
    """The same matrix for POST, with a valid CSRF token so only the role check decides."""
    checked = 0
    for rule in app_rules(app):
        roles = allowed_roles(app, rule)
        if roles is None or "POST" not in (rule.methods or set()):
            continue
        for url in urls_for(rule):
            anonymous = app.test_client()
            token = csrf_token(anonymous, "/inloggen")
            response = anonymous.post(url, data={"csrf_token": token})
            assert is_login_redirect(response), (url, response.status_code)
            for role, email in staff_emails.items():
                # A fresh login per request: the logout route ends the session it is given.
                client = logged_in_client(app, email)
                token = csrf_token(client, "/mijn-account")
                response = client.post(url, data={"csrf_token": token})
                if role in roles:
                    assert response.status_code != 403, (url, role)
                    assert not is_login_redirect(response), (url, role)
                    assert response.status_code < 500, (url, role)
                else:
                    assert response.status_code == 403, (url, role, response.status_code)
            checked += 1
    assert checked >= 3  # logout, user creation, (de)activation


def test_public_routes_need_no_login(app: Flask) -> None:
    client = app.test_client()
    for rule in app_rules(app):
        if allowed_roles(app, rule) is not None or "GET" not in (rule.methods or set()):
            continue
        for url in urls_for(rule):
            response = client.get(url)
            assert not is_login_redirect(response), url
            assert response.status_code < 500, url


UNSUBSCRIBE_ROUTES = {
    "organisations.unsubscribe_link": "/afmelden/organisatie/<token>",
    "organisations.unsubscribe_one_click": "/afmelden/organisatie/een-klik/<token>",
    "organisations.unsubscribe_confirm": "/afmelden/organisatie/bevestigen/<token>",
}


def test_organisation_routes_are_beheerder_only_and_the_unsubscribe_links_public(
    app: Flask,
) -> None:
    """The organisation pages hold partner contact data; only the signed links are public."""
    seen = {}
    for rule in app_rules(app):
        if not rule.endpoint.startswith("organisations."):
            continue
        seen[rule.endpoint] = rule.rule
        expected = None if rule.endpoint in UNSUBSCRIBE_ROUTES else {Role.BEHEERDER}
        assert allowed_roles(app, rule) == expected, rule.rule
    assert UNSUBSCRIBE_ROUTES.items() <= seen.items()
    assert len(seen) >= 8


def test_evaluation_routes_are_for_coordinators_only(app: Flask) -> None:
    """The evaluation has no personal data, but it is the coordinators' view of the pilot."""
    seen = {
        rule.endpoint: rule.rule
        for rule in app_rules(app)
        if rule.endpoint.startswith("evaluation.")
    }
    assert seen == {
        "evaluation.evaluation_page": "/evaluatie",
        "evaluation.evaluation_export": "/evaluatie/export.csv",
        "evaluation.questionnaires_export": "/evaluatie/vragenlijsten.csv",
    }
    for rule in app_rules(app):
        if rule.endpoint in seen:
            assert allowed_roles(app, rule) == {Role.COORDINATOR}, rule.rule


SIGNUP_ROUTES = {
    "signup.general": "/aanmelden",
    "signup.for_oproep": "/aanmelden/<referral_code>",
    "signup.sent": "/aanmelden/verstuurd",
    "signup.confirm": "/aanmelden/bevestigen/<token>",
    "signup.withdraw": "/aanmelden/intrekken/<token>",
}


def test_signup_routes_are_public_and_only_these(app: Flask) -> None:
    """Neighbours have no account: the sign-up pages are public, every one listed here."""
    seen = {
        rule.endpoint: rule.rule for rule in app_rules(app) if rule.endpoint.startswith("signup.")
    }
    assert seen == SIGNUP_ROUTES
    for rule in app_rules(app):
        if rule.endpoint in SIGNUP_ROUTES:
            assert allowed_roles(app, rule) is None, rule.rule


QUESTIONNAIRE_ROUTES = {
    "feedback.questionnaire": "/vragenlijst/<token>",
    "feedback.thanks": "/vragenlijst/bedankt",
}


def test_questionnaire_routes_are_public_and_only_these(app: Flask) -> None:
    """Neighbours and organisations answer without an account: the link is the key."""
    seen = {
        rule.endpoint: rule.rule for rule in app_rules(app) if rule.endpoint.startswith("feedback.")
    }
    assert seen == QUESTIONNAIRE_ROUTES
    for rule in app_rules(app):
        if rule.endpoint in QUESTIONNAIRE_ROUTES:
            assert allowed_roles(app, rule) is None, rule.rule
