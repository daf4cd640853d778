"""The public questionnaire page: the form, single use, and every refusal (both databases).

A refused answer shows a Dutch message, stores nothing and leaves the link usable; a used,
expired or unknown link gets the same neutral page.
"""

from __future__ import annotations

from datetime import timedelta

import factories
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from support import GetCsrf

from niemand_alleen.models import (
    QuestionnaireAnswer,
    QuestionnaireAudience,
    QuestionnaireInvitation,
    utcnow,
)

GOOD = {"score_1": "4", "score_2": "5", "score_3": "3", "open_answer": "Fijn contact."}
INVALID_LINK = "Deze link werkt niet (meer)"


def _answers(session: Session) -> list[QuestionnaireAnswer]:
    session.expire_all()
    return list(session.exec(select(QuestionnaireAnswer)).all())


def _post(client: FlaskClient, get_csrf: GetCsrf, token: str, **fields: str) -> tuple[int, str]:
    path = f"/vragenlijst/{token}"
    data = {"csrf_token": get_csrf(client, path), **fields}
    response = client.post(path, data=data)
    return response.status_code, response.get_data(as_text=True)


def test_the_form_asks_three_scales_and_one_open_question(
    client: FlaskClient, db_session: Session
) -> None:
    _invitation, token = factories.questionnaire_invitation(db_session)
    response = client.get(f"/vragenlijst/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<fieldset") == 3
    assert "<legend>Vraag 1. Hoe gaat het contact met de bewoner?</legend>" in html
    assert html.count('type="radio"') == 15
    assert "5 – Heel goed" in html
    assert "(niet verplicht)" in html
    assert 'name="csrf_token"' in html


def test_the_form_is_in_english_for_an_english_browser(
    client: FlaskClient, db_session: Session, get_csrf: GetCsrf
) -> None:
    _invitation, token = factories.questionnaire_invitation(db_session)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    html = client.get(f"/vragenlijst/{token}").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "<legend>Question 1. How is your contact with the resident going?</legend>" in html
    assert "5 – Very good" in html
    status, html = _post(client, get_csrf, token, score_1="4", score_2="5")
    assert status == 400
    assert "Please choose an answer to question 3." in html
    assert _answers(db_session) == []


def test_an_organisation_gets_its_own_questions(client: FlaskClient, db_session: Session) -> None:
    _invitation, token = factories.questionnaire_invitation(
        db_session, audience=QuestionnaireAudience.ORGANISATION
    )
    html = client.get(f"/vragenlijst/{token}").get_data(as_text=True)
    assert "Hoe duidelijk was de oproep?" in html
    assert "contact met de bewoner" not in html


