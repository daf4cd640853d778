"""R1.11: the beheerder reviews, filters and exports the audit log; the export is logged too."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import GetCsrf, LoginAs, MakeUser, count_statements

from niemand_alleen.audit import RecordType, record_audit
from niemand_alleen.models import AuditAction, AuditEvent, Role


def seed(
    db_session: Session, actor: uuid.UUID, count: int, action: AuditAction, **extra: Any
) -> None:
    for _ in range(count):
        record_audit(
            db_session,
            actor_user_id=actor,
            action=action,
            record_type=extra.get("record_type", "resident"),
            record_id=str(uuid.uuid4()),
            detail=extra.get("detail"),
        )
    db_session.commit()


def test_beheerder_filters_by_action_and_staff_member(
    client: FlaskClient, login_as: LoginAs, make_user: MakeUser, db_session: Session
) -> None:
    coordinator = make_user(Role.COORDINATOR, name="Cora Coördinator")
    seed(db_session, coordinator.id, 3, AuditAction.VIEW)
    seed(db_session, coordinator.id, 2, AuditAction.UPDATE, record_type=RecordType.OPROEP)
    login_as(Role.BEHEERDER)
    page = client.get(f"/beheer/audit?action=view&actor={coordinator.id}").get_data(as_text=True)
    assert "3 gebeurtenissen" in page
    assert page.count("Cora Coördinator</td>") == 3
    assert "Aanmelding (bewoner)" in page
    everything = client.get("/beheer/audit").get_data(as_text=True)
    assert "Gewijzigd" in everything


def test_date_filter_in_local_days(
    client: FlaskClient, login_as: LoginAs, make_user: MakeUser, db_session: Session
) -> None:
    actor = make_user(Role.COORDINATOR)
    yesterday = AuditEvent(
        actor_user_id=actor.id,
        action=AuditAction.VIEW,
        record_type=RecordType.RESIDENT,
        record_id="oud",
        at=datetime.now(UTC) - timedelta(days=2),
    )
    db_session.add(yesterday)
    seed(db_session, actor.id, 1, AuditAction.VIEW)
    login_as(Role.BEHEERDER)
    today = datetime.now(UTC).strftime("%d-%m-%Y")
    page = client.get(f"/beheer/audit?record_type=resident&since={today}").get_data(as_text=True)
    assert "1 gebeurtenis." in page
    assert ">oud<" not in page


def test_bad_filters_are_refused_with_a_message(client: FlaskClient, login_as: LoginAs) -> None:
    login_as(Role.BEHEERDER)
    response = client.get("/beheer/audit?since=31-02-2026")
    assert response.status_code == 400
    assert "dag-maand-jaar" in response.get_data(as_text=True)
    backwards = client.get("/beheer/audit?since=10-11-2026&until=01-11-2026")
    assert backwards.status_code == 400
    assert "vóór de begindatum" in backwards.get_data(as_text=True)
    assert client.get("/beheer/audit?action=stelen").status_code == 400
    assert client.get(f"/beheer/audit?actor={uuid.uuid4()}").status_code == 400


def test_pages_of_fifty(
    client: FlaskClient, login_as: LoginAs, make_user: MakeUser, db_session: Session
) -> None:
    actor = make_user(Role.COORDINATOR)
    seed(db_session, actor.id, 60, AuditAction.VIEW)
    login_as(Role.BEHEERDER)
    first = client.get("/beheer/audit?action=view").get_data(as_text=True)
    assert "pagina 1 van 2" in first
    assert "Volgende pagina" in first
    second = client.get("/beheer/audit?action=view&pagina=2").get_data(as_text=True)
    assert second.count("<tr>") - 1 == 10


@pytest.mark.parametrize("page", ["0", "-2", "twee", "99999999999999999999", "2.0"])
def test_a_bad_page_number_is_refused_with_a_message(
    client: FlaskClient, login_as: LoginAs, page: str
) -> None:
    login_as(Role.BEHEERDER)
    response = client.get("/beheer/audit", query_string={"pagina": page})
    assert response.status_code == 400
    assert "Dit paginanummer bestaat niet." in response.get_data(as_text=True)


def test_the_number_of_queries_does_not_grow_with_the_log(
    app: Flask, client: FlaskClient, login_as: LoginAs, make_user: MakeUser, db_session: Session
) -> None:
    actor = make_user(Role.COORDINATOR)
    login_as(Role.BEHEERDER)
    seed(db_session, actor.id, 5, AuditAction.VIEW)
    five = count_statements(app, lambda: client.get("/beheer/audit?action=view"))
    seed(db_session, actor.id, 55, AuditAction.VIEW)
    sixty = count_statements(app, lambda: client.get("/beheer/audit?action=view"))
    assert sixty == five


def test_export_is_csv_and_is_itself_logged(
    client: FlaskClient,
    login_as: LoginAs,
    make_user: MakeUser,
    get_csrf: GetCsrf,
    db_session: Session,
) -> None:
    actor = make_user(Role.COORDINATOR, name="=HYPERLINK(1)")
    seed(db_session, actor.id, 2, AuditAction.VIEW)
    beheerder = login_as(Role.BEHEERDER)
    token = get_csrf(client, "/beheer/audit")
    response = client.post("/beheer/audit/export?action=view", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "Dutch Excel reads UTF-8 only after a BOM"
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["tijdstip", "medewerker", "actie"]
    assert len(rows) == 3
    assert rows[1][2] == "Bekeken"  # the action in Dutch, as on the page
    # The house's short date with the time to the second, in local time: 4-12-2026 14:05:09.
    assert re.fullmatch(r"[1-9]\d?-[1-9]\d?-\d{4} \d{2}:\d{2}:\d{2}", rows[1][0])
    assert rows[1][5] == "in orde"  # the outcome in Dutch, as on the page
    assert rows[1][1] == "'=HYPERLINK(1)", "no formula injection into spreadsheets"
    db_session.rollback()
    exports = db_session.exec(
        select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).all()
    assert [(e.actor_user_id, e.record_type) for e in exports] == [(beheerder.id, "audit_log")]


def test_export_needs_the_form_token(client: FlaskClient, login_as: LoginAs) -> None:
    login_as(Role.BEHEERDER)
    assert client.post("/beheer/audit/export", data={}).status_code == 400


def test_only_the_beheerder_reviews_the_log(client: FlaskClient, login_as: LoginAs) -> None:
    login_as(Role.COORDINATOR)
    assert client.get("/beheer/audit").status_code == 403
