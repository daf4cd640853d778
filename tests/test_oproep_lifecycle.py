"""An oproep's life: every move in the table works from each of its sources, every other
(state, move) pair is refused with a Dutch message and changes nothing; the status is
assigned in exactly one module."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from flask import Flask
from oproep_support import checked_proposal
from sqlmodel import Session, select
from support import MakeUser

from niemand_alleen.lifecycle import TRANSITIONS, Move, MoveRefused, move_oproep, on_entering
from niemand_alleen.models import AuditEvent, Oproep, OproepStatus

PACKAGE = Path(__file__).resolve().parents[1] / "niemand_alleen"
TIMESTAMPS = {
    Move.APPROVE: "approved_at",
    Move.SEND: "sent_at",
    Move.CLOSE: "closed_at",
    Move.MATCH: "matched_at",
    Move.CANCEL: "closed_at",
}
# What the audit log says about each move (its detail, in Dutch).
LOGGED = {
    Move.APPROVE: "goedgekeurd",
    Move.SEND: "verstuurd",
    Move.CLOSE: "gesloten",
    Move.REOPEN: "weer geopend",
    Move.MATCH: "gekoppeld",
    Move.CANCEL: "gestopt",
}


def test_every_move_has_its_dutch_words_in_the_audit_log() -> None:
    assert set(LOGGED) == set(Move)


def oproep_in(session: Session, status: OproepStatus) -> Oproep:
    oproep = checked_proposal(session, "Een vrouw van in de 80 zoekt een goede buur.")
    oproep.status = status  # a test fixture, not a move
    session.add(oproep)
    session.commit()
    return oproep


@pytest.mark.parametrize(
    ("move", "source"),
    [(move, source) for move, t in TRANSITIONS.items() for source in sorted(t.sources)],
)
def test_every_allowed_move_works(
    app: Flask, db_session: Session, make_user: MakeUser, move: Move, source: OproepStatus
) -> None:
    coordinator = make_user()
    oproep = oproep_in(db_session, source)
    with app.app_context():
        move_oproep(db_session, app.config["SETTINGS"], oproep, move, actor_id=coordinator.id)
    db_session.commit()
    db_session.refresh(oproep)
    assert oproep.status == TRANSITIONS[move].target
    if move in TIMESTAMPS:
        assert getattr(oproep, TIMESTAMPS[move]) is not None
    if move == Move.REOPEN:
        assert oproep.closed_at is None
    event = db_session.exec(select(AuditEvent).where(AuditEvent.record_id == str(oproep.id))).one()
    assert (event.record_type, event.detail, event.actor_user_id) == (
        "oproep",
        LOGGED[move],
        coordinator.id,
    )


@pytest.mark.parametrize(
    ("move", "source"),
    [
        (move, source)
        for move, source in itertools.product(Move, OproepStatus)
        if source not in TRANSITIONS[move].sources
    ],
)
def test_every_other_move_is_refused_and_changes_nothing(
    app: Flask, db_session: Session, move: Move, source: OproepStatus
) -> None:
    oproep = oproep_in(db_session, source)
    with app.app_context(), pytest.raises(MoveRefused) as refused:
        move_oproep(db_session, app.config["SETTINGS"], oproep, move, actor_id=None)
    assert refused.value.message == TRANSITIONS[move].refusal
    assert refused.value.message.endswith(".")
    db_session.rollback()
    db_session.refresh(oproep)
    assert oproep.status == source
    assert db_session.exec(select(AuditEvent)).all() == []


def test_features_act_when_an_oproep_enters_a_state(app: Flask, db_session: Session) -> None:
    entered: list[tuple[OproepStatus, object]] = []
    on_entering(
        OproepStatus.APPROVED,
        "test.lifecycle",
        lambda _session, _settings, oproep, actor: entered.append((oproep.status, actor)),
    )
    try:
        oproep = oproep_in(db_session, OproepStatus.DRAFT)
        with app.app_context():
            move_oproep(db_session, app.config["SETTINGS"], oproep, Move.APPROVE, actor_id=None)
        assert entered == [(OproepStatus.APPROVED, None)]
    finally:
        on_entering(OproepStatus.APPROVED, "test.lifecycle", lambda *_: None)


def test_the_status_is_assigned_in_one_module() -> None:
    """``oproep.status = ...`` (or ``status=`` in an update of oproep) only in lifecycle."""
    assigning = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "status"
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "oproep"
                ):
                    assigning.add(str(path.relative_to(PACKAGE)))
    assert assigning == {"lifecycle/service.py"}
