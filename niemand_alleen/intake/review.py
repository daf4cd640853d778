"""What the coordinator sees when approving: blocking own-field findings and warnings.

Runs in the web worker: the blocking part is the anonymiser's pure own-field check; the
warnings come from the worker, which checked the same text with the loaded anonymiser.
"""

from __future__ import annotations

from dataclasses import dataclass

from niemand_alleen.anonymiser import check_text
from niemand_alleen.anonymiser.lexicon import normalise_input
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


def same_text(submitted: str, proposed: str | None) -> bool:
    """Whether the coordinator approves exactly the text the worker checked."""
    return normalise_input(submitted).strip() == normalise_input(proposed or "").strip()
