"""How to reach the service: configured once (CONTACT_PHONE, CONTACT_EMAIL, CONTACT_HOURS),
shown on every page's footer and in the mails to good neighbours and organisations, phone
as a ``tel:`` link and e-mail as a ``mailto:`` link; without them the pages still name
where to go."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from oproep_support import OpenOproep
from sqlmodel import Session, col, select
from support import PostSignup

from niemand_alleen.mail.outbox import render_mail
from niemand_alleen.mail.sender import compose_pending
from niemand_alleen.models import OutboxMail

CONTACT = {
    "contact_phone": "078 123 45 67",
    "contact_email": "hulp@niemand-alleen.example.org",
    "contact_hours": "maandag tot en met vrijdag van 9.00 tot 17.00 uur",
}


def configure(app: Flask, **contact: str | None) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(**contact)


def test_every_page_footer_says_how_to_reach_the_service(app: Flask, client: FlaskClient) -> None:
    configure(app, **CONTACT)
    for path in ("/", "/aanmelden", "/privacy", "/inloggen", "/bestaat-niet"):
        html = client.get(path).get_data(as_text=True)
        footer = html.split('<footer class="site-footer">', 1)[1]
        assert '<a href="tel:+31781234567">078 123 45 67</a>' in footer, path
        assert "(maandag tot en met vrijdag van 9.00 tot 17.00 uur)" in footer, path
        assert 'href="mailto:hulp@niemand-alleen.example.org"' in footer, path
        assert "Hulplijn, Samen Dordt of Buurtwerk Dordrecht" in footer, path


def test_without_contact_details_the_footer_still_names_where_to_go(
    app: Flask, client: FlaskClient
) -> None:
    configure(app, contact_phone=None, contact_email=None, contact_hours=None)
    footer = client.get("/").get_data(as_text=True).split('<footer class="site-footer">', 1)[1]
    assert "Hulplijn, Samen Dordt of Buurtwerk Dordrecht" in footer
    assert "tel:" not in footer


def test_the_mails_to_neighbours_and_organisations_give_the_contact_details(
    app: Flask,
    client: FlaskClient,
    db_session: Session,
    scenario: OpenOproep,
    post_signup: PostSignup,
) -> None:
    configure(app, **CONTACT)
    assert post_signup(client, scenario.path).status_code == 302
    compose_pending(app)
    db_session.rollback()
    (confirm,) = db_session.exec(
        select(OutboxMail).where(col(OutboxMail.kind) == "signup_confirm")
    ).all()
    assert confirm.body_text is not None
    assert confirm.body_html is not None
    line = (
        "Bel 078 123 45 67 (maandag tot en met vrijdag van 9.00 tot 17.00 uur) of mail "
        "hulp@niemand-alleen.example.org."
    )
    assert line in confirm.body_text
    assert 'href="tel:+31781234567"' in confirm.body_html
    with app.app_context():
        organisation_mail = render_mail(
            "oproep_filled", organisation_name="Buurthuis", wijk_name="Sterrenburg"
        )
    assert "Bel 078 123 45 67" in organisation_mail.body_text
    assert 'href="mailto:hulp@niemand-alleen.example.org"' in (organisation_mail.body_html or "")
