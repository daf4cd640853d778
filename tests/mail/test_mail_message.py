"""The stored text of a mail: 7-bit RFC 5322 that any relay takes and every mail program
reads back exactly as it was written."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from niemand_alleen.mail.message import (
    NON_ASCII_LOCAL_PART,
    UnsafeMailError,
    build_message,
    message_id,
    smtp_recipient,
)

SENDER = "Niemand Alleen <noreply@niemand-alleen.example.org>"
UNSUBSCRIBE = (
    "<https://niemand-alleen.example.org/organisaties/afmelden/direct/"
    "Zm9vYmFyYmF6cXV1eGZvb2JhcmJhenF1dXhmb29iYXI.abcdefghijklmnopqrstuvwxyz0123456789>"
)
# Text as templates write it: any character but surrogates (not text) and NUL.
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


def build(**changes: object) -> str:
    values: dict[str, object] = {
        "sender": SENDER,
        "recipient": "info@buurtkerk.example.org",
        "subject": "Oproep: een goede buur gezocht in 3328",
        "body_text": "Beste organisatie,\n\nEen oproep.\n",
        "body_html": "<p>Beste organisatie,</p><p>Een oproep.</p>",
        "msg_id": message_id("oproep:1:2:3", SENDER),
        "date": 1_796_400_000.0,
        "headers": {"List-Unsubscribe": UNSUBSCRIBE},
        **changes,
    }
    return build_message(**values)  # type: ignore[arg-type]


def parsed(text: str) -> EmailMessage:
    message = email.message_from_bytes(text.encode("ascii"), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def lines_as_written(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=150, deadline=None)
@given(subject=TEXT.map(lambda s: " ".join(s.split())), body=TEXT, html=TEXT)
def test_any_text_goes_out_as_seven_bit_and_reads_back_unchanged(
    subject: str, body: str, html: str
) -> None:
    text = build(subject=subject, body_text=body, body_html=html)
    assert text.isascii(), "no relay needs 8BITMIME or SMTPUTF8"
    lines = text.split("\r\n")
    assert "\n" not in "".join(lines), "CRLF only"
    assert "\r" not in "".join(lines), "CRLF only"
    assert max(len(line) for line in lines) <= 998, "RFC 5322 line length"
    message = parsed(text)
    assert str(message["Subject"] or "") == subject
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert rich is not None
    # Parsed from bytes, a body keeps the CRLF line ends of the wire.
    assert lines_as_written(plain.get_content()).rstrip("\n") == (
        lines_as_written(body).rstrip("\n")
    )
    assert lines_as_written(rich.get_content()).rstrip("\n") == (
        lines_as_written(html).rstrip("\n")
    )


def test_the_headers_every_mail_carries() -> None:
    message = parsed(build(subject="Coördinator gezocht – Dubbeldam"))
    assert message["From"] == SENDER
    assert message["To"] == "info@buurtkerk.example.org"
    assert message["Subject"] == "Coördinator gezocht – Dubbeldam"
    assert message["Message-ID"] == message_id("oproep:1:2:3", SENDER)
    assert message["Content-Language"] == "nl"
    assert message["MIME-Version"] == "1.0"
    assert message["Date"] is not None
    assert message.get_content_type() == "multipart/alternative"


def test_the_one_click_address_is_carried_verbatim() -> None:
    """RFC 8058: mail programs read List-Unsubscribe as it stands, never RFC 2047-encoded."""
    text = build()
    assert f"\r\nList-Unsubscribe: {UNSUBSCRIBE}\r\n" in text


def test_a_mail_without_html_is_plain_text() -> None:
    message = parsed(build(body_html=None))
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Beste organisatie,\r\n\r\nEen oproep.\r\n"


def test_an_international_domain_goes_out_in_idna() -> None:
    assert smtp_recipient("info@bücherei.example.org") == "info@xn--bcherei-n2a.example.org"
    assert parsed(build(recipient="info@bücherei.example.org"))["To"] == (
        "info@xn--bcherei-n2a.example.org"
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"recipient": "çelik@example.org"}, NON_ASCII_LOCAL_PART),
        ({"recipient": "info@example.org\r\nBcc: buit@example.net"}, "regelovergang"),
        ({"recipient": "geen adres"}, "geldig e-mailadres"),
        ({"subject": "Oproep\nBcc: buit@example.net"}, "regelovergang"),
        ({"headers": {"List-Unsubscribe": "<https://x.example>\r\nBcc: buit@example.net"}}, ""),
        ({"headers": {"X-Naam": "Çelik"}}, ""),
    ],
)
def test_what_could_inject_a_header_is_refused(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(UnsafeMailError) as refused:
        build(**changes)
    assert reason in str(refused.value)
