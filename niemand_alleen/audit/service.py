"""Querying the audit log (no Flask)."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from niemand_alleen.audit.details import shown_detail
from niemand_alleen.audit.records import ACTION_LABELS, OUTCOME_LABELS, RECORD_LABELS, RecordType
from niemand_alleen.dates import short_date
from niemand_alleen.models import LOCAL_TIMEZONE, AuditAction, AuditEvent, User

LOCAL = LOCAL_TIMEZONE
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    action: AuditAction | None = None
    record_type: str | None = None
    actor_user_id: uuid.UUID | None = None
    since: date | None = None  # local dates, inclusive
    until: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL)


def _filtered(query, audit_filter: AuditFilter):  # type: ignore[no-untyped-def]
    if audit_filter.action is not None:
        query = query.where(AuditEvent.action == audit_filter.action)
    if audit_filter.record_type:
        query = query.where(AuditEvent.record_type == audit_filter.record_type)
    if audit_filter.actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == audit_filter.actor_user_id)
    if audit_filter.since is not None:
        query = query.where(col(AuditEvent.at) >= _local_midnight(audit_filter.since))
    if audit_filter.until is not None:
        query = query.where(
            col(AuditEvent.at) < _local_midnight(audit_filter.until + timedelta(days=1))
        )
    return query


def count_events(session: Session, audit_filter: AuditFilter) -> int:
    query = _filtered(select(func.count()).select_from(AuditEvent), audit_filter)
    return int(session.exec(query).one())


def find_events(
    session: Session, audit_filter: AuditFilter, *, page: int = 1, page_size: int = PAGE_SIZE
) -> list[AuditEvent]:
    query = _filtered(select(AuditEvent), audit_filter).order_by(
        col(AuditEvent.at).desc(), col(AuditEvent.id).desc()
    )
    return list(session.exec(query.offset((page - 1) * page_size).limit(page_size)).all())


def actor_names(session: Session) -> dict[uuid.UUID, str]:
    return {user.id: user.name for user in session.exec(select(User)).all()}


def export_csv(session: Session, audit_filter: AuditFilter) -> str:
    """All matching events as CSV for Dutch Excel: UTF-8 with a BOM, semicolons, Dutch
    headers, local times and the Dutch words of actions, record types, outcomes and details."""
    names = actor_names(session)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["tijdstip", "medewerker", "actie", "soort", "record", "uitkomst", "detail"])
    query = _filtered(select(AuditEvent), audit_filter).order_by(
        col(AuditEvent.at), col(AuditEvent.id)
    )
    for event in session.exec(query.execution_options(yield_per=500)):
        writer.writerow(
            [
                short_date(event.at, seconds=True),
                _spreadsheet_safe(
                    names.get(event.actor_user_id, "") if event.actor_user_id else ""
                ),
                ACTION_LABELS.get(event.action, event.action.value),
                _record_label(event.record_type),
                event.record_id or "",
                OUTCOME_LABELS.get(event.outcome, event.outcome),
                _spreadsheet_safe(shown_detail(event.detail)),
            ]
        )
    return buffer.getvalue()


def _record_label(record_type: str) -> str:
    try:
        return RECORD_LABELS[RecordType(record_type)]
    except ValueError:
        return record_type


def _spreadsheet_safe(value: str) -> str:
    """Spreadsheets run cells that start with these characters as formulas (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
