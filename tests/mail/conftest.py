"""Fixtures for the outbox tests: organisation mails and plain mails, queued as in use."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

import pytest
from sqlmodel import Session
from support import QueueMail

from niemand_alleen.mail.outbox import RenderedMail, queue_mail
from niemand_alleen.models import Dispatch, Oproep, OproepStatus, Organisation, OutboxMail


def rendered(number: int) -> RenderedMail:
    return RenderedMail(
        subject=f"Oproep {number}: een goede buur gezocht in 3311",
        body_text=f"Beste organisatie,\n\nOproep nummer {number}.\n",
        body_html=f"<p>Beste organisatie,</p><p>Oproep nummer {number}.</p>",
    )


@pytest.fixture
def oproep(db_session: Session) -> Oproep:
    row = Oproep(pc4="3311", text="Een goede buur gezocht.", status=OproepStatus.OPEN)
    db_session.add(row)
    db_session.commit()
    return row


@pytest.fixture
def queue(db_session: Session, oproep: Oproep) -> QueueMail:
    """Queue one mail (committed); ``organisation=True`` makes it an oproep mail with its
    dispatch, as the distribution queues them."""

    def _queue(
        number: int,
        *,
        recipient: str | None = None,
        organisation: bool = False,
        next_attempt_at: datetime | None = None,
        dispatch_id: uuid.UUID | None = None,
    ) -> OutboxMail:
        if organisation and dispatch_id is None:
            org = Organisation(name=f"Organisatie {number}", contact_emails="info@example.org")
            db_session.add(org)
            db_session.flush()
            dispatch = Dispatch(
                oproep_id=oproep.id, organisation_id=org.id, referral_code=secrets.token_hex(8)
            )
            db_session.add(dispatch)
            db_session.flush()
            dispatch_id = dispatch.id
        row = queue_mail(
            db_session,
            idempotency_key=f"test-{number}-{uuid.uuid4().hex[:8]}",
            kind="oproep" if organisation or dispatch_id else "coordinator_reminder",
            recipient=recipient or f"ontvanger{number}@example.org",
            mail=rendered(number),
            oproep_id=oproep.id,
            dispatch_id=dispatch_id,
        )
        if next_attempt_at is not None:
            row.next_attempt_at = next_attempt_at
            db_session.add(row)
        db_session.commit()
        return row

    return _queue
