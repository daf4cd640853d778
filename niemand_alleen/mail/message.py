"""A mail's final RFC 5322 text, built once and stored (encrypted) with its outbox row.

Pure: no Flask, no session. The text is 7-bit (quoted-printable bodies, RFC 2047 subject),
so any relay takes it without SMTPUTF8 or 8BITMIME, and it is stored as text. Header values
are checked here (header injection); the sender checks the row's address once more (for the
envelope) before it hands the stored text to SMTP.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets
from collections.abc import Mapping
from email.charset import QP, Charset
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from niemand_alleen.validation import InvalidInput, email_address, no_line_breaks


class UnsafeMailError(ValueError):
    """A recipient or subject that could inject headers, or is not an address at all."""


NON_ASCII_LOCAL_PART = (
    "Dit e-mailadres heeft letters met accenten vóór de @; die kan de mailserver niet "
    "bezorgen. Vraag om een ander adres."
)
ADDRESS_LINE_BREAK = "Een e-mailadres kan geen regelovergang bevatten."
BAD_HEADER = "De mail bevat een ongeldige kopregel of een adres dat niet te versturen is."
# RFC 5322 2.1.1: a line is at most 998 characters (without CRLF).
MAX_LINE = 998

_UTF8 = Charset("utf-8")
_UTF8.header_encoding = QP  # readable: "=?utf-8?q?co=C3=B6rdinator?="


def _no_line_breaks(value: str, message: str) -> str:
    try:
        no_line_breaks(value, message)
    except InvalidInput as refused:
        raise UnsafeMailError(refused.message) from None
    return value


def safe_recipient(recipient: str) -> str:
    """The normalised address, or ``UnsafeMailError`` (line breaks, not an address)."""
    _no_line_breaks(recipient, ADDRESS_LINE_BREAK)
    try:
        checked = email_address(recipient)
    except InvalidInput as refused:
        raise UnsafeMailError(refused.message) from None
    assert checked is not None
    return checked


def safe_subject(subject: str) -> str:
    return _no_line_breaks(subject, "Een onderwerp kan geen regelovergang bevatten.")


def smtp_recipient(recipient: str, *, validated: bool = False) -> str:
    """The address as SMTP and the To header carry it: checked, the domain in IDNA (ASCII).

    ``validated``: it came through ``safe_recipient`` before (it was normalised then), so
    only line breaks are looked for again. A local part with accents would need SMTPUTF8,
    which the sender does not speak: refused clearly instead of failing at the relay.
    """
    checked = (
        _no_line_breaks(recipient, ADDRESS_LINE_BREAK) if validated else safe_recipient(recipient)
    )
    local, _, domain = checked.rpartition("@")
    if not local or not domain:
        raise UnsafeMailError(BAD_HEADER)
    if not local.isascii():
        raise UnsafeMailError(NON_ASCII_LOCAL_PART)
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeMailError(BAD_HEADER) from None
    return f"{local}@{domain}"


def message_id(idempotency_key: str, sender: str) -> str:
    """The same mail always gets the same Message-ID, so duplicates can be recognised."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "niemand-alleen.invalid"
    return f"<{digest}@{domain}>"


def envelope_sender(sender: str) -> str:
    """The bare address of a From value such as ``Niemand Alleen <noreply@example.org>``."""
    return parseaddr(sender)[1]


def _header_line(name: str, value: str) -> str:
    if (
        not value.isascii()
        or "\r" in value
        or "\n" in value
        or len(name) + 2 + len(value) > MAX_LINE
    ):
        raise UnsafeMailError(BAD_HEADER)
    return f"{name}: {value}\r\n"


def _encoded(value: str) -> str:
    """A free-text header value: RFC 2047 words when needed, folded at 78 characters."""
    return Header(value, _UTF8 if not value.isascii() else "us-ascii").encode(linesep="\r\n")


def _from(sender: str) -> str:
    name, address = parseaddr(sender)
    if not address.isascii():
        raise UnsafeMailError(BAD_HEADER)
    return formataddr((name, address), charset="utf-8")


def _quoted_printable(text: str) -> str:
    """The body as quoted-printable lines ending in CRLF (binascii: C speed)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    encoded = binascii.b2a_qp(lines.encode("utf-8"), quotetabs=False, istext=True)
    return encoded.decode("ascii").replace("\n", "\r\n")


def _text_part(subtype: str, text: str) -> str:
    body = _quoted_printable(text)
    if not body.endswith("\r\n"):
        body += "\r\n"
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n"
        f"\r\n{body}"
    )


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    body_text: str,
    body_html: str | None,
    msg_id: str,
    date: float,
    headers: Mapping[str, str] | None = None,
    recipient_validated: bool = False,
    language: str = "nl",
) -> str:
    """The whole mail as sent: headers, then the text (and, if any, the HTML) alternative.

    Raises ``UnsafeMailError`` for an address or header that cannot be sent as it is;
    ``recipient_validated`` as for ``smtp_recipient``. ``language``: of the text ("nl", or
    "en" for a neighbour who signed up in English).
    """
    lines = [
        _header_line("From", _from(sender)),
        _header_line("To", smtp_recipient(recipient, validated=recipient_validated)),
        f"Subject: {_encoded(safe_subject(subject))}\r\n",
        _header_line("Date", formatdate(date, localtime=True)),
        _header_line("Message-ID", msg_id),
        _header_line("Content-Language", language),
    ]
    lines.extend(_header_line(name, value) for name, value in (headers or {}).items())
    lines.append("MIME-Version: 1.0\r\n")
    if body_html is None:
        return "".join(lines) + _text_part("plain", body_text)
    # "=_" never occurs in quoted-printable text ("=" is always escaped), so neither part
    # can contain the boundary.
    boundary = f"=_{secrets.token_hex(12)}"
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n')
    for subtype, text in (("plain", body_text), ("html", body_html)):
        lines.append(f"--{boundary}\r\n{_text_part(subtype, text)}")
    lines.append(f"--{boundary}--\r\n")
    return "".join(lines)
