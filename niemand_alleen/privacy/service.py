"""Privacy rights: export everything held about a person (art. 15) and erase it (art. 17).

A *person* is a good neighbour (all sign-ups with the same e-mail address, found by id or by
the keyed hash of the address) or a resident. Erasure removes the personal fields but keeps
the rows the evaluation counts, the way the retention purge does (``retention.py``), and
names the partner organisations that received the oproep, who must be told (art. 19).

Plain functions on a session: they flush and never commit; the request or command does.
Every export and erasure writes an audit event with the record type and id, never the data.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Mapped
from sqlmodel import Session, SQLModel, col, select

from niemand_alleen import validation
from niemand_alleen.audit import RecordType, details, record_audit
from niemand_alleen.crypto import lookup_hash
from niemand_alleen.models import (
    AuditAction,
    AuditEvent,
    Dispatch,
    DispatchStatus,
    MailStatus,
    Match,
    Oproep,
    Organisation,
    OutboxMail,
    Resident,
    ResidentVeto,
    Volunteer,
    utcnow,
)
from niemand_alleen.retention import BLANK_MAIL, BLANK_VOLUNTEER

FORMAT_VERSION = 1


class SubjectKind(enum.StrEnum):
    VOLUNTEER = "volunteer"  # "buur" in the UI
    RESIDENT = "resident"  # "bewoner"


class UnknownSubjectError(LookupError):
    """No such person (or a malformed id): nothing was read or changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SubjectRef:
    """What the beheerder typed: a kind and an id, or (for neighbours) an e-mail address."""

    kind: SubjectKind
    record_id: str | None = None
    email: str | None = None


def parse_reference(kind: SubjectKind, raw: str) -> SubjectRef:
    """An id, or for a neighbour an e-mail address when it holds an ``@``."""
    value = raw.strip()
    if kind == SubjectKind.VOLUNTEER and "@" in value:
        return SubjectRef(kind=kind, email=value)
    return SubjectRef(kind=kind, record_id=value)


