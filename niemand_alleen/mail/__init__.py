"""Mail through the outbox: queued in the transaction of its cause, sent by the worker.

What other features use: queueing (``queue_mail``, ``outbox_values``, ``render_mail``),
registering their kinds (``MailKind``, ``register_mail_kind``), sending a failed mail again
(``retry_mail``) and the worker's job (``send_outbox``).
"""

from flask import Flask

from niemand_alleen.mail.kinds import MailKind, register_mail_kind
from niemand_alleen.mail.outbox import RenderedMail, outbox_values, queue_mail, render_mail
from niemand_alleen.mail.sender import send_outbox
from niemand_alleen.mail.status import RetryRefused, retry_mail

__all__ = [
    "MailKind",
    "RenderedMail",
    "RetryRefused",
    "init_app",
    "outbox_values",
    "queue_mail",
    "register_mail_kind",
    "render_mail",
    "retry_mail",
    "send_outbox",
]


def init_app(app: Flask) -> None:
    """Register the beheerder's mail overview."""
    from niemand_alleen.mail import views

    app.register_blueprint(views.bp)
