"""Bad input anywhere gets a 4xx or the form's own Dutch error, never a server error.

Every route of ``app.url_map`` is visited as every role (and anonymously), with the real
ids of a small dataset in its URL. Its query parameters and form fields are read from the
pages themselves (every ``<form>`` the pages show, by its action), so a new form or filter
is covered without listing it here. Each field, alone and all together, then receives the
input an outside review used: NUL and other control bytes, very long text, dates near year
1 and 9999, numbers out of every range, wrong types. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from oproep_support import (
    STERRENBURG,
    add_organisation,
    add_volunteer,
    approved_oproep,
    load_geography,
)
from sqlmodel import Session, select
from support import STAFF_PASSWORD, csrf_token
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter, UUIDConverter
from werkzeug.test import TestResponse

from niemand_alleen.auth.service import create_user
from niemand_alleen.distribution.service import send_oproep
from niemand_alleen.models import Match, OutboxMail, Role, User, local_today

BAD_VALUES = [
    "\x00",
    "Jansen\x00; DROP TABLE oproep",
    "\x1b[31m\x7f",
    "x" * 100_000,
    "0001-01-01",
    "9999-12-31",
    "31-12-9999",
    "01-01-0001",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "[]",
    "{'a': 1}",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "٣٣١١ AB",
    "//evil.example/",
    " ",
]
# Query parameters every page might read, besides those of its GET forms.
COMMON_PARAMETERS = ("next", "pagina", "status", "van", "tot", "since", "until", "wijk", "q")
# Routes that end the session of the client (fuzzing goes on as that role after them).
SESSION_ENDING = {"auth.logout"}


class FormReader(HTMLParser):
    """Every form on a page: its method, action and the names of its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            method = (values.get("method") or "get").upper()
            self.forms.append((method, values.get("action") or "", []))
        elif tag in ("input", "select", "textarea", "button") and self.forms:
            name = values.get("name")
            if name and name != "csrf_token":
                self.forms[-1][2].append(name)


@dataclass
class Target:
    role: Role | None
    method: str
    url: str
    fields: set[str] = field(default_factory=set)


@dataclass
class Dataset:
    ids: dict[str, str]
    clients: dict[Role | None, FlaskClient]


def build_dataset(app: Flask, session: Session) -> Dataset:
    load_geography(session)
    users: dict[Role, User] = {}
    for role in Role:
        users[role] = create_user(
            session,
            email=f"fuzz-{role.value}@example.org",
            name=f"Fuzz {role.value}",
            role=role,
            password=STAFF_PASSWORD,
        )
    # The one whose account the beheerder's forms change (never a fuzzing client's own).
    subject = create_user(
        session,
        email="fuzz-subject@example.org",
        name="Fuzz onderwerp",
        role=Role.BUURTWERKER,
        password=STAFF_PASSWORD,
    )
    session.commit()
    coordinator = users[Role.COORDINATOR]
    resident, oproep = approved_oproep(app, session, coordinator)
    organisation = add_organisation(session, "Buurthuis Fuzz", STERRENBURG)
    with app.app_context():
        (dispatch,) = send_oproep(
            session,
            app.config["SETTINGS"],
            oproep,
            [organisation.id],
            coordinator.id,
            local_today(),
        )
    session.commit()
    volunteer = add_volunteer(session, oproep, dispatch_id=dispatch.id)
    match = Match(oproep_id=oproep.id, volunteer_id=volunteer.id, rank=1)
    session.add(match)
    session.commit()
    mail = session.exec(select(OutboxMail)).first()
    ids = {
        "oproep_id": str(oproep.id),
        "resident_id": str(resident.id),
        "organisation_id": str(organisation.id),
        "user_id": str(subject.id),
        "match_id": str(match.id),
        "mail_id": str(mail.id if mail else 1),
        "referral_code": dispatch.referral_code,
    }
    clients: dict[Role | None, FlaskClient] = {None: app.test_client()}
    for role, user in users.items():
        client = app.test_client()
        response = client.post(
            "/inloggen",
            data={
                "email": user.email,
                "password": STAFF_PASSWORD,
                "csrf_token": csrf_token(client),
            },
        )
        assert response.status_code == 302
        clients[role] = client
    return Dataset(ids=ids, clients=clients)


def url_of(rule: Rule, ids: dict[str, str]) -> str:
    values: dict[str, object] = {}
    for name, converter in rule._converters.items():
        if name in ids:
            values[name] = int(ids[name]) if isinstance(converter, IntegerConverter) else ids[name]
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.uuid4()
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "onbekend"
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


