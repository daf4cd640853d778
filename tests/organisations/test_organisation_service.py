"""The organisation service: validation (every rejection), changes, audit, wijk look-ups."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import Session, col, select
from support import MakeUser

from niemand_alleen.distribution.links import (
    one_click_token,
    unsubscribe_confirm_token,
    unsubscribe_token,
)
from niemand_alleen.models import (
    AuditAction,
    AuditEvent,
    Organisation,
    OutboxMail,
    UnsubscribeRequest,
    utcnow,
)
from niemand_alleen.organisations.service import (
    UNSUBSCRIBE_CONFIRM_DAYS,
    UNSUBSCRIBE_REQUEST_INTERVAL,
    OrganisationInput,
    OrganisationInvalid,
    confirm_unsubscribe,
    create_organisation,
    organisation_for_one_click_token,
    organisation_for_token,
    organisation_wijken,
    organisations_in_wijken,
    parse_contact_emails,
    request_unsubscribe,
    resubscribe,
    set_organisation_active,
    unsubscribe,
    unsubscribe_request_for_token,
    update_organisation,
    validate_organisation,
)
from niemand_alleen.validation import InvalidInput

pytestmark = pytest.mark.usefixtures("wijken")

STERRENBURG, DUBBELDAM, STADSPOLDERS = "WK050509", "WK050510", "WK050511"


def _input(
    *,
    name: str | None = "Buurthuis De Buut",
    contact_emails: str | None = "info@debuut.example.org",
    wijken: Sequence[str] = (STERRENBURG,),
    note: str | None = "",
) -> OrganisationInput:
    return OrganisationInput(name=name, contact_emails=contact_emails, wijken=wijken, note=note)


def _errors(db_session: Session, data: OrganisationInput) -> dict[str, list[str]]:
    with pytest.raises(OrganisationInvalid) as caught:
        validate_organisation(db_session, data)
    return caught.value.errors


def test_valid_input_is_normalised(db_session: Session) -> None:
    clean = validate_organisation(
        db_session,
        _input(
            name="  Buurthuis   De Buut ",
            contact_emails="Info@DeBuut.example.org; tweede@debuut.example.org,\n"
            "info@debuut.example.org\n\n",
            wijken=[STERRENBURG, DUBBELDAM, STERRENBURG],
            note="  Contact: Ans \r\n op dinsdag ",
        ),
    )
    assert clean.name == "Buurthuis De Buut"
    # Normalised by email-validator; the duplicate (in any case) is dropped.
    assert [address.casefold() for address in clean.contact_emails] == [
        "info@debuut.example.org",
        "tweede@debuut.example.org",
    ]
    assert clean.wijken == {STERRENBURG, DUBBELDAM}
    assert clean.note == "Contact: Ans \n op dinsdag"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Vul de naam van de organisatie in."),
        ("   ", "Vul de naam van de organisatie in."),
        (None, "Vul de naam van de organisatie in."),
        ("x" * 201, "Een naam is hoogstens 200 tekens lang. Nu zijn het er 201."),
        ("Twee\nregels", "Een naam kan geen regelovergang bevatten."),
        ("Twee\rregels", "Een naam kan geen regelovergang bevatten."),
    ],
)
def test_bad_names_are_refused(db_session: Session, name: str | None, message: str) -> None:
    assert _errors(db_session, _input(name=name)) == {"name": [message]}


def test_a_name_of_200_characters_is_fine(db_session: Session) -> None:
    assert validate_organisation(db_session, _input(name="x" * 200)).name == "x" * 200


def test_names_are_unique_ignoring_case(
    db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    existing = make_organisation(name="Buurthuis De Buut")
    errors = _errors(db_session, _input(name="BUURTHUIS  de buut"))
    assert errors == {"name": ["Er is al een organisatie met deze naam."]}
    # The organisation itself may keep (or re-case) its own name.
    clean = validate_organisation(
        db_session, _input(name="Buurthuis de Buut"), existing_id=existing.id
    )
    assert clean.name == "Buurthuis de Buut"


@pytest.mark.parametrize(
    ("emails", "message"),
    [
        ("", "Vul minstens één e-mailadres in."),
        (" ;, \n", "Vul minstens één e-mailadres in."),
        (
            "geen-adres",
            "geen-adres: Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
        ),
        (
            "goed@example.org\nfout@",
            "fout@: Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
        ),
        (
            ", ".join(f"adres{n}@example.org" for n in range(11)),
            "Vul hoogstens 10 e-mailadressen in. Nu zijn het er 11.",
        ),
    ],
)
def test_bad_contact_emails_are_refused(db_session: Session, emails: str, message: str) -> None:
    assert _errors(db_session, _input(contact_emails=emails)) == {"contact_emails": [message]}


@pytest.mark.parametrize(
    "injected",
    [
        "a@example.org\x00Bcc: b@example.org",
        "a@example.org Bcc: b@example.org",
        "a@example.org\tBcc:b@example.org",
    ],
)
def test_header_injection_in_an_address_is_refused(injected: str) -> None:
    with pytest.raises(InvalidInput):
        parse_contact_emails(injected)


def test_line_breaks_only_separate_addresses() -> None:
    # A CR/LF can never end up inside one address: it splits the text into addresses.
    assert parse_contact_emails("a@example.org\r\nBcc@example.org") == (
        "a@example.org",
        "Bcc@example.org",
    )


def test_ten_addresses_after_removing_duplicates_are_fine() -> None:
    raw = "\n".join([f"adres{n}@example.org" for n in range(10)] + ["adres0@example.org"])
    assert len(parse_contact_emails(raw)) == 10


def test_wijken_are_required_and_must_exist(db_session: Session) -> None:
    assert _errors(db_session, _input(wijken=[])) == {"wijken": ["Kies minstens één wijk."]}
    assert _errors(db_session, _input(wijken=["", "  "])) == {"wijken": ["Kies minstens één wijk."]}
    assert _errors(db_session, _input(wijken=[STERRENBURG, "WK999999"])) == {
        "wijken": ["Deze wijk bestaat niet: WK999999."]
    }


def test_note_is_limited(db_session: Session) -> None:
    assert validate_organisation(db_session, _input(note="x" * 1000)).note == "x" * 1000
    assert _errors(db_session, _input(note="x" * 1001)) == {
        "note": ["Dit is te lang: hoogstens 1000 tekens. Nu zijn het er 1001."]
    }


def test_all_problems_are_reported_at_once(db_session: Session) -> None:
    errors = _errors(
        db_session, OrganisationInput(name="", contact_emails="", wijken=[], note="x" * 1001)
    )
    assert set(errors) == {"name", "contact_emails", "wijken", "note"}


def _audit(db_session: Session, organisation_id: uuid.UUID) -> list[AuditEvent]:
    db_session.expire_all()
    return list(
        db_session.exec(
            select(AuditEvent)
            .where(AuditEvent.record_type == "organisation")
            .where(AuditEvent.record_id == str(organisation_id))
            .order_by(col(AuditEvent.at))
        ).all()
    )


def test_create_update_and_audit_without_data(db_session: Session, make_user: MakeUser) -> None:
    actor = make_user()
    organisation = create_organisation(
        db_session,
        _input(contact_emails="a@example.org\nb@example.org", note="geheim"),
        actor_user_id=actor.id,
    )
    db_session.commit()
    assert organisation.contact_emails == "a@example.org\nb@example.org"
    assert organisation.active
    assert organisation.unsubscribed_at is None
    assert organisation_wijken(db_session) == {organisation.id: {STERRENBURG}}

    update_organisation(
        db_session,
        organisation,
        _input(name="De Buut", wijken=[DUBBELDAM, STADSPOLDERS]),
        actor_user_id=actor.id,
    )
    db_session.commit()
    assert organisation.name == "De Buut"
    assert organisation.note is None
    assert organisation_wijken(db_session) == {organisation.id: {DUBBELDAM, STADSPOLDERS}}

    events = _audit(db_session, organisation.id)
    assert [event.action for event in events] == [AuditAction.CREATE, AuditAction.UPDATE]
    for event in events:
        assert event.actor_user_id == actor.id
        assert event.detail is None  # never the name, addresses or note


def test_update_refuses_bad_input_and_changes_nothing(
    db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    organisation = make_organisation()
    make_organisation(name="Andere Organisatie")
    with pytest.raises(OrganisationInvalid):
        update_organisation(
            db_session, organisation, _input(name="andere organisatie"), actor_user_id=None
        )
    db_session.rollback()
    db_session.refresh(organisation)
    assert organisation.name == "Buurtkerk De Ark"


def test_activate_deactivate_and_resubscribe(
    db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    organisation = make_organisation(unsubscribed_at=utcnow())
    set_organisation_active(db_session, organisation, False, actor_user_id=None)
    assert organisation.active is False
    set_organisation_active(db_session, organisation, True, actor_user_id=None)
    assert resubscribe(db_session, organisation, actor_user_id=None) is True
    assert organisation.unsubscribed_at is None
    assert resubscribe(db_session, organisation, actor_user_id=None) is False
    db_session.commit()
    details = [event.detail for event in _audit(db_session, organisation.id)]
    assert details == ["uitgezet", "aangezet", "weer aangemeld"]


def test_organisations_in_wijken_only_active_and_subscribed(
    db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    both = make_organisation(name="B beide", wijken=(STERRENBURG, DUBBELDAM))
    only_dubbeldam = make_organisation(name="A Dubbeldam", wijken=(DUBBELDAM,))
    make_organisation(name="Uit", wijken=(STERRENBURG,), active=False)
    make_organisation(name="Afgemeld", wijken=(STERRENBURG,), unsubscribed_at=utcnow())
    make_organisation(name="Elders", wijken=(STADSPOLDERS,))
    found = organisations_in_wijken(db_session, [STERRENBURG, DUBBELDAM])
    assert [org.id for org in found] == [only_dubbeldam.id, both.id]
    assert [org.id for org in organisations_in_wijken(db_session, [STERRENBURG])] == [both.id]
    assert organisations_in_wijken(db_session, []) == []
    assert organisation_wijken(db_session)[both.id] == {STERRENBURG, DUBBELDAM}


def test_each_unsubscribe_token_opens_only_its_own_door(
    app: Flask, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    organisation = make_organisation()
    key = app.config["SECRET_KEY"]
    body, header = unsubscribe_token(key, organisation.id), one_click_token(key, organisation.id)
    assert body != header
    assert organisation_for_token(db_session, key, body) is organisation
    assert organisation_for_one_click_token(db_session, key, header) is organisation
    # The body's token (forwarded with the mail) is no one-click token, and the other way.
    assert organisation_for_one_click_token(db_session, key, body) is None
    assert organisation_for_token(db_session, key, header) is None
    for bad in (body + "x", unsubscribe_token("another key", organisation.id), "x" * 300):
        assert organisation_for_token(db_session, key, bad) is None
    assert organisation_for_token(db_session, key, unsubscribe_token(key, uuid.uuid4())) is None


def test_unsubscribe_is_idempotent_and_audited_without_data(
    db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    organisation = make_organisation()
    assert unsubscribe(db_session, organisation, how="een-klik-link") is True
    first = organisation.unsubscribed_at
    assert first is not None
    assert unsubscribe(db_session, organisation) is False
    assert organisation.unsubscribed_at == first  # the first date stays
    db_session.commit()
    events = _audit(db_session, organisation.id)
    assert [(e.actor_user_id, e.detail) for e in events] == [
        (None, "afgemeld met één klik in het mailprogramma")
    ]


def _outbox(db_session: Session) -> list[OutboxMail]:
    return list(db_session.exec(select(OutboxMail).order_by(col(OutboxMail.id))).all())


def test_request_mails_each_address_once_in_a_while_and_changes_nothing_else(
    app: Flask, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    organisation = make_organisation(emails=("a@ark.example.org", "b@ark.example.org"))
    settings = app.config["SETTINGS"]
    now = utcnow()
    with app.app_context():
        request = request_unsubscribe(db_session, settings, organisation, now=now)
        assert request is not None
        # Asked again soon (by anyone holding the body link): no second mail.
        soon = now + UNSUBSCRIBE_REQUEST_INTERVAL - timedelta(seconds=1)
        assert request_unsubscribe(db_session, settings, organisation, now=soon) is None
    db_session.commit()

    mails = _outbox(db_session)
    assert sorted(mail.recipient or "" for mail in mails) == [
        "a@ark.example.org",
        "b@ark.example.org",
    ]
    for mail in mails:
        assert mail.kind == "unsubscribe_confirm"
        assert mail.dispatch_id is None  # so no List-Unsubscribe header either
        assert "/afmelden/organisatie/bevestigen/" in (mail.body_text or "")
        assert "ark.example.org" not in mail.idempotency_key
    assert organisation.unsubscribed_at is None
    assert _audit(db_session, organisation.id) == []

    later = now + UNSUBSCRIBE_REQUEST_INTERVAL + timedelta(seconds=1)
    with app.app_context():
        assert request_unsubscribe(db_session, settings, organisation, now=later) is not None
        unsubscribe(db_session, organisation)
        much_later = later + UNSUBSCRIBE_REQUEST_INTERVAL * 2
        assert request_unsubscribe(db_session, settings, organisation, now=much_later) is None
    assert len(_outbox(db_session)) == 4


def test_a_confirmation_works_once_and_spends_every_open_request(
    app: Flask, db_session: Session, make_organisation: Callable[..., Organisation]
) -> None:
    organisation = make_organisation()
    key = app.config["SECRET_KEY"]
    now = utcnow()
    older = UnsubscribeRequest(organisation_id=organisation.id, requested_at=now)
    newer = UnsubscribeRequest(organisation_id=organisation.id, requested_at=now)
    db_session.add_all([older, newer])
    db_session.commit()
    token = unsubscribe_confirm_token(key, newer.id)

    pending = unsubscribe_request_for_token(db_session, key, token, now=now)
    assert pending is not None
    assert pending.organisation is organisation
    confirm_unsubscribe(db_session, pending, now=now)
    db_session.commit()

    assert organisation.unsubscribed_at == now
    assert (older.used_at, newer.used_at) == (now, now)
    resubscribe(db_session, organisation, actor_user_id=None)
    for used in (newer, older):
        used_token = unsubscribe_confirm_token(key, used.id)
        assert unsubscribe_request_for_token(db_session, key, used_token, now=now) is None
    details = [event.detail for event in _audit(db_session, organisation.id)]
    assert details == ["afgemeld via de bevestigingslink", "weer aangemeld"]


def test_a_confirmation_link_expires_by_its_signature_and_by_its_request(
    app: Flask,
    db_session: Session,
    make_organisation: Callable[..., Organisation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    organisation = make_organisation()
    key = app.config["SECRET_KEY"]
    now = utcnow()
    max_age = timedelta(days=UNSUBSCRIBE_CONFIRM_DAYS)
    request = UnsubscribeRequest(organisation_id=organisation.id, requested_at=now)
    old_request = UnsubscribeRequest(
        organisation_id=organisation.id, requested_at=now - max_age - timedelta(minutes=1)
    )
    db_session.add_all([request, old_request])
    db_session.commit()

    # A fresh signature on a request older than the link may live.
    assert (
        unsubscribe_request_for_token(
            db_session, key, unsubscribe_confirm_token(key, old_request.id), now=now
        )
        is None
    )
    # An old signature on a fresh request: itsdangerous dates the token when signing.
    signed_at = int((now - max_age - timedelta(minutes=1)).timestamp())
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp", lambda _: signed_at)
    expired = unsubscribe_confirm_token(key, request.id)
    monkeypatch.undo()
    assert unsubscribe_request_for_token(db_session, key, expired, now=now) is None
    fresh = unsubscribe_confirm_token(key, request.id)
    assert unsubscribe_request_for_token(db_session, key, fresh, now=now) is not None
