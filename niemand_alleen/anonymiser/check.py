"""The approval-time check of a (coordinator-edited) oproep text.

Part (a) is pure and fast: the resident's own fields and their variants block approval.
Part (b) needs a loaded :class:`~niemand_alleen.anonymiser.model.Detector` (the engine):
whatever deduce and our annotators still find is a warning the coordinator must confirm.
Findings carry the category and the position, never the value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from niemand_alleen.anonymiser.grouping import clusters
from niemand_alleen.anonymiser.lexicon import fold, normalise_input
from niemand_alleen.anonymiser.model import (
    MAX_SITUATIE_CHARS,
    Detector,
    Finding,
    Kind,
    ResidentFields,
    Severity,
    SituatieTooLongError,
    Span,
)
from niemand_alleen.anonymiser.own_fields import find_own_fields
from niemand_alleen.anonymiser.sentences import split_sentences


def _outermost(spans: list[Span]) -> list[Span]:
    """Drop spans contained in a longer one (a street inside "street + number")."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda item: (item.start, -item.end)):
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def check_text(
    fields: ResidentFields,
    text: str,
    anonymiser: Detector | None = None,
    *,
    wijk: str | None = None,
) -> list[Finding]:
    """Blocking findings for the resident's own fields; warnings for everything else.

    Without ``anonymiser`` only the blocking part runs (no deduce needed). Offsets refer
    to ``text`` after NFC normalisation and ``\\r\\n`` → ``\\n``.
    """
    if len(text) > MAX_SITUATIE_CHARS:
        raise SituatieTooLongError(len(text))
    text = normalise_input(text)
    if not text.strip():
        return []
    sentences = split_sentences(text)

    def number(position: int) -> int:
        for index, (_, end) in enumerate(sentences, start=1):
            if position < end:
                return index
        return max(1, len(sentences))

    own = _outermost(find_own_fields(fields, text))
    findings = [
        Finding("blocking", span.category, span.start, span.end, number(span.start), own=True)
        for span in own
    ]
    if anonymiser is None:
        return findings

    findings.extend(_warnings(fields, text, anonymiser, own, number, wijk))
    return sorted(findings, key=lambda finding: (finding.start, finding.end))


def _warnings(
    fields: ResidentFields,
    text: str,
    anonymiser: Detector,
    own: list[Span],
    number: Callable[[int], int],
    wijk: str | None,
) -> Iterator[Finding]:
    """What deduce and our annotators still find outside the resident's own fields: a
    warning, or blocking for deduce's fuzzy match of the resident's name."""
    taken = [(span.start, span.end) for span in own]
    nicknames = [
        span
        for span in find_own_fields(fields, text, nicknames=True)
        if span.category == "roepnaam"
    ]
    own_wijk = fold(wijk).strip() if wijk else None
    for group in clusters(text, nicknames + anonymiser.detect(fields, text)):
        if any(group.start < end and start < group.end for start, end in taken):
            continue
        value = text[group.start : group.end]
        if group.kind is Kind.AREA and own_wijk and fold(value).strip() == own_wijk:
            continue
        if group.kind is Kind.PLACE and anonymiser.keeps_place(value):
            continue
        # deduce's fuzzy match of the resident's name ("Jansn") blocks like an exact one
        severity: Severity = "blocking" if group.own and group.category == "naam" else "warning"
        yield Finding(
            severity, group.category, group.start, group.end, number(group.start), group.own
        )
