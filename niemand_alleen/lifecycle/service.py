"""Moving an oproep: the one place that assigns its status.

``move_oproep`` checks the move against the table in ``states``, sets the timestamps that
belong to it, writes the audit event and then runs what other features registered for the
new state (``on_entering``: e.g. distribution asks the organisations to stop forwarding a
cancelled oproep). Takes the session and flushes; the caller's request or job commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from niemand_alleen.audit import AuditDetail, RecordType, details, record_saved
from niemand_alleen.config import Settings
from niemand_alleen.lifecycle.states import Move, target_of
from niemand_alleen.models import Oproep, OproepStatus, utcnow

# What a feature does when an oproep enters a state: (session, settings, oproep, actor).
EnteringHook = Callable[[Session, Settings, Oproep, "uuid.UUID | None"], object]

_ENTERING: dict[OproepStatus, dict[str, EnteringHook]] = {status: {} for status in OproepStatus}


def on_entering(status: OproepStatus, name: str, hook: EnteringHook) -> None:
    """Run ``hook`` after every move into ``status``; registering a name again replaces it
    (the app factory may run more than once in a process)."""
    _ENTERING[status][name] = hook


def _stamp(oproep: Oproep, move: Move, now: datetime, actor_id: uuid.UUID | None) -> None:
    if move == Move.APPROVE:
        oproep.approved_at = now
        oproep.approved_by_id = actor_id
    elif move == Move.SEND:
        oproep.sent_at = now
    elif move in (Move.CLOSE, Move.CANCEL):
        oproep.closed_at = now
    elif move == Move.REOPEN:
        oproep.closed_at = None
        oproep.no_candidates_at = None
        oproep.coordinator_reminded_at = None
    elif move == Move.MATCH:
        oproep.matched_at = now


def move_oproep(
    session: Session,
    settings: Settings,
    oproep: Oproep,
    move: Move,
    *,
    actor_id: uuid.UUID | None,
    detail: AuditDetail | None = None,
    now: datetime | None = None,
) -> Oproep:
    """Make ``move``; raises ``MoveRefused`` (nothing changed) when the table forbids it.

    ``detail`` goes into the audit event (from ``audit.details``: counts, never text); it
    defaults to the move's Dutch word."""
    oproep.status = target_of(move, oproep.status)
    _stamp(oproep, move, now or utcnow(), actor_id)
    record_saved(
        session,
        oproep,
        actor_user_id=actor_id,
        record_type=RecordType.OPROEP,
        detail=detail or details.oproep_moved(move.value),
    )
    for hook in _ENTERING[oproep.status].values():
        hook(session, settings, oproep, actor_id)
    return oproep
