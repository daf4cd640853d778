"""An oproep's life: its states, the allowed moves between them (a table, ``states``) and
the one function that moves an oproep (``service.move_oproep``). Every feature that changes
an oproep's status calls ``move_oproep``; features that must act when an oproep enters a
state register with ``on_entering`` at app creation."""

from niemand_alleen.lifecycle.service import EnteringHook, move_oproep, on_entering
from niemand_alleen.lifecycle.states import (
    OPROEP_STATUS_LABELS,
    TRANSITIONS,
    Move,
    MoveRefused,
    Transition,
    target_of,
)

__all__ = [
    "OPROEP_STATUS_LABELS",
    "TRANSITIONS",
    "EnteringHook",
    "Move",
    "MoveRefused",
    "Transition",
    "move_oproep",
    "on_entering",
    "target_of",
]
