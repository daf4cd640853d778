"""Sentences of a text: where each begins and ends (pure, shared by the rewriter and screen)."""

from __future__ import annotations

import re

from niemand_alleen.anonymiser.lexicon import ABBREVIATIONS, ACRONYMS, fold

_SPLIT_RE = re.compile(r"(?<=[.!?])(\s+)")
_CLAUSE_SPLIT_RE = re.compile(r"(?<=[.!?;])(\s+)")  # a semicolon ends a thought in a quick note
# Between the items of a quick note written on one line ("COPD / zoon in Breda - kat").
ITEM_SEPARATORS = (" / ", " | ", " - ")


def split_sentences(text: str, *, semicolons: bool = False) -> list[tuple[int, int]]:
    """Sentence spans, not splitting after abbreviations ("Dhr.", "geb.") or initials;
    with ``semicolons`` also after a semicolon (the units a quick note is written in)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in (_CLAUSE_SPLIT_RE if semicolons else _SPLIT_RE).finditer(text):
        before = text[start : match.start()]
        word = re.search(r"([\w'’\-]+)[.!?]*$", before)
        token = fold(word.group(1)).rstrip(".!?") if word else ""
        abbreviation = token in ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", token)
        if abbreviation and "\n" not in match.group():
            continue
        spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    for line_match in re.finditer(r"\n", text):  # a line break always ends a sentence
        position = line_match.start()
        for index, (first, last) in enumerate(spans):
            if first < position < last and text[first:position].strip():
                spans[index : index + 1] = [(first, position), (position + 1, last)]
                break
    return [(first, last) for first, last in spans if text[first:last].strip()]


def sentence_case(text: str) -> str:
    """A text written in CAPITALS, in lower case with a capital at each sentence start.

    Same length as ``text`` (offsets stay valid); acronyms of care ("COPD") keep their
    capitals. Names lose theirs: what follows treats the text as one without capitals.
    """
    chars = [lower if len(lower := char.lower()) == 1 else char for char in text]
    for start, _ in split_sentences(text):
        chars[start] = chars[start].upper() if len(chars[start].upper()) == 1 else chars[start]
    lowered = "".join(chars)
    return re.sub(
        r"\b[a-z]{2,5}\b",
        lambda match: match.group().upper() if match.group().upper() in ACRONYMS else match.group(),
        lowered,
    )
