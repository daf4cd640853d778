"""Anonymise an aanmelding into an oproep (pure: no Flask, no database).

Importing this package is cheap and never imports deduce; constructing an
:class:`Anonymiser` loads it (seconds, about a gigabyte), so only the worker does that.

- :class:`ResidentFields`: the resident's own fields.
- :class:`Anonymiser`: ``Anonymiser(cache_dir)``, then ``.anonymise(fields, situatie,
  pc4=..., wijk=...)`` → :class:`AnonymisedOproep`, and ``.check(fields, text, wijk=...)``.
- :func:`check_text`: the approval-time check; the blocking part needs no deduce.
- :func:`warmup`: build deduce's lookup cache ahead of time.
- :func:`find_own_fields`: the pure own-field scrubber behind the blocking check.
- :func:`marks`: what a coordinator should read again in a text (pure, no deduce).
- :func:`normalise_input`: the text as the anonymiser reads it (NFC, ``\\n`` line ends).

Module map (ground floor first):

- ``model``: plain data (the resident's fields, findings, the result).
- ``lexicon``: Dutch word lists and text folding.
- ``vocabulary``: ordinary words (wordfreq), names and domain words (deduce's lists).
- ``sentences``: where sentences begin and end; sentence case for ALL CAPS.
- ``own_fields``: finds the resident's own fields and their variants (pure).
- ``annotators``: our additions to deduce (loaded with it, in the worker only).
- ``grouping``: finding: the spans found, grouped into what to replace.
- ``persons``: deciding: whose name a group is, and the gender the text suggests.
- ``rewrite``: phrasing: what was found in plain Dutch ("haar dochter", "in de 80").
- ``finish``: applies the rewrite's edits and tidies each sentence.
- ``screen``: deny by default over the rewrite's output, and the coordinator's marks.
- ``guard``: drops a sentence that a rewrite left broken.
- ``check``: the approval-time check of an edited text.
- ``engine``: deduce loaded once, and the pipeline above in order.
"""

from niemand_alleen.anonymiser.check import check_text
from niemand_alleen.anonymiser.engine import Anonymiser, cache_file, warmup
from niemand_alleen.anonymiser.lexicon import normalise_input
from niemand_alleen.anonymiser.model import (
    MAX_SITUATIE_CHARS,
    AnonymisedOproep,
    AnonymiserCacheError,
    AnonymiserInputError,
    Finding,
    ResidentFields,
    SituatieTooLongError,
)
from niemand_alleen.anonymiser.own_fields import find_own_fields
from niemand_alleen.anonymiser.screen import Mark, marks

__all__ = [
    "MAX_SITUATIE_CHARS",
    "AnonymisedOproep",
    "Anonymiser",
    "AnonymiserCacheError",
    "AnonymiserInputError",
    "Finding",
    "Mark",
    "ResidentFields",
    "SituatieTooLongError",
    "cache_file",
    "check_text",
    "find_own_fields",
    "marks",
    "normalise_input",
    "warmup",
]
