"""Approval-time check of an oproep text against the resident's own fields (pure, fast).

Runs in the web worker, so it never needs the heavy de-identification library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from niemand_alleen.models import Resident


@dataclass(frozen=True)
class ReviewFinding:
    label: str  # what kind of data, in Dutch
    found: str  # the text as it appears
    sentence: int  # 1-based sentence number


def _sentence_of(text: str, offset: int) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text[:offset])) + 1


def _own_terms(resident: Resident) -> list[tuple[str, re.Pattern[str]]]:
    terms: list[tuple[str, re.Pattern[str]]] = []

    def word(label: str, value: str | None) -> None:
        if value and len(value.strip()) > 1:
            terms.append((label, re.compile(rf"(?<!\w){re.escape(value.strip())}(?!\w)", re.I)))

    word("voornaam", resident.first_name)
    word("achternaam", resident.last_name)
    word("straat", resident.street)
    word("e-mailadres", resident.email)
    postcode = resident.postcode
    terms.append(("postcode", re.compile(rf"{postcode[:4]}\s*{postcode[4:]}", re.I)))
    digits = resident.phone.lstrip("+")
    national = "0" + digits[2:] if digits.startswith("31") else digits
    for variant in {digits, national}:
        pattern = r"[\s\-.()]*".join(re.escape(char) for char in variant)
        terms.append(("telefoonnummer", re.compile(rf"(?<!\d)(?:\+|00)?{pattern}(?!\d)")))
    year, month, day = resident.birth_date.split("-")
    terms.append(
        (
            "geboortedatum",
            re.compile(rf"(?<!\d)0?{int(day)}[-/. ]0?{int(month)}[-/. ]{year}(?!\d)"),
        )
    )
    return terms


def check(resident: Resident, text: str) -> tuple[list[ReviewFinding], list[ReviewFinding]]:
    """Blocking findings (the resident's own data) and warnings (other possible identifiers)."""
    blocking = [
        ReviewFinding(label=label, found=match.group(0), sentence=_sentence_of(text, match.start()))
        for label, pattern in _own_terms(resident)
        for match in pattern.finditer(text)
    ]
    return blocking, []
