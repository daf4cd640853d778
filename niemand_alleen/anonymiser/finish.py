"""Tidying: apply the rewrite's edits and leave every sentence clean, dropping those
that only carried what was removed ("Tel.: …").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from niemand_alleen.anonymiser.lexicon import (
    CONTACT_FILLER,
    fold,
)
from niemand_alleen.anonymiser.persons import strip_possessive
from niemand_alleen.anonymiser.sentences import ITEM_SEPARATORS, split_sentences

GONE = "\x00"  # marks a removed item until the sentence is tidied


DROP = "\x01"  # marks a sentence that must go as a whole


@dataclass
class Edit:
    start: int
    end: int
    text: str
    role_removal: bool = False


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    ordered = sorted(edits, key=lambda edit: (edit.start, edit.end))
    pieces: list[str] = []
    cursor = 0
    for edit in ordered:
        start = max(edit.start, cursor)
        if edit.end < start or (edit.end == start and edit.start < cursor):
            continue
        pieces.append(text[cursor:start])
        pieces.append(edit.text)
        cursor = max(cursor, edit.end)
    pieces.append(text[cursor:])
    return "".join(pieces)


_EXTRA_FILLER = frozenset(
    [
        "wordt",
        "werd",
        "genoemd",
        "noemt",
        "noemen",
        "heet",
        "bekend",
        "gegeven",
        "doorgegeven",
        "hieronder",
    ]
)


def _clean_sentence(sentence: str) -> str | None:
    if DROP in sentence:
        return None
    if GONE in sentence:
        sentence = re.sub(r"\(\s*" + GONE + r"\s*\)", GONE, sentence)
        sentence = re.sub(GONE + r"(?:\s*(?:,|of|en|/)\s*" + GONE + ")+", GONE, sentence)
        sentence = re.sub(
            r"\s*\b(?:op|via|naar|met|als|onder)\s*"
            + GONE
            + r"(?=\s*(?:[.,;:!?)]|$|(?:en|of|maar)\b))",
            GONE,
            sentence,
            flags=re.IGNORECASE,
        )
        if re.fullmatch(r"[^:]{0,60}:\s*[" + GONE + r"\s,.;]*", sentence.strip()):
            return None
        words = [
            strip_possessive(fold(word))
            for word in re.findall(r"[\w'’\-]+", sentence.replace(GONE, " "))
        ]
        if all(word in CONTACT_FILLER or word in _EXTRA_FILLER for word in words):
            return None
        sentence = sentence.replace(GONE, "")
    return sentence


_PART_SEPARATORS = (";", *ITEM_SEPARATORS)


def _clean_parts(sentence: str) -> str | None:
    """A quick note written in parts ("COPD; zoon Ruud; BSN ...") loses only the parts
    that carried what was removed, not the whole sentence."""
    separator = next((mark for mark in _PART_SEPARATORS if mark in sentence), None)
    if separator is None:
        return _clean_sentence(sentence)
    parts = [_clean_sentence(part) for part in sentence.split(separator)]
    kept = [part.strip() for part in parts if part is not None and re.search(r"\w", part)]
    if not kept:
        return None
    ending = re.search(r"[.!?]\s*$", sentence)
    joined = (separator if separator.startswith(" ") else separator + " ").join(kept)
    return joined + ("." if ending and not re.search(r"[.!?]\s*$", joined) else "")


def _tidy(sentence: str) -> str:
    sentence = re.sub(r"\(\s*\)", "", sentence)
    sentence = re.sub(r"[ \t]+", " ", sentence)
    sentence = re.sub(r"\s+([,.;:!?)])", r"\1", sentence)
    sentence = re.sub(r"\(\s+", "(", sentence)
    sentence = re.sub(r",(?:\s*,)+", ",", sentence)
    sentence = re.sub(r"[,;:]\s*([.!?])", r"\1", sentence)
    sentence = re.sub(r"([.!?])\s*[,;]", r"\1", sentence)
    sentence = re.sub(r"^\s*[,;:.]\s*", "", sentence)
    sentence = re.sub(r"\s*[,;:]\s*$", "", sentence)
    return sentence.strip()


def finish(text: str, capitalise: bool) -> str:
    out: list[str] = []
    spans = split_sentences(text)
    for index, (start, end) in enumerate(spans):
        cleaned = _clean_parts(text[start:end])
        if cleaned is None:
            continue
        cleaned = _tidy(cleaned)
        if not re.search(r"\w", cleaned):
            continue
        if capitalise and cleaned[0].islower():
            cleaned = cleaned[0].upper() + cleaned[1:]
        if cleaned[-1] not in ".!?)\"'" and re.search(r"[.!?]\s*$", text[start:end]):
            cleaned += "."
        separator = ""
        if out:
            gap = text[spans[index - 1][1] : start]
            separator = "\n\n" if "\n\n" in gap else "\n" if "\n" in gap else " "
        out.append(separator + cleaned)
    return "".join(out).strip()


def mostly_capitalised(text: str) -> bool:
    starts = [text[start:end].lstrip()[:1] for start, end in split_sentences(text)]
    letters = [char for char in starts if char.isalpha()]
    return bool(letters) and sum(char.isupper() for char in letters) * 2 >= len(letters)
