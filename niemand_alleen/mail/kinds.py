"""The kinds of mail the service sends, as a registry that each feature fills at app creation.

A feature registers a ``MailKind`` for every mail it queues: its Dutch label (staff lists),
who receives it, and when needed what the sender must do for it — write its text just
before sending (``compose``), add headers (``headers``), or update the feature's own rows
after a sending outcome (``after_outcome``), and whether it may be sent again
(``retry_refusal``). The outbox and the sender import no feature: they ask the registry.

Module level, like ``lifecycle.on_entering``: services that only hold a session can read it.
Registering a name again replaces it (the app factory may run more than once per process).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from niemand_alleen.config import Settings
from niemand_alleen.models import OutboxMail

if TYPE_CHECKING:  # the outbox asks this registry for a kind's headers when it queues
    from niemand_alleen.mail.outbox import RenderedMail

# Writes the text of a queued mail from what it is about; ``None`` when that is gone
# (withdrawn, erased): the mail is then not sent.
Composer = Callable[[Session, Settings, OutboxMail], "RenderedMail | None"]
# Extra headers for one mail, read when its final text is rendered (queued or written).
HeaderHook = Callable[[Session, Settings, OutboxMail], dict[str, str]]
# After mails' status changed (sent, failed, queued again): with their dispatch ids, all at
# once (the sender records a batch of outcomes together).
OutcomeHook = Callable[[Session, Collection[uuid.UUID]], None]
# Why a failed mail may not be queued again (Dutch), or None when it may.
RetryCheck = Callable[[Session, OutboxMail], "str | None"]


@dataclass(frozen=True)
class MailKind:
    name: str
    label: str  # for staff lists, with the recipient: "Oproep aan organisatie"
    recipient: str  # who receives it: "organisatie", "goede buur", "coördinator"
    compose: Composer | None = None
    headers: HeaderHook | None = None
    after_outcome: OutcomeHook | None = None
    retry_refusal: RetryCheck | None = None


_KINDS: dict[str, MailKind] = {}


def register_mail_kind(kind: MailKind) -> None:
    _KINDS[kind.name] = kind


def mail_kind(name: str) -> MailKind | None:
    return _KINDS.get(name)


def registered_kinds() -> dict[str, MailKind]:
    return dict(_KINDS)


def kind_label(name: str) -> str:
    """The Dutch label of a kind for staff lists, e.g. "Oproep aan organisatie"."""
    kind = _KINDS.get(name)
    return kind.label if kind else name.replace("_", " ").capitalize()


def after_outcome(
    session: Session, kind_name: str, dispatch_ids: Iterable[uuid.UUID | None]
) -> None:
    """Let the kind's feature update its own rows after its mails' status changed."""
    kind = _KINDS.get(kind_name)
    ids = {dispatch_id for dispatch_id in dispatch_ids if dispatch_id is not None}
    if kind is not None and kind.after_outcome is not None and ids:
        session.flush()
        kind.after_outcome(session, ids)