def test_answers_are_stored_once_without_a_link_to_the_invitation(
    client: FlaskClient, db_session: Session, get_csrf: GetCsrf
) -> None:
    invitation, token = factories.questionnaire_invitation(db_session)
    path = f"/vragenlijst/{token}"
    csrf = get_csrf(client, path)
    response = client.post(path, data={"csrf_token": csrf, **GOOD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/vragenlijst/bedankt")
    assert "Dank u wel voor uw antwoorden" in client.get("/vragenlijst/bedankt").get_data(
        as_text=True
    )
    (answer,) = _answers(db_session)
    assert (answer.score_1, answer.score_2, answer.score_3) == (4, 5, 3)
    assert answer.open_answer == "Fijn contact."
    assert answer.audience is QuestionnaireAudience.NEIGHBOUR
    columns = set(QuestionnaireAnswer.model_fields)
    assert not {"invitation_id", "oproep_id", "match_id", "volunteer_id"} & columns
    db_session.expire_all()
    stored = db_session.get(QuestionnaireInvitation, invitation.id)
    assert stored is not None
    assert stored.answered_at is not None

    # The same link again: nothing changes, and the page says the link no longer works.
    again = client.post(path, data={"csrf_token": csrf, **GOOD, "score_1": "1"})
    assert again.status_code == 404
    assert INVALID_LINK in again.get_data(as_text=True)
    assert client.get(path).status_code == 404
    assert len(_answers(db_session)) == 1
    assert _answers(db_session)[0].score_1 == 4


def test_the_open_question_may_stay_empty(
    client: FlaskClient, db_session: Session, get_csrf: GetCsrf
) -> None:
    _invitation, token = factories.questionnaire_invitation(db_session)
    status, _html = _post(client, get_csrf, token, **{**GOOD, "open_answer": "   "})
    assert status == 302
    (answer,) = _answers(db_session)
    assert answer.open_answer is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"score_2": ""}, "Kies een antwoord bij vraag 2."),
        ({"score_1": None}, "Kies een antwoord bij vraag 1."),
        ({"score_3": "6"}, "Kies bij vraag 3 een cijfer van 1 tot en met 5."),
        ({"score_1": "0"}, "Kies bij vraag 1 een cijfer van 1 tot en met 5."),
        ({"score_2": "drie"}, "Kies bij vraag 2 een cijfer van 1 tot en met 5."),
        ({"score_1": "4.5"}, "Kies bij vraag 1 een cijfer van 1 tot en met 5."),
        ({"open_answer": "x" * 1001}, "Uw antwoord is te lang: hoogstens 1000 tekens."),
    ],
)
def test_a_bad_answer_is_refused_in_dutch_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    get_csrf: GetCsrf,
    fields: dict[str, str | None],
    message: str,
) -> None:
    invitation, token = factories.questionnaire_invitation(db_session)
    data = {key: value for key, value in {**GOOD, **fields}.items() if value is not None}
    status, html = _post(client, get_csrf, token, **data)
    assert status == 400
    assert message in html
    assert 'class="error-summary"' in html
    assert _answers(db_session) == []
    db_session.expire_all()
    stored = db_session.get(QuestionnaireInvitation, invitation.id)
    assert stored is not None
    assert stored.answered_at is None
    # The link still works: the neighbour corrects the answer and sends it.
    assert _post(client, get_csrf, token, **GOOD)[0] == 302


def test_a_control_character_is_refused_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, get_csrf: GetCsrf
) -> None:
    _invitation, token = factories.questionnaire_invitation(db_session)
    status, html = _post(client, get_csrf, token, **{**GOOD, "open_answer": "bel\x07teken"})
    assert status == 400
    assert "Dit verzoek klopt niet" in html
    assert _answers(db_session) == []


def test_a_post_without_csrf_token_stores_nothing(client: FlaskClient, db_session: Session) -> None:
    _invitation, token = factories.questionnaire_invitation(db_session)
    response = client.post(f"/vragenlijst/{token}", data=GOOD)
    assert response.status_code == 400
    assert _answers(db_session) == []


@pytest.mark.parametrize("token", ["onzin", "a" * 201, "%00", "ab%2Fcd"])
def test_an_unknown_link_gets_the_neutral_page(client: FlaskClient, token: str) -> None:
    for response in (
        client.get(f"/vragenlijst/{token}"),
        client.post(f"/vragenlijst/{token}", data=GOOD),
    ):
        assert response.status_code in (400, 404)
        assert response.status_code != 500
    response = client.get(f"/vragenlijst/{token}")
    if response.status_code == 404 and token != "ab%2Fcd":
        assert INVALID_LINK in response.get_data(as_text=True)


def test_an_expired_link_gets_the_neutral_page_and_stores_nothing(
    app: Flask, client: FlaskClient, db_session: Session, get_csrf: GetCsrf
) -> None:
    _open, open_token = factories.questionnaire_invitation(db_session)
    csrf = get_csrf(client, f"/vragenlijst/{open_token}")
    _invitation, token = factories.questionnaire_invitation(
        db_session, expires_at=utcnow() - timedelta(minutes=1)
    )
    response = client.get(f"/vragenlijst/{token}")
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)
    assert "te oud" in response.get_data(as_text=True)
    posted = client.post(f"/vragenlijst/{token}", data={"csrf_token": csrf, **GOOD})
    assert posted.status_code == 404
    assert _answers(db_session) == []
