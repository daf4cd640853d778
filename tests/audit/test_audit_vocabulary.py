"""The audit log's vocabulary is complete: every record type and action has a Dutch label,
and the package writes audit events only through ``niemand_alleen.audit``."""

from __future__ import annotations

import ast
from pathlib import Path

from niemand_alleen.audit import ACTION_LABELS, RECORD_LABELS, AuditAction, RecordType

PACKAGE = Path(__file__).resolve().parents[2] / "niemand_alleen"


def test_every_record_type_and_action_has_a_dutch_label() -> None:
    assert set(RECORD_LABELS) == set(RecordType)
    assert set(ACTION_LABELS) == set(AuditAction)
    assert all(label and label[0].isupper() for label in [*RECORD_LABELS.values()])


def test_audit_events_are_only_made_by_the_audit_writer() -> None:
    """``AuditEvent(...)`` appears in one place; everyone else calls ``record_audit``."""
    makers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "AuditEvent"
            ):
                makers.append(str(path.relative_to(PACKAGE)))
    assert makers == ["audit/writer.py"]
