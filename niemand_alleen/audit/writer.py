"""Writing an audit event: who did what to which record, never the data itself. The detail
is a Dutch phrase from the vocabulary in ``details``; nothing else is accepted."""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlmodel import Session

from niemand_alleen.audit.details import AuditDetail
from niemand_alleen.audit.records import RecordType
from niemand_alleen.models import AuditAction, AuditEvent


def record_audit(
    session: Session,
    *,
    actor_user_id: uuid.UUID | None,
    action: AuditAction,
    record_type: RecordType,
    record_id: str | None,
    outcome: str = "ok",
    detail: AuditDetail | None = None,
) -> AuditEvent:
    """Add the event to the caller's transaction (flushed, not committed)."""
    if detail is not None and not isinstance(detail, AuditDetail):
        raise TypeError("an audit detail comes from niemand_alleen.audit.details, not a text")
    event = AuditEvent(
        actor_user_id=actor_user_id,
        action=action,
        record_type=RecordType(record_type),
        record_id=record_id,
        outcome=outcome,
        detail=detail.text if detail is not None else None,
    )
    session.add(event)
    session.flush()
    return event


class _Row(Protocol):
    @property
    def id(self) -> object: ...


def record_saved(
    session: Session,
    row: _Row,
    *,
    actor_user_id: uuid.UUID | None,
    record_type: RecordType,
    detail: AuditDetail | None = None,
    action: AuditAction = AuditAction.UPDATE,
) -> AuditEvent:
    """Add the changed row to the session, flush it and record the event about it."""
    session.add(row)
    session.flush()
    return record_audit(
        session,
        actor_user_id=actor_user_id,
        action=action,
        record_type=record_type,
        record_id=str(row.id),
        detail=detail,
    )
