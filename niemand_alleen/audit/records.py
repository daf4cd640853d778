"""The audit log's vocabulary: what kind of record an event is about, what was done, and
their Dutch labels. Pure: no Flask, no database. Nothing else defines audit strings."""

from __future__ import annotations

import enum

from niemand_alleen.models import AuditAction


class RecordType(enum.StrEnum):
    """What an audit event is about. The values are stored; add, never rename."""

    RESIDENT = "resident"
    OPROEP = "oproep"
    USER = "user"
    AUDIT_LOG = "audit_log"
    VOLUNTEER = "volunteer"
    VOLUNTEER_UNCONFIRMED = "volunteer_unconfirmed"  # the retention purge of unconfirmed ones
    MATCH = "match"
    ORGANISATION = "organisation"
    OUTBOX_MAIL = "outbox_mail"
    AUDIT_EVENT = "audit_event"  # the retention purge of the audit log itself
    EVALUATION = "evaluation"
    QUESTIONNAIRE_ANSWER = "questionnaire_answer"  # the retention purge of open answers


ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.VIEW: "Bekeken",
    AuditAction.CREATE: "Aangemaakt",
    AuditAction.UPDATE: "Gewijzigd",
    AuditAction.DELETE: "Verwijderd",
    AuditAction.EXPORT: "Geëxporteerd",
    AuditAction.LOGIN: "Ingelogd",
    AuditAction.LOGIN_FAILED: "Inloggen mislukt",
    AuditAction.LOGOUT: "Uitgelogd",
    AuditAction.DENIED: "Geweigerd",
}

# An event's outcome as stored ("ok", "denied") and as the beheerder reads it.
OUTCOME_LABELS: dict[str, str] = {"ok": "in orde", "denied": "geweigerd"}

RECORD_LABELS: dict[RecordType, str] = {
    RecordType.RESIDENT: "Aanmelding (bewoner)",
    RecordType.OPROEP: "Oproep",
    RecordType.USER: "Account",
    RecordType.AUDIT_LOG: "Auditlog",
    RecordType.VOLUNTEER: "Aanmelding (goede buur)",
    RecordType.VOLUNTEER_UNCONFIRMED: "Aanmelding (goede buur, niet bevestigd)",
    RecordType.MATCH: "Voorstel / match",
    RecordType.ORGANISATION: "Organisatie",
    RecordType.OUTBOX_MAIL: "Mail",
    RecordType.AUDIT_EVENT: "Auditlog (opgeschoond)",
    RecordType.EVALUATION: "Evaluatie",
    RecordType.QUESTIONNAIRE_ANSWER: "Vragenlijst (open antwoord)",
}
