"""Queue a mail as an outbox row in the caller's transaction; the worker sends it later.

Queueing is idempotent: a second call with the same key returns the existing row, so a
retried request or job never mails twice. Header values are checked here and again when
sending (header injection).

A mail can also be queued without its text, to be written by the sender just before it is
sent (``compose_pending``): for the busiest public page (the sign-up), whose confirm mail
would otherwise cost a fifth of the request. Its kind (``kinds.MailKind``) has a composer;
the row is sent only once it holds its text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from sqlmodel import Session, select

from niemand_alleen.models import OutboxMail
from niemand_alleen.validation import InvalidInput, email_address, no_line_breaks


class UnsafeMailError(ValueError):
    """A recipient or subject that could inject headers, or is not an address at all."""


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str | None


def render_mail(name: str, **context: object) -> RenderedMail:
    """Render ``templates/mail/<name>.subject.txt``, ``.txt`` and ``.html`` (app context)."""
    subject = " ".join(_render(f"mail/{name}.subject.txt", context).split())
    body_text = _render(f"mail/{name}.txt", context).strip() + "\n"
    body_html = _render(f"mail/{name}.html", context)
    return RenderedMail(subject=subject, body_text=body_text, body_html=body_html)


def _render(template: str, context: dict[str, object]) -> str:
    # Without the page context processors, also inside a request: a mail never shows the
    # visitor's page state, and so it renders exactly as in the worker (no request), without
    # loading the logged-in user or building the logout form for nothing.
    return current_app.jinja_env.get_template(template).render(context)


def safe_recipient(recipient: str) -> str:
    """The normalised address, or ``UnsafeMailError`` (line breaks, not an address)."""
    try:
        no_line_breaks(recipient, "Een e-mailadres kan geen regelovergang bevatten.")
        checked = email_address(recipient)
    except InvalidInput as refused:
        raise UnsafeMailError(refused.message) from None
    assert checked is not None
    return checked


def safe_subject(subject: str) -> str:
    try:
        no_line_breaks(subject, "Een onderwerp kan geen regelovergang bevatten.")
    except InvalidInput as refused:
        raise UnsafeMailError(refused.message) from None
    return subject


def outbox_values(
    *,
    idempotency_key: str,
    kind: str,
    recipient: str,
    mail: RenderedMail | None,
    oproep_id: uuid.UUID | None = None,
    dispatch_id: uuid.UUID | None = None,
    recipient_validated: bool = False,
) -> dict[str, object]:
    """The outbox columns of a mail, headers checked (the others take their defaults): for a
    caller that inserts the row itself, with a key that cannot have been used yet
    (``queue_mail`` otherwise). ``mail=None``: the text is written by the kind's registered
    composer just before sending.

    ``recipient_validated``: the address came through ``validation.email_address`` a moment
    ago (a form field), so only the line-break check runs again here; the sender validates
    every address in full once more before it is handed to SMTP.
    """
    if recipient_validated:
        try:
            no_line_breaks(recipient, "Een e-mailadres kan geen regelovergang bevatten.")
        except InvalidInput as refused:
            raise UnsafeMailError(refused.message) from None
    return {
        "idempotency_key": idempotency_key,
        "kind": kind,
        "recipient": recipient if recipient_validated else safe_recipient(recipient),
        "subject": safe_subject(mail.subject) if mail else None,
        "body_text": mail.body_text if mail else None,
        "body_html": mail.body_html if mail else None,
        "oproep_id": oproep_id,
        "dispatch_id": dispatch_id,
    }


def queue_mail(
    session: Session,
    *,
    idempotency_key: str,
    kind: str,
    recipient: str,
    mail: RenderedMail,
    oproep_id: uuid.UUID | None = None,
    dispatch_id: uuid.UUID | None = None,
) -> OutboxMail:
    """Add the mail to the outbox (flushed, not committed); the same key queues it once."""
    existing = session.exec(
        select(OutboxMail).where(OutboxMail.idempotency_key == idempotency_key)
    ).first()
    if existing is not None:
        return existing
    row = OutboxMail.model_validate(
        outbox_values(
            idempotency_key=idempotency_key,
            kind=kind,
            recipient=recipient,
            mail=mail,
            oproep_id=oproep_id,
            dispatch_id=dispatch_id,
        )
    )
    session.add(row)
    session.flush()
    return row
