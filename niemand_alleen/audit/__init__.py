"""The audit log: writing events (``record_audit``), its vocabulary, and the beheerder's
review of it (filter, page through and export as CSV).

R1.11: logging alone is not enough; the log must be reviewed. The log holds who, what,
which record and when, never the data itself, and exporting it is itself logged. What an
event's detail may say is the Dutch vocabulary in ``details`` (``details.oproep_sent(3)``).
"""

from flask import Flask

from niemand_alleen.audit import details
from niemand_alleen.audit.details import AuditDetail
from niemand_alleen.audit.records import ACTION_LABELS, OUTCOME_LABELS, RECORD_LABELS, RecordType
from niemand_alleen.audit.writer import record_audit, record_saved
from niemand_alleen.models import AuditAction

__all__ = [
    "ACTION_LABELS",
    "OUTCOME_LABELS",
    "RECORD_LABELS",
    "AuditAction",
    "AuditDetail",
    "RecordType",
    "details",
    "init_app",
    "record_audit",
    "record_saved",
]


def init_app(app: Flask) -> None:
    """Register the beheerder's audit pages."""
    from niemand_alleen.audit import views

    app.register_blueprint(views.bp)
