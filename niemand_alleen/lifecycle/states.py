"""An oproep's states and the moves between them, as a table. Pure: no Flask, no database.

draft --approve--> approved --send--> open --close--> closed --match--> matched
                                        ^               |
                                        +----reopen-----+
draft, approved, open, closed --cancel--> cancelled
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from niemand_alleen.models import OproepStatus

OPROEP_STATUS_LABELS: dict[OproepStatus, str] = {
    OproepStatus.DRAFT: "Concept",
    OproepStatus.APPROVED: "Klaar voor verzending",
    OproepStatus.OPEN: "Verzonden",
    OproepStatus.CLOSED: "Gesloten",
    OproepStatus.MATCHED: "Gematcht",
    OproepStatus.CANCELLED: "Geannuleerd",
}


class Move(enum.StrEnum):
    APPROVE = "approve"
    SEND = "send"
    CLOSE = "close"
    REOPEN = "reopen"
    MATCH = "match"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[OproepStatus]
    target: OproepStatus
    refusal: str  # why the move cannot be made from any other state, in Dutch


TRANSITIONS: dict[Move, Transition] = {
    Move.APPROVE: Transition(
        frozenset({OproepStatus.DRAFT}),
        OproepStatus.APPROVED,
        "Alleen een concept kan goedgekeurd worden.",
    ),
    Move.SEND: Transition(
        frozenset({OproepStatus.APPROVED}),
        OproepStatus.OPEN,
        "Alleen een goedgekeurde oproep kan verstuurd worden.",
    ),
    Move.CLOSE: Transition(
        frozenset({OproepStatus.OPEN}),
        OproepStatus.CLOSED,
        "Alleen een lopende oproep kan gesloten worden.",
    ),
    Move.REOPEN: Transition(
        frozenset({OproepStatus.CLOSED}),
        OproepStatus.OPEN,
        "Alleen een gesloten oproep kan weer open.",
    ),
    Move.MATCH: Transition(
        frozenset({OproepStatus.CLOSED}),
        OproepStatus.MATCHED,
        "Alleen een gesloten oproep kan afgerond worden met goede buren.",
    ),
    Move.CANCEL: Transition(
        frozenset(
            {OproepStatus.DRAFT, OproepStatus.APPROVED, OproepStatus.OPEN, OproepStatus.CLOSED}
        ),
        OproepStatus.CANCELLED,
        "Deze oproep is al afgerond of gestopt.",
    ),
}


class MoveRefused(ValueError):
    """The move is not allowed from the oproep's current state; ``message`` is Dutch."""

    def __init__(self, move: Move, current: OproepStatus) -> None:
        self.move = move
        self.current = current
        self.message = TRANSITIONS[move].refusal
        super().__init__(f"{move.value} from {current.value}: {self.message}")


def target_of(move: Move, current: OproepStatus) -> OproepStatus:
    """The state after ``move``, or ``MoveRefused`` when it cannot be made from ``current``."""
    transition = TRANSITIONS[move]
    if current not in transition.sources:
        raise MoveRefused(move, current)
    return transition.target
