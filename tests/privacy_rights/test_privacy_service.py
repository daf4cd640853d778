"""Export and erasure as services: complete, only this person, counts kept, audited (R1.7, R1.8)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Protocol

import pytest
from privacy_support import (
    NEIGHBOUR_CANARIES,
    OTHER_CANARIES,
    RESIDENT_CANARIES,
    World,
    all_text,
    row_counts,
)
from sqlalchemy.orm import class_mapper
from sqlmodel import Session, SQLModel, col, select

from niemand_alleen.models import (
    AuditAction,
    AuditEvent,
    Dispatch,
    Match,
    Oproep,
    OutboxMail,
    Resident,
    Volunteer,
)
from niemand_alleen.privacy.service import (
    SubjectKind,
    SubjectRef,
    UnknownSubjectError,
    erase_subject,
    export_subject,
    parse_reference,
)

VOLUNTEER_BY_ID = "volunteer-id"


def volunteer_ref(world: World, how: str) -> SubjectRef:
    if how == VOLUNTEER_BY_ID:
        return SubjectRef(kind=SubjectKind.VOLUNTEER, record_id=str(world.signup_ids[0]))
    return SubjectRef(kind=SubjectKind.VOLUNTEER, email="  BUUR-canary@example.ORG ")


def resident_ref(world: World) -> SubjectRef:
    return SubjectRef(kind=SubjectKind.RESIDENT, record_id=str(world.resident_id))


def columns(model: type[SQLModel]) -> set[str]:
    return {column.name for column in class_mapper(model).local_table.columns}


def privacy_events(session: Session) -> list[AuditEvent]:
    session.rollback()
    events = session.exec(
        select(AuditEvent).where(AuditEvent.detail == "privacyverzoek").order_by(col(AuditEvent.id))
    ).all()
    session.rollback()
    return list(events)


@pytest.mark.parametrize("how", [VOLUNTEER_BY_ID, "email"])
def test_volunteer_export_holds_every_signup_and_only_their_data(
    db_session: Session, world: World, how: str
) -> None:
    data = export_subject(db_session, volunteer_ref(world, how), actor_user_id=None)
    db_session.commit()
    text = json.dumps(data, ensure_ascii=False)
    assert {s["id"] for s in data["signups"]} == {str(i) for i in world.signup_ids}
    for signup in data["signups"]:
        assert set(signup) == columns(Volunteer)  # every column of R1.1
        assert signup["first_name"] == "CANARY-BUUR-NAME"  # decrypted
        assert signup["created_at"].startswith("20")  # ISO dates
    assert [m["id"] for m in data["matches"]] == [str(world.match_id)]
    assert data["matches"][0]["decline_reason"] == "CANARY-BUUR-NAME heeft geen tijd"
    assert [m["kind"] for m in data["mails_to_them"]] == ["signup_confirm"]
    assert data["mails_to_them"][0]["body_text"].startswith("Beste CANARY-BUUR-NAME")
    audit_ids = {(e["record_type"], e["record_id"]) for e in data["audit_events"]}
    assert audit_ids == {("volunteer", str(world.signup_ids[0]))}
    assert set(data["audit_events"][0]) == {
        "id", "at", "action", "record_type", "record_id", "actor_user_id", "outcome"
    }  # fmt: skip
    for canary in OTHER_CANARIES + RESIDENT_CANARIES:
        assert canary.casefold() not in text.casefold()
    events = privacy_events(db_session)
    assert {(e.action, e.record_type, e.record_id) for e in events} == {
        (AuditAction.EXPORT, "volunteer", str(i)) for i in world.signup_ids
    }


def test_resident_export_holds_every_field_oproep_and_recipients(
    db_session: Session, world: World
) -> None:
    data = export_subject(db_session, resident_ref(world), actor_user_id=None)
    db_session.commit()
    text = json.dumps(data, ensure_ascii=False)
    assert set(data["resident"]) == columns(Resident)
    assert data["resident"]["first_name"] == "CANARY-RES-NAME"
    assert data["resident"]["birth_date"] == "1941-02-03"
    assert [o["text"] for o in data["oproepen"]] == ["CANARY-OPROEPTEKST goedgekeurd"]
    assert set(data["oproepen"][0]) == columns(Oproep)
    [sent] = data["sent_to_organisations"]
    assert sent["organisation_name"] == world.organisation_name
    assert sent["sent_at"] == "2026-11-01T10:00:00+00:00"
    assert len(data["matches"]) == 2
    assert [m["kind"] for m in data["mails_to_them"]] == ["note"]
    assert len(data["mails_about_their_oproep"]) == 4
    assert "recipient" not in data["mails_about_their_oproep"][0]
    assert {(e["record_type"]) for e in data["audit_events"]} == {"resident", "oproep"}
    for canary in NEIGHBOUR_CANARIES + OTHER_CANARIES:
        assert canary.casefold() not in text.casefold()
    [event] = privacy_events(db_session)
    assert (event.action, event.record_type, event.record_id) == (
        AuditAction.EXPORT,
        "resident",
        str(world.resident_id),
    )


@pytest.mark.parametrize("how", [VOLUNTEER_BY_ID, "email"])
def test_volunteer_erasure_blanks_everything_and_keeps_the_counts(
    db_session: Session, world: World, how: str
) -> None:
    before = row_counts(db_session)
    result = erase_subject(db_session, volunteer_ref(world, how), actor_user_id=None)
    db_session.commit()
    assert (result.signups, result.matches, result.mails) == (2, 1, 1)
    assert set(result.record_ids) == {str(i) for i in world.signup_ids}
    after = row_counts(db_session)
    assert after["volunteer"] == before["volunteer"]
    assert after["match"] == before["match"]
    assert after["audit_event"] == before["audit_event"] + 2
    text = all_text(db_session)
    for canary in NEIGHBOUR_CANARIES + ("CANARY-AVAILABILITY",):
        assert canary.casefold() not in text, canary
    for canary in OTHER_CANARIES + RESIDENT_CANARIES:  # nobody else lost anything
        assert canary.casefold() in text, canary
    for signup_id in world.signup_ids:
        signup = db_session.get(Volunteer, signup_id)
        assert signup is not None
        assert signup.purged_at is not None
        assert signup.email_hash == ""
        assert signup.contact_again is False
    events = privacy_events(db_session)
    assert {(e.action, e.record_type, e.record_id) for e in events} == {
        (AuditAction.DELETE, "volunteer", str(i)) for i in world.signup_ids
    }


def test_resident_erasure_deletes_the_row_and_keeps_the_oproep_for_counts(
    db_session: Session, world: World
) -> None:
    before = row_counts(db_session)
    result = erase_subject(db_session, resident_ref(world), actor_user_id=None)
    db_session.commit()
    assert (result.residents, result.oproepen, result.matches, result.mails) == (1, 1, 1, 4)
    assert result.organisations_to_notify == [world.organisation_name]
    after = row_counts(db_session)
    assert after["resident"] == before["resident"] - 1
    assert after["resident_veto"] == before["resident_veto"] - 1
    for table in ("oproep", "dispatch", "match", "outbox_mail", "volunteer"):
        assert after[table] == before[table], table
    text = all_text(db_session)
    for canary in RESIDENT_CANARIES:
        assert canary.casefold() not in text, canary
    for canary in OTHER_CANARIES:  # the neighbours' own sign-ups are theirs, not hers
        assert canary.casefold() in text, canary
    db_session.rollback()
    assert db_session.get(Resident, world.resident_id) is None
    oproep = db_session.get(Oproep, world.oproep_id)
    assert oproep is not None
    assert (oproep.resident_id, oproep.text, oproep.proposed_text) == (None, None, None)
    assert oproep.pc4 == "3317"
    assert db_session.exec(select(Dispatch)).one().sent_at is not None
    mails = db_session.exec(select(OutboxMail)).all()
    assert all(m.body_text is None and m.recipient is None for m in mails)
    assert all(m.kind and m.sent_at for m in mails)  # metadata stays
    [event] = privacy_events(db_session)
    assert (event.action, event.record_type, event.record_id, event.detail) == (
        AuditAction.DELETE,
        "resident",
        str(world.resident_id),
        "privacyverzoek",
    )


def test_an_erased_signup_stands_alone(db_session: Session, world: World) -> None:
    """A blanked sign-up has no address hash: erasing it by id must not reach other blanks."""
    first = SubjectRef(kind=SubjectKind.VOLUNTEER, record_id=str(world.other_id))
    erase_subject(db_session, first, actor_user_id=None)
    db_session.commit()
    again = erase_subject(db_session, first, actor_user_id=None)
    db_session.commit()
    assert again.record_ids == [str(world.other_id)]
    data = export_subject(db_session, first, actor_user_id=None)
    assert [s["id"] for s in data["signups"]] == [str(world.other_id)]
    assert data["signups"][0]["first_name"] == ""
    text = all_text(db_session)
    assert "canary-buur-name" in text


REJECTED = [
    SubjectRef(kind=SubjectKind.VOLUNTEER, record_id=str(uuid.uuid4())),
    SubjectRef(kind=SubjectKind.VOLUNTEER, record_id="12345"),
    SubjectRef(kind=SubjectKind.VOLUNTEER, record_id=""),
    SubjectRef(kind=SubjectKind.VOLUNTEER, email="onbekend@example.org"),
    SubjectRef(kind=SubjectKind.VOLUNTEER, email="geen@adres@"),
    SubjectRef(kind=SubjectKind.VOLUNTEER, email="a@example.org\r\nBcc: x@example.org"),
    SubjectRef(kind=SubjectKind.RESIDENT, record_id=str(uuid.uuid4())),
    SubjectRef(kind=SubjectKind.RESIDENT, record_id="'; DROP TABLE resident; --"),
]


class SubjectOperation(Protocol):
    """``export_subject`` or ``erase_subject``."""

    def __call__(
        self, session: Session, ref: SubjectRef, actor_user_id: uuid.UUID | None
    ) -> object: ...


@pytest.mark.parametrize("operation", [export_subject, erase_subject])
@pytest.mark.parametrize("ref", REJECTED)
def test_unknown_or_malformed_references_change_nothing(
    db_session: Session, world: World, operation: SubjectOperation, ref: SubjectRef
) -> None:
    before_counts, before_text = row_counts(db_session), all_text(db_session)
    with pytest.raises(UnknownSubjectError) as raised:
        operation(db_session, ref, actor_user_id=None)
    db_session.commit()
    # One Dutch sentence for the beheerder's page and the command line.
    assert re.fullmatch(r"(Geen geldig|Er is geen) [^/\n]+\.", raised.value.message)
    assert row_counts(db_session) == before_counts
    assert all_text(db_session) == before_text


def test_a_resident_id_is_never_taken_for_a_neighbour(db_session: Session, world: World) -> None:
    wrong_kind = SubjectRef(kind=SubjectKind.VOLUNTEER, record_id=str(world.resident_id))
    with pytest.raises(UnknownSubjectError):
        erase_subject(db_session, wrong_kind, actor_user_id=None)
    db_session.rollback()
    assert db_session.get(Resident, world.resident_id) is not None
    assert db_session.exec(select(Match)).all()


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (SubjectKind.VOLUNTEER, " a@b.org ", SubjectRef(SubjectKind.VOLUNTEER, email="a@b.org")),
        (SubjectKind.VOLUNTEER, " abc ", SubjectRef(SubjectKind.VOLUNTEER, record_id="abc")),
        (SubjectKind.RESIDENT, "a@b.org", SubjectRef(SubjectKind.RESIDENT, record_id="a@b.org")),
    ],
)
def test_parse_reference(kind: SubjectKind, raw: str, expected: SubjectRef) -> None:
    assert parse_reference(kind, raw) == expected
