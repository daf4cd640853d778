"""The beheerder's privacy page and the ``niemand-alleen privacy`` commands."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from privacy_support import NEIGHBOUR_CANARIES, RESIDENT_CANARIES, World, all_text, row_counts
from sqlmodel import Session, select
from support import csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.cli import main
from niemand_alleen.models import AuditAction, AuditEvent, Resident, Role, User

PAGE = "/beheer/privacy"
EXPORT = "/beheer/privacy/export"
ERASE = "/beheer/privacy/wissen"
NOBODY = str(uuid.uuid4())


def post(client: FlaskClient, path: str, prefix: str, **fields: str) -> TestResponse:
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    data["csrf_token"] = csrf_token(client, PAGE)
    return client.post(path, data=data)


def privacy_events(session: Session) -> list[AuditEvent]:
    session.rollback()
    events = list(
        session.exec(select(AuditEvent).where(AuditEvent.detail == "privacyverzoek")).all()
    )
    session.rollback()
    return events


@pytest.fixture
def beheerder(login_as: Callable[[Role], User]) -> User:
    return login_as(Role.BEHEERDER)


def test_the_page_explains_both_requests(client: FlaskClient, beheerder: User) -> None:
    html = client.get(PAGE).get_data(as_text=True)
    assert "Privacyverzoeken" in html
    assert 'name="export-reference"' in html
    assert 'name="erase-confirm"' in html
    assert 'href="/beheer/privacy" aria-current="page"' in html


def test_export_downloads_json_and_is_audited(
    client: FlaskClient, beheerder: User, world: World, db_session: Session
) -> None:
    reference = str(world.signup_ids[0])
    response = post(client, EXPORT, "export", kind="volunteer", reference=reference)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    data = json.loads(response.get_data(as_text=True))
    assert len(data["signups"]) == 2
    events = privacy_events(db_session)
    assert {(e.action, e.actor_user_id) for e in events} == {(AuditAction.EXPORT, beheerder.id)}


def test_resident_export_by_id(client: FlaskClient, beheerder: User, world: World) -> None:
    reference = str(world.resident_id)
    response = post(client, EXPORT, "export", kind="resident", reference=reference)
    data = json.loads(response.get_data(as_text=True))
    assert data["resident"]["first_name"] == "CANARY-RES-NAME"


def test_erase_needs_the_confirmation(
    client: FlaskClient, beheerder: User, world: World, db_session: Session
) -> None:
    before = all_text(db_session)
    response = post(
        client, "/beheer/privacy/wissen", "erase", kind="resident", reference=str(world.resident_id)
    )
    assert response.status_code == 400
    assert "Vink aan dat u de gegevens echt wilt wissen." in response.get_data(as_text=True)
    assert all_text(db_session) == before


def test_erase_shows_what_was_erased(
    client: FlaskClient, beheerder: User, world: World, db_session: Session
) -> None:
    response = post(
        client,
        "/beheer/privacy/wissen",
        "erase",
        kind="resident",
        reference=str(world.resident_id),
        confirm="y",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Gegevens gewist" in html
    assert world.organisation_name in html  # art. 19: who to tell
    assert "CANARY" not in html
    db_session.rollback()
    assert db_session.get(Resident, world.resident_id) is None
    text = all_text(db_session)
    assert not any(canary.casefold() in text for canary in RESIDENT_CANARIES)
    [event] = privacy_events(db_session)
    assert (event.action, event.actor_user_id) == (AuditAction.DELETE, beheerder.id)


def test_erase_a_neighbour_by_email(
    client: FlaskClient, beheerder: User, world: World, db_session: Session
) -> None:
    response = post(
        client,
        "/beheer/privacy/wissen",
        "erase",
        kind="volunteer",
        reference="buur-canary@example.org",
        confirm="y",
    )
    assert response.status_code == 200
    assert "<dd>2</dd>" in response.get_data(as_text=True)
    text = all_text(db_session)
    assert not any(canary.casefold() in text for canary in NEIGHBOUR_CANARIES)


@pytest.mark.parametrize(
    ("path", "kind", "reference", "status", "message"),
    [
        (EXPORT, "resident", NOBODY, 404, "geen bewoner met dit nummer"),
        (EXPORT, "resident", "nummer", 404, "Geen geldig nummer"),
        (EXPORT, "volunteer", "niemand@example.org", 404, "geen goede buur met dit e-mailadres"),
        (EXPORT, "volunteer", "", 400, "Vul een nummer of e-mailadres in."),
        (EXPORT, "iedereen", "x", 400, "Kies goede buur of bewoner."),
        (EXPORT, None, "x", 400, "Kies goede buur of bewoner."),
        (EXPORT, "volunteer", "x" * 300, 400, "Hoogstens 254 tekens."),
        (ERASE, "volunteer", NOBODY, 404, "geen goede buur met dit nummer"),
        (ERASE, "resident", "12", 404, "Geen geldig nummer"),
        (ERASE, "volunteer", "a@@b", 404, "Geen geldig e-mailadres"),
        (ERASE, None, "", 400, "Kies goede buur of bewoner."),
    ],
)
def test_every_rejection_says_so_and_changes_nothing(
    client: FlaskClient,
    beheerder: User,
    world: World,
    db_session: Session,
    path: str,
    kind: str | None,
    reference: str,
    status: int,
    message: str,
) -> None:
    before_counts, before_text = row_counts(db_session), all_text(db_session)
    fields = {"reference": reference} | ({"kind": kind} if kind else {})
    if path == ERASE:
        response = post(client, path, "erase", confirm="y", **fields)
    else:
        response = post(client, path, "export", **fields)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html, html[html.find('<div class="error-summary"') :][:600]
    for english in ("not a valid", "no neighbour", "no resident"):
        assert english not in html  # the message is Dutch only
    assert row_counts(db_session) == before_counts
    assert all_text(db_session) == before_text


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.BUURTWERKER])
def test_only_the_beheerder(
    client: FlaskClient, login_as: Callable[[Role], User], world: World, role: Role
) -> None:
    login_as(role)
    assert client.get(PAGE).status_code == 403
    response = client.post(
        "/beheer/privacy/wissen",
        data={"erase-kind": "resident", "erase-reference": str(world.resident_id)},
    )
    assert response.status_code in {400, 403}


# --- the command -----------------------------------------------------------------------------


def invoke(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(main, ["privacy", *args])


def test_cli_export_prints_json(app: Flask, world: World, db_session: Session) -> None:
    result = invoke(app, "export", "--email", "BUUR-canary@example.org")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {s["id"] for s in data["signups"]} == {str(i) for i in world.signup_ids}
    by_id = json.loads(invoke(app, "export", "--volunteer", str(world.other_id)).output)
    assert [s["id"] for s in by_id["signups"]] == [str(world.other_id)]
    resident = json.loads(invoke(app, "export", "--resident", str(world.resident_id)).output)
    assert resident["resident"]["id"] == str(world.resident_id)
    events = privacy_events(db_session)
    assert len(events) == 4
    assert {e.actor_user_id for e in events} == {None}


def test_cli_erase_needs_yes(app: Flask, world: World, db_session: Session) -> None:
    before = all_text(db_session)
    result = invoke(app, "erase", "--resident", str(world.resident_id))
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert all_text(db_session) == before
    result = invoke(app, "erase", "--resident", str(world.resident_id), "--yes")
    assert result.exit_code == 0, result.output
    assert "1 bewoners" in result.output
    assert world.organisation_name in result.output
    text = all_text(db_session)
    assert not any(canary.casefold() in text for canary in RESIDENT_CANARIES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--volunteer", str(uuid.uuid4())], "geen goede buur met dit nummer"),
        (["export", "--resident", "abc"], "Geen geldig nummer"),
        (["export", "--email", "niemand@example.org"], "geen goede buur met dit e-mailadres"),
        (["export"], "precies één"),
        (["export", "--resident", str(uuid.uuid4()), "--email", "a@example.org"], "precies één"),
        (["erase", "--resident", str(uuid.uuid4()), "--yes"], "geen bewoner met dit nummer"),
        (["erase", "--email", "geen-adres", "--yes"], "Geen geldig e-mailadres"),
        (["erase", "--yes"], "precies één"),
    ],
)
def test_cli_rejections_exit_2_and_change_nothing(
    app: Flask, world: World, db_session: Session, args: list[str], message: str
) -> None:
    before_counts, before_text = row_counts(db_session), all_text(db_session)
    result = invoke(app, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert row_counts(db_session) == before_counts
    assert all_text(db_session) == before_text
