"""Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30 s, 6 digits) and recovery codes.

Pure functions, no Flask and no database: the service decides what is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
from urllib.parse import quote, urlencode

import segno

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # one step either side: clocks drift, people type slowly
ISSUER = "Niemand Alleen"
RECOVERY_CODE_COUNT = 10

_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    """160 random bits, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


_SECRET = re.compile(r"^[A-Z2-7]{32}$")


def valid_secret(secret: str | None) -> bool:
    return bool(secret) and bool(_SECRET.match(secret or ""))


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def time_step(now: float) -> int:
    return int(now // STEP_SECONDS)


def code_at(secret: str | bytes, step: int, digits: int = DIGITS) -> str:
    """The code for one time step (RFC 4226 dynamic truncation)."""
    key = secret if isinstance(secret, bytes) else _key(secret)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def normalise_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


def matching_step(secret: str, raw_code: str, now: float, last_step: int | None) -> int | None:
    """The time step this code belongs to (within the window), or None.

    Steps at or before ``last_step`` are refused: a code works once, even within its window.
    """
    code = normalise_code(raw_code)
    if not _CODE.match(code):
        return None
    current = time_step(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Compare every candidate (constant work), keep the first that matches.
        if hmac.compare_digest(code_at(secret, step), code) and found is None:
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def provisioning_uri(secret: str, account: str) -> str:
    label = quote(f"{ISSUER}:{account}")
    query = urlencode(
        {"secret": secret, "issuer": ISSUER, "algorithm": "SHA1", "digits": DIGITS, "period": 30}
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, drawn here (no external service, no script).

    With a viewBox instead of a fixed width and height, so the stylesheet can shrink it to
    fit a phone's screen without cutting it off."""
    svg: str = segno.make(uri, error="m").svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        title="QR-code voor uw app",
        omitsize=True,
    )
    return svg


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it in by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """One-time codes like ``k7m2-p9qd-x4tb`` (60 random bits each)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def normalise_recovery_code(raw: str) -> str:
    return normalise_code(raw).casefold()
