"""Anonymise an aanmelding into an oproep (pure: no Flask, no database).

Importing this package is cheap and never imports deduce; constructing an
:class:`Anonymiser` loads it (seconds, about a gigabyte), so only the worker does that.

- :class:`ResidentFields`: the resident's own fields.
- :class:`Anonymiser`: ``Anonymiser(cache_dir)``, then ``.anonymise(fields, situatie,
  pc4=..., wijk=...)`` → :class:`AnonymisedOproep`, and ``.check(fields, text, wijk=...)``.
- :func:`check_text`: the approval-time check; the blocking part needs no deduce.
- :func:`warmup`: build deduce's lookup cache ahead of time.
- :func:`find_own_fields`: the pure own-field scrubber behind the blocking check.
"""

from niemand_alleen.anonymiser.check import check_text
from niemand_alleen.anonymiser.engine import Anonymiser, cache_file, warmup
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

__all__ = [
    "MAX_SITUATIE_CHARS",
    "AnonymisedOproep",
    "Anonymiser",
    "AnonymiserCacheError",
    "AnonymiserInputError",
    "Finding",
    "ResidentFields",
    "SituatieTooLongError",
    "cache_file",
    "check_text",
    "find_own_fields",
    "warmup",
]