def _uuid(raw: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except (ValueError, AttributeError):
        raise UnknownSubjectError(
            f"Geen geldig nummer van een {what}: verwacht een id zoals '0b7c…-…' (UUID)."
        ) from None


def find_volunteers(session: Session, ref: SubjectRef) -> list[Volunteer]:
    """Every sign-up of the neighbour: by id (and the others with the same address) or by
    e-mail address. A blanked sign-up (hash "") stands alone."""
    if ref.email is not None:
        try:
            email = validation.email_address(ref.email, required=True)
        except validation.InvalidInput:
            raise UnknownSubjectError("Geen geldig e-mailadres.") from None
        assert email is not None
        found = list(
            session.exec(select(Volunteer).where(Volunteer.email_hash == lookup_hash(email))).all()
        )
        if not found:
            raise UnknownSubjectError("Er is geen goede buur met dit e-mailadres.")
    else:
        volunteer = session.get(Volunteer, _uuid(ref.record_id or "", "goede buur"))
        if volunteer is None:
            raise UnknownSubjectError("Er is geen goede buur met dit nummer.")
        found = [volunteer]
        if volunteer.email_hash:
            found = list(
                session.exec(
                    select(Volunteer).where(Volunteer.email_hash == volunteer.email_hash)
                ).all()
            )
    return sorted(found, key=lambda v: (v.created_at, str(v.id)))


def find_resident(session: Session, ref: SubjectRef) -> Resident:
    resident = session.get(Resident, _uuid(ref.record_id or "", "bewoner"))
    if resident is None:
        raise UnknownSubjectError("Er is geen bewoner met dit nummer.")
    return resident


# --- export ------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _row(obj: SQLModel, only: Iterable[str] | None = None) -> dict[str, Any]:
    """Every column of a row (decrypted, dates ISO), or only the named ones."""
    names = list(only) if only is not None else [c.name for c in obj.__table__.columns]  # type: ignore[attr-defined]
    return {name: _json_value(getattr(obj, name)) for name in names}


AUDIT_FIELDS = ("id", "at", "action", "record_type", "record_id", "actor_user_id", "outcome")
MAIL_META = ("id", "kind", "status", "oproep_id", "created_at", "sent_at")
MAIL_CONTENT = ("recipient", "subject", "body_text", "body_html")


def _norm(value: str | None) -> str:
    return (value or "").strip().casefold()


def _mails_to(session: Session, addresses: set[str]) -> list[OutboxMail]:
    """Mails whose recipient is one of these addresses (decrypted and compared)."""
    wanted = {_norm(a) for a in addresses if _norm(a)}
    if not wanted:
        return []
    rows = session.exec(
        select(OutboxMail)
        .where(col(OutboxMail.recipient).is_not(None))
        .order_by(col(OutboxMail.id))
    ).all()
    return [row for row in rows if _norm(row.recipient) in wanted]


def _audit_about(session: Session, pairs: Sequence[tuple[str, str]]) -> list[AuditEvent]:
    if not pairs:
        return []
    conditions = [
        (AuditEvent.record_type == record_type) & (AuditEvent.record_id == record_id)
        for record_type, record_id in pairs
    ]
    return list(
        session.exec(select(AuditEvent).where(or_(*conditions)).order_by(col(AuditEvent.id))).all()  # type: ignore[arg-type]
    )


def _mail_export(row: OutboxMail) -> dict[str, Any]:
    data = _row(row, MAIL_META + MAIL_CONTENT)
    # A pending mail may not have its text yet: the sender writes some just before sending.
    data["content_purged"] = row.body_text is None and row.status != MailStatus.PENDING
    return data


def export_volunteer(
    session: Session, ref: SubjectRef, actor_user_id: uuid.UUID | None
) -> dict[str, Any]:
    volunteers = find_volunteers(session, ref)
    ids = [v.id for v in volunteers]
    matches = session.exec(
        select(Match).where(col(Match.volunteer_id).in_(ids)).order_by(col(Match.created_at))
    ).all()
    mails = _mails_to(session, {v.email for v in volunteers})
    audit_pairs = [("volunteer", str(i)) for i in ids] + [("match", str(m.id)) for m in matches]
    events = _audit_about(session, audit_pairs)
    for volunteer in volunteers:
        _audit(session, actor_user_id, AuditAction.EXPORT, RecordType.VOLUNTEER, volunteer.id)
    return {
        "format_version": FORMAT_VERSION,
        "kind": "volunteer",
        "description": "Alles wat Niemand Alleen bewaart over deze goede buur.",
        "exported_at": _json_value(utcnow()),
        "signups": [_row(v) for v in volunteers],
        "matches": [
            _row(m, ("id", "oproep_id", "volunteer_id", "rank", "status", "decline_code"))
            | _row(m, ("decline_reason", "created_at", "updated_at"))
            for m in matches
        ],
        "mails_to_them": [_mail_export(mail) for mail in mails],
        "audit_events": [_row(event, AUDIT_FIELDS) for event in events],
    }


def _dispatches(session: Session, oproep_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    if not oproep_ids:
        return []
    rows = session.exec(
        select(Dispatch, Organisation)
        .join(Organisation, col(Organisation.id) == Dispatch.organisation_id)
        .where(col(Dispatch.oproep_id).in_(oproep_ids))
        .order_by(col(Dispatch.created_at))
    ).all()
    return [
        {
            "oproep_id": str(dispatch.oproep_id),
            "organisation_id": str(organisation.id),
            "organisation_name": organisation.name,
            "status": dispatch.status.value,
            "queued_at": _json_value(dispatch.created_at),
            "sent_at": _json_value(dispatch.sent_at),
        }
        for dispatch, organisation in rows
    ]


def _oproepen_of(session: Session, resident_id: uuid.UUID) -> list[Oproep]:
    return list(
        session.exec(
            select(Oproep).where(Oproep.resident_id == resident_id).order_by(col(Oproep.created_at))
        ).all()
    )


_OfOproep = TypeVar("_OfOproep", Match, OutboxMail)


def _of_oproepen(
    session: Session,
    model: type[_OfOproep],
    oproep_ids: Sequence[uuid.UUID],
    order: Mapped[Any],
) -> Sequence[_OfOproep]:
    """The rows of ``model`` that belong to these oproepen, in ``order``."""
    if not oproep_ids:
        return []
    return session.exec(
        select(model).where(col(model.oproep_id).in_(oproep_ids)).order_by(order)
    ).all()


def export_resident(
    session: Session, ref: SubjectRef, actor_user_id: uuid.UUID | None
) -> dict[str, Any]:
    resident = find_resident(session, ref)
    oproepen = _oproepen_of(session, resident.id)
    oproep_ids = [o.id for o in oproepen]
    matches = _of_oproepen(session, Match, oproep_ids, col(Match.created_at))
    vetoes = session.exec(select(ResidentVeto).where(ResidentVeto.resident_id == resident.id)).all()
    about_case = _of_oproepen(session, OutboxMail, oproep_ids, col(OutboxMail.id))
    mails = _mails_to(session, {resident.email or ""})
    audit_pairs = [("resident", str(resident.id))] + [("oproep", str(i)) for i in oproep_ids]
    events = _audit_about(session, audit_pairs)
    _audit(session, actor_user_id, AuditAction.EXPORT, RecordType.RESIDENT, resident.id)
    return {
        "format_version": FORMAT_VERSION,
        "kind": "resident",
        "description": "Alles wat Niemand Alleen bewaart over deze bewoner.",
        "exported_at": _json_value(utcnow()),
        "resident": _row(resident),
        "oproepen": [_row(o) for o in oproepen],
        # Art. 15: to whom the (anonymised) oproep was sent, and when.
        "sent_to_organisations": _dispatches(session, oproep_ids),
        # The neighbours are other people: their ids and the outcome only.
        "matches": [
            _row(m, ("id", "oproep_id", "volunteer_id", "rank", "status", "decline_code"))
            | _row(m, ("created_at", "updated_at"))
            for m in matches
        ],
        "vetoes": [_row(v, ("id", "created_at")) for v in vetoes],
        "mails_to_them": [_mail_export(mail) for mail in mails],
        "mails_about_their_oproep": [_row(mail, MAIL_META) for mail in about_case],
        "audit_events": [_row(event, AUDIT_FIELDS) for event in events],
    }


def export_subject(
    session: Session, ref: SubjectRef, actor_user_id: uuid.UUID | None
) -> dict[str, Any]:
    if ref.kind == SubjectKind.RESIDENT:
        return export_resident(session, ref, actor_user_id)
    return export_volunteer(session, ref, actor_user_id)


# --- erasure -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    kind: SubjectKind
    record_ids: list[str]
    signups: int = 0  # neighbour sign-ups blanked
    residents: int = 0  # resident rows deleted
    oproepen: int = 0  # oproepen whose texts were removed
    matches: int = 0  # matches whose free-text reason was removed
    mails: int = 0  # outbox copies whose address and contents were removed
    organisations_to_notify: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "record_ids": self.record_ids,
            "signups": self.signups,
            "residents": self.residents,
            "oproepen": self.oproepen,
            "matches": self.matches,
            "mails": self.mails,
            "organisations_to_notify": self.organisations_to_notify,
        }


def _blank_mails(session: Session, rows: Iterable[OutboxMail]) -> int:
    ids = sorted({row.id for row in rows if row.id is not None})
    if not ids:
        return 0
    session.execute(
        update(OutboxMail)
        .where(col(OutboxMail.id).in_(ids))
        .values(**BLANK_MAIL)
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def _mentioning(session: Session, needles: set[str], keys: set[str]) -> list[OutboxMail]:
    """Mails still holding content that name one of these values or carry one of these ids
    in their idempotency key (mails about a sign-up are keyed by its id)."""
    wanted = {_norm(n) for n in needles if len(_norm(n)) >= 5}
    rows = session.exec(select(OutboxMail).where(col(OutboxMail.body_text).is_not(None))).all()
    found = []
    for row in rows:
        if any(key in row.idempotency_key for key in keys):
            found.append(row)
            continue
        text = _norm(" ".join(filter(None, (row.subject, row.body_text, row.body_html))))
        if any(needle in text for needle in wanted):
            found.append(row)
    return found


def _audit(
    session: Session,
    actor_user_id: uuid.UUID | None,
    action: AuditAction,
    record_type: RecordType,
    record_id: uuid.UUID,
) -> None:
    record_audit(
        session,
        actor_user_id=actor_user_id,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        detail=details.privacy_request(),
    )


def erase_volunteer(
    session: Session, ref: SubjectRef, actor_user_id: uuid.UUID | None
) -> ErasureResult:
    volunteers = find_volunteers(session, ref)
    ids = [v.id for v in volunteers]
    addresses = {v.email for v in volunteers if v.email}
    needles = addresses | {v.phone for v in volunteers if v.phone}
    mails = _mails_to(session, addresses) + _mentioning(session, needles, {str(i) for i in ids})
    mail_count = _blank_mails(session, mails)
    match_result = session.execute(
        update(Match)
        .where(col(Match.volunteer_id).in_(ids), col(Match.decline_reason).is_not(None))
        .values(decline_reason=None)
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    for volunteer in volunteers:
        for name, value in BLANK_VOLUNTEER.items():
            setattr(volunteer, name, value)
        volunteer.contact_again = False
        volunteer.purged_at = volunteer.purged_at or now
        session.add(volunteer)
    session.flush()
    for volunteer_id in ids:
        _audit(session, actor_user_id, AuditAction.DELETE, RecordType.VOLUNTEER, volunteer_id)
    return ErasureResult(
        kind=SubjectKind.VOLUNTEER,
        record_ids=[str(i) for i in ids],
        signups=len(ids),
        matches=int(match_result.rowcount or 0),  # type: ignore[attr-defined]
        mails=mail_count,
    )


def erase_resident(
    session: Session, ref: SubjectRef, actor_user_id: uuid.UUID | None
) -> ErasureResult:
    resident = find_resident(session, ref)
    resident_id = resident.id
    oproepen = _oproepen_of(session, resident_id)
    oproep_ids = [o.id for o in oproepen]
    organisations = sorted(
        {
            entry["organisation_name"]
            for entry in _dispatches(session, oproep_ids)
            if entry["status"] == DispatchStatus.SENT.value
        },
        key=str.casefold,
    )
    about_case = (
        session.exec(select(OutboxMail).where(col(OutboxMail.oproep_id).in_(oproep_ids))).all()
        if oproep_ids
        else []
    )
    needles = {resident.email or "", resident.phone}
    mails = (
        list(about_case)
        + _mails_to(session, {resident.email or ""})
        + _mentioning(session, needles, set())
    )
    mail_count = _blank_mails(session, mails)
    matches = 0
    if oproep_ids:
        matches = int(
            session.execute(
                update(Match)
                .where(col(Match.oproep_id).in_(oproep_ids), col(Match.decline_reason).is_not(None))
                .values(decline_reason=None)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]
            or 0
        )
    # The oproep stays for the counts, without its texts and without its resident.
    for oproep in oproepen:
        oproep.proposed_text = None
        oproep.text = None
        oproep.proposal_warnings = None
        oproep.resident_id = None
        session.add(oproep)
    session.flush()
    session.execute(delete(ResidentVeto).where(col(ResidentVeto.resident_id) == resident_id))
    session.delete(resident)
    session.flush()
    _audit(session, actor_user_id, AuditAction.DELETE, RecordType.RESIDENT, resident_id)
    return ErasureResult(
        kind=SubjectKind.RESIDENT,
        record_ids=[str(resident_id)],
        residents=1,
        oproepen=len(oproepen),
        matches=matches,
        mails=mail_count,
        organisations_to_notify=organisations,
    )


def erase_subject(
    session: Session, ref: SubjectRef, actor_user_id: uuid.UUID | None
) -> ErasureResult:
    if ref.kind == SubjectKind.RESIDENT:
        return erase_resident(session, ref, actor_user_id)
    return erase_volunteer(session, ref, actor_user_id)
