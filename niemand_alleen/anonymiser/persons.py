"""Deciding: whose name a group is (the resident's or someone else's), and the gender
the text suggests, so the rewrite can say "mevrouw" or "haar dochter".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from niemand_alleen.anonymiser.grouping import Group
from niemand_alleen.anonymiser.lexicon import (
    FEMALE_TITLES,
    GENDER_CUES,
    TITLE_RE,
    TUSSENVOEGSELS,
    fold,
)


@dataclass(frozen=True)
class RewriteContext:
    first_names: frozenset[str]  # folded words of the resident's first name(s)
    nicknames: frozenset[str]  # folded short forms (table + declared in the text)
    surname_words: frozenset[str]  # folded core words of the surname
    keep_places: frozenset[str]  # folded municipality/province/country names to keep
    wijk: str | None  # folded name of the resident's own wijk (it is published anyway)


def infer_gender(text: str) -> str | None:
    """ "f", "m" or None, from titles and pronouns in the text (weighted)."""
    female = male = 0
    for regex, gender, weight in GENDER_CUES:
        count = len(regex.findall(text)) * weight
        if gender == "f":
            female += count
        else:
            male += count
    if female > male:
        return "f"
    if male > female:
        return "m"
    return None


def title_gender(title: str) -> str | None:
    folded = fold(title).rstrip(".").strip()
    if folded in FEMALE_TITLES:
        return "f"
    if folded in {"meneer", "mijnheer", "dhr", "de heer", "heer", "mnr", "mr"}:
        return "m"
    return None


def title_word(title: str) -> str:
    folded = fold(title).rstrip(".").strip()
    if folded == "heer":
        return "heer"
    if folded == "de heer":
        return "de heer"
    gender = title_gender(title)
    if gender == "f":
        return "mevrouw"
    if gender == "m":
        return "meneer"
    return "de dokter" if folded in {"dokter", "dr"} else ""


def name_tokens(text: str) -> list[str]:
    tokens = []
    for word in re.findall(r"[^\W\d_][\w'’]*", text):
        folded = fold(word)
        if folded in TUSSENVOEGSELS or TITLE_RE.fullmatch(word) or len(word) == 1:
            continue
        tokens.append(folded)
    return tokens


def strip_possessive(token: str) -> str:
    return re.sub(r"(?:'s|')$", "", token)


def damerau1(first: str, second: str) -> bool:
    if first == second:
        return True
    if abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        diffs = [index for index, (a, b) in enumerate(zip(first, second, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and first[diffs[0]] == second[diffs[1]]
            and first[diffs[1]] == second[diffs[0]]
        )
    shorter, longer = sorted((first, second), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def is_resident_token(token: str, context: RewriteContext) -> bool:
    token = strip_possessive(token)
    if token in context.first_names or token in context.nicknames:
        return True
    for name in context.first_names:
        if token.endswith("s") and token[:-1] == name:
            return True
        if 2 <= len(token) <= len(name) - 2 and name.startswith(token):
            return True
        if len(name) > 3 and damerau1(token, name):
            return True
        if len(token) >= 3 and token[:3] in name and token[0] == name[0]:
            return True
    return False


def is_resident_group(text: str, group: Group, context: RewriteContext) -> bool:
    tokens = name_tokens(text[group.start : group.end])
    if not tokens:
        return group.own
    first = tokens[0]
    if is_resident_token(first, context):
        return True
    surname_hit = any(
        member.own and member.category == "achternaam" and member.start <= group.start + 1
        for member in group.members
    )
    first_is_surname = strip_possessive(first) in context.surname_words or any(
        len(word) > 3 and damerau1(strip_possessive(first), word) for word in context.surname_words
    )
    return bool(first_is_surname or surname_hit)


def is_possessive(text: str, group: Group, context: RewriteContext) -> bool:
    raw = text[group.start : group.end]
    if re.search(r"['’]s?$", raw):
        return True
    last = fold(raw.split()[-1]) if raw.split() else ""
    return last.endswith("s") and last[:-1] in context.first_names
