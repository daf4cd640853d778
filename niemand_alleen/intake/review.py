"""What the coordinator sees when approving: blocking own-field findings and warnings.

Runs in the web worker: the blocking part is the anonymiser's pure own-field check; the
warnings come from the worker, which checked the same text with the loaded anonymiser.
"""

from __future__ import annotations

from dataclasses import dataclass

from niemand_alleen.anonymiser import check_text, marks, normalise_input
from niemand_alleen.intake.proposals import decode_warnings, resident_fields
from niemand_alleen.models import Oproep, Resident


@dataclass(frozen=True)
class ReviewFinding:
    label: str  # what kind of data, in Dutch
    found: str  # the words as they appear in the text (shown to the coordinator only)
    sentence: int  # 1-based sentence number


def blocking_findings(resident: Resident, text: str) -> list[ReviewFinding]:
    """The resident's own fields (or variants) in ``text``: these block approval."""
    normalised = normalise_input(text)
    return [
        ReviewFinding(finding.category, normalised[finding.start : finding.end], finding.sentence)
        for finding in check_text(resident_fields(resident), normalised)
        if finding.severity == "blocking"
    ]


def stored_warnings(oproep: Oproep) -> list[ReviewFinding]:
    """The worker's warnings for the proposed text as it was checked."""
    text = normalise_input(oproep.proposed_text or "")
    return [
        ReviewFinding(warning.category, text[warning.start : warning.end], warning.sentence)
        for warning in decode_warnings(oproep.proposal_warnings)
    ]


@dataclass(frozen=True)
class MarkedPiece:
    text: str
    reason: str | None  # why this piece is marked; None for plain text


def marked_text(text: str, wijk: str | None) -> list[MarkedPiece]:
    """``text`` in pieces, the words and numbers the machine was unsure of marked.

    Pure and without deduce (the vocabulary loads once per web worker, in well under a
    second): what the deny-by-default pass let through only because it is a known word
    but still looks like a name, and every number left in.
    """
    normalised = normalise_input(text)
    pieces: list[MarkedPiece] = []
    position = 0
    for mark in marks(normalised, keep=[wijk] if wijk else ()):
        if mark.start < position:
            continue
        pieces.append(MarkedPiece(normalised[position : mark.start], None))
        pieces.append(MarkedPiece(normalised[mark.start : mark.end], mark.reason))
        position = mark.end
    pieces.append(MarkedPiece(normalised[position:], None))
    return [piece for piece in pieces if piece.text]


def has_marks(pieces: list[MarkedPiece]) -> bool:
    return any(piece.reason for piece in pieces)


def same_text(submitted: str, proposed: str | None) -> bool:
    """Whether the coordinator approves exactly the text the worker checked."""
    return normalise_input(submitted).strip() == normalise_input(proposed or "").strip()
