"""Finding: the spans that deduce and our rules found, grouped into what to replace.

Overlapping spans become one group with the kind of its best member; a first name and
surname next to each other, or a street and its number, become one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from niemand_alleen.anonymiser.lexicon import (
    TUSSENVOEGSELS,
    fold,
)
from niemand_alleen.anonymiser.model import Kind, Span

_RANK = {
    Kind.IDENTIFIER: 9, Kind.CONTACT: 9, Kind.BIRTH_DATE: 8, Kind.STREET: 7,
    Kind.ADDRESS_PART: 7, Kind.INSTITUTION: 6, Kind.AREA: 5, Kind.DATE: 4, Kind.NAME: 3,
    Kind.PLACE: 2, Kind.AGE: 1,
}  # fmt: skip


_ADDRESSISH = {Kind.STREET, Kind.ADDRESS_PART}


@dataclass
class Group:
    start: int
    end: int
    kind: Kind
    category: str
    own: bool
    members: list[Span] = field(default_factory=list)


_LOCATIVE_LEFT_RE = re.compile(r"\b(?:in|uit|naar|vanuit|richting|nabij|te|bij)\s+$", re.IGNORECASE)


def clusters(text: str, spans: Iterable[Span]) -> list[Group]:
    """Merge overlapping spans; each cluster takes the kind of its best member."""
    ordered = sorted(spans, key=lambda span: (span.start, -span.end))
    groups: list[Group] = []
    for span in ordered:
        if groups and span.start < groups[-1].end:
            group = groups[-1]
            group.end = max(group.end, span.end)
            group.members.append(span)
        else:
            groups.append(Group(span.start, span.end, span.kind, span.category, span.own, [span]))
    for group in groups:
        locative = bool(_LOCATIVE_LEFT_RE.search(text[max(0, group.start - 12) : group.start]))

        def rank(span: Span, locative: bool = locative) -> int:
            if locative and span.kind in {Kind.PLACE, Kind.AREA}:
                return 10  # "woont in Den Haag": a place, not the surname "Haag"
            return _RANK[span.kind]

        best = max(
            group.members,
            key=lambda span: (span.end - span.start, span.own, rank(span)),
        )
        group.kind, group.category = best.kind, best.category
        group.own = any(member.own for member in group.members)
    return groups


_NAME_GAP_RE = re.compile(r"^(?:[\s\-]*|\s*(?:[A-Z]\.\s*)+|\s+(?:[a-z']{1,3}\s+){1,3})$")


_ADDRESS_GAP_RE = re.compile(r"^\s*,?\s*(?:(?:nr|nummer|no)\.?\s*)?$", re.IGNORECASE)


def join_adjacent(text: str, groups: list[Group]) -> list[Group]:
    joined: list[Group] = []
    for group in groups:
        if joined:
            last = joined[-1]
            gap = text[last.end : group.start]
            names = last.kind is Kind.NAME and group.kind is Kind.NAME
            if (
                names
                and _NAME_GAP_RE.match(gap)
                and (
                    not gap.strip()
                    or "-" in gap
                    or all(
                        fold(word) in TUSSENVOEGSELS or re.fullmatch(r"[A-Z]\.", word)
                        for word in gap.split()
                    )
                )
            ):
                last.end = group.end
                last.members.extend(group.members)
                last.own = last.own or group.own
                continue
            address = last.kind in _ADDRESSISH and group.kind in (
                _ADDRESSISH | {Kind.PLACE, Kind.AREA}
            )
            if address and _ADDRESS_GAP_RE.match(gap):
                last.end = group.end
                last.members.extend(group.members)
                last.own = last.own or group.own
                if group.kind is Kind.STREET:
                    last.kind = Kind.STREET
                continue
        joined.append(group)
    return joined