def targets_of(app: Flask, dataset: Dataset) -> list[Target]:
    """Every route and method for every role, with the fields its forms send."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    urls = [(rule, url_of(rule, dataset.ids)) for rule in rules]
    fields: dict[tuple[str, str], set[str]] = defaultdict(set)
    for client in dataset.clients.values():
        for rule, url in urls:
            if "GET" not in (rule.methods or ()) or rule.endpoint in SESSION_ENDING:
                continue
            page = client.get(url)
            if page.status_code != 200 or "html" not in page.content_type:
                continue
            reader = FormReader()
            reader.feed(page.get_data(as_text=True))
            for method, action, names in reader.forms:
                path = urlsplit(action).path or url
                fields[(method, path)].update(names)
    targets = []
    for role, client in dataset.clients.items():
        for rule, url in urls:
            if rule.endpoint in SESSION_ENDING:
                continue
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                target = Target(role, method, url, set(fields[(method, url)]))
                if method == "GET":
                    target.fields.update(COMMON_PARAMETERS)
                if reaches_the_view(client, target):
                    targets.append(target)
    return targets


def reaches_the_view(client: FlaskClient, target: Target) -> bool:
    """False when the role guard turns the role away: its view never reads any input."""
    response = send(client, target, {})
    login_redirect = response.status_code == 302 and urlsplit(
        response.headers["Location"]
    ).path.startswith("/inloggen")
    return response.status_code != 403 and not login_redirect


def send(client: FlaskClient, target: Target, values: dict[str, str]) -> TestResponse:
    if target.method == "GET":
        return client.get(target.url, query_string=values)
    token = csrf_token(client, "/inloggen")
    return client.post(target.url, data={**values, "csrf_token": token})


def cases(target: Target, rng: random.Random) -> Iterator[dict[str, str]]:
    """Each bad value in every field at once, and each field alone with a few of them."""
    names = sorted(target.fields)
    for value in BAD_VALUES:
        yield dict.fromkeys(names, value)
    for name in names:
        for value in rng.sample(BAD_VALUES, 3):
            yield {name: value}


@pytest.fixture
def dataset(app: Flask, db_session: Session) -> Dataset:
    return build_dataset(app, db_session)


@pytest.mark.slow  # about a minute per backend
def test_no_input_gives_a_server_error(app: Flask, dataset: Dataset) -> None:
    rng = random.Random(20261204)  # fixed: a failure can be replayed
    failures: list[str] = []
    targets = targets_of(app, dataset)
    assert len({t.url for t in targets}) > 40  # the routes were really found
    assert sum(bool(t.fields) for t in targets if t.method == "POST") > 20  # and their forms
    for target in targets:
        client = dataset.clients[target.role]
        for values in cases(target, rng):
            response = send(client, target, values)
            if "html" in response.content_type and '="None"' in response.get_data(as_text=True):
                failures.append(f"an attribute reads None: {target.method} {target.url}")
            if response.status_code >= 500:
                shown = {k: v[:20] for k, v in values.items()}
                failures.append(f"{target.role} {target.method} {target.url} {shown}")
    assert not failures, "\n".join(failures[:20])


def test_a_nul_byte_is_refused_before_any_view(app: Flask, dataset: Dataset) -> None:
    code = dataset.ids["referral_code"]
    anonymous = dataset.clients[None]
    assert anonymous.get(f"/aanmelden/{code}%00").status_code == 400
    assert anonymous.get("/aanmelden", query_string={"x": "a\x00"}).status_code == 400
    beheerder = dataset.clients[Role.BEHEERDER]
    response = beheerder.post(
        "/beheer/organisaties/nieuw",
        data={"name": "Buurthuis\x00", "csrf_token": csrf_token(beheerder, "/inloggen")},
    )
    assert response.status_code == 400
    assert "Dit verzoek konden we niet verwerken" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1-1-1", "31-12-9999"])
def test_far_dates_in_filters_are_a_dutch_error(app: Flask, dataset: Dataset, value: str) -> None:
    beheerder = dataset.clients[Role.BEHEERDER]
    coordinator = dataset.clients[Role.COORDINATOR]
    filters = (
        (beheerder, "/beheer/audit", "since", "until"),
        (coordinator, "/evaluatie", "van", "tot"),
    )
    for client, path, *names in filters:
        for name in names:
            response = client.get(path, query_string={name: value})
            assert response.status_code == 400, (path, name, value)
            body = response.get_data(as_text=True)
            assert "Kijk het jaar" in body or "dag-maand-jaar" in body, (path, name, value)
