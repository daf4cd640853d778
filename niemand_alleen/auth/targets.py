"""Where a login may send the browser next: only a path on this site (no open redirect).

Pure: no Flask. Browsers read ``//host``, ``/\\host`` and ``/%2F/host`` as another site, and
a control character in a ``Location`` header is refused by the server, so the check runs on
the text after every layer of percent-decoding and accepts one shape only: a single ``/``
followed by a character that is neither ``/`` nor ``\\``.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_TARGET_LENGTH = 2000
_DECODING_ROUNDS = 5


def _fully_decoded(text: str) -> str | None:
    for _ in range(_DECODING_ROUNDS):
        decoded = unquote(text)
        if decoded == text:
            return text
        text = decoded
    return None  # still changing: nobody writes a path encoded five times over


def _has_control_character(text: str) -> bool:
    return any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in text)


def local_path(target: str | None) -> str | None:
    """The target when it is a path on this site, otherwise None."""
    if not target or len(target) > MAX_TARGET_LENGTH:
        return None
    decoded = _fully_decoded(target)
    if decoded is None:
        return None
    for text in (target, decoded):
        if _has_control_character(text) or "\\" in text:
            return None
        if not text.startswith("/") or text[1:2] in ("/", "\\"):
            return None
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return None
    return target.rstrip("?") or "/"
