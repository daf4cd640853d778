"""Queue a mail as an outbox row in the caller's transaction; the worker sends it later.

Queueing is idempotent: a second call with the same key returns the existing row, so a
retried request or job never mails twice. Header values are checked here and again when
sending (header injection).

A mail can also be queued without its text, to be written by the sender just before it is
sent (``compose_pending``): for the busiest public page (the sign-up), whose confirm mail
would otherwise cost a fifth of the request. Its kind (``kinds.MailKind``) has a composer;
the row is sent only once it holds its text.

A queued mail also holds its final RFC 5322 text (``message``, encrypted like its other
fields), rendered here once, so the sender hands the stored text to SMTP as it is. A mail
written by the sender gets its text when it is written; one that cannot be rendered here
(an address the relay cannot take) is rendered again at sending, which refuses it with its
reason.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlmodel import Session, select

from niemand_alleen.config import Settings
from niemand_alleen.i18n import in_locale, known_locale
from niemand_alleen.mail.kinds import mail_kind
from niemand_alleen.mail.message import (
    UnsafeMailError,
    build_message,
    message_id,
    safe_recipient,
    safe_subject,
)
from niemand_alleen.models import OutboxMail
from niemand_alleen.validation import InvalidInput, no_line_breaks


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str | None
    locale: str = "nl"  # the language it is written in (the Content-Language header)


def render_mail(name: str, *, locale: object = "nl", **context: object) -> RenderedMail:
    """Render ``templates/mail/<name>.subject.txt``, ``.txt`` and ``.html`` (app context), in
    ``locale``: Dutch, whatever the language of the page that caused the mail, except for a
    mail to a neighbour, in the language stored with the sign-up."""
    language = known_locale(locale) or "nl"
    with in_locale(language):
        subject = " ".join(_render(f"mail/{name}.subject.txt", context).split())
        body_text = _render(f"mail/{name}.txt", context).strip() + "\n"
        body_html = _render(f"mail/{name}.html", context)
    return RenderedMail(subject=subject, body_text=body_text, body_html=body_html, locale=language)


def _render(template: str, context: dict[str, object]) -> str:
    # Without the page context processors, also inside a request: a mail never shows the
    # visitor's page state, and so it renders exactly as in the worker (no request), without
    # loading the logged-in user or building the logout form for nothing.
    return current_app.jinja_env.get_template(template).render(context)


def rendered_message(
    session: Session,
    settings: Settings,
    row: OutboxMail,
    mail: RenderedMail,
    *,
    recipient_validated: bool = False,
) -> str:
    """The final text of the row's mail, with its kind's headers (``UnsafeMailError`` when
    an address or header cannot be sent as it is). ``recipient_validated``: the row's
    address came through ``safe_recipient`` a moment ago."""
    kind = mail_kind(row.kind)
    headers = kind.headers(session, settings, row) if kind and kind.headers else {}
    return build_message(
        sender=settings.mail_sender,
        recipient=row.recipient or "",
        subject=mail.subject,
        body_text=mail.body_text,
        body_html=mail.body_html,
        msg_id=message_id(row.idempotency_key, settings.mail_sender),
        date=time.time(),
        headers=headers,
        recipient_validated=recipient_validated,
        language=mail.locale,
    )


def try_rendered_message(
    session: Session,
    settings: Settings,
    row: OutboxMail,
    mail: RenderedMail,
    *,
    recipient_validated: bool = False,
) -> str | None:
    """``rendered_message``, or ``None`` when it is refused: the sender renders that mail
    again and records why it cannot go (queueing itself never fails on it)."""
    try:
        return rendered_message(
            session, settings, row, mail, recipient_validated=recipient_validated
        )
    except (UnsafeMailError, UnicodeError):
        return None


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
    composer just before sending. The final text (``message``) is rendered by the sender.

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
    """Add the mail to the outbox (flushed, not committed), with its final text; the same
    key queues it once."""
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
    if has_app_context():  # outside one (a script), the sender renders it at first send
        settings = current_app.config["SETTINGS"]
        row.message = try_rendered_message(session, settings, row, mail, recipient_validated=True)
    session.add(row)
    session.flush()
    return row
