"""Translatable sentences in code without Flask (validation, the sign-up answers).

``_`` looks a Dutch sentence up in the translations of the page being answered, which the
web layer hands over once with ``use_translator`` (``niemand_alleen.i18n``); without one,
and outside a request, the sentence stays Dutch. The Dutch text is the message id, so the
Dutch output never depends on a catalogue. ``N_`` only marks a sentence for extraction
(a constant translated later, where it is shown).
"""

from __future__ import annotations

from collections.abc import Callable

Translator = Callable[[str], str]

_translator: Translator | None = None


def use_translator(translator: Translator | None) -> None:
    global _translator
    _translator = translator


def _(message: str, **values: object) -> str:
    """``message`` in the language of the current page; ``%(name)s`` filled from ``values``."""
    text = _translator(message) if _translator is not None else message
    return text % values if values else text


def N_(message: str) -> str:
    return message
