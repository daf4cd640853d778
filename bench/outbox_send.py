"""Time to queue and send 200 organisation mails over one SMTP connection (target: < 5 s).

    .venv/bin/python bench/outbox_send.py [--mails N]

Starts its own SMTP server (aiosmtpd) on 127.0.0.1, builds a throw-away SQLite database by
running the migrations in a temporary folder, queues N oproep mails to N organisations
through queue_mail (one transaction), and runs send_pending once.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask_migrate import upgrade

from niemand_alleen import create_app
from niemand_alleen.config import load_settings
from niemand_alleen.db import database
from niemand_alleen.mail.outbox import RenderedMail, queue_mail
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import Dispatch, Oproep, Organisation, utcnow


class CountingServer:
    """Counts received mails and SMTP connections (after the controller's own check)."""

    def __init__(self) -> None:
        self.received = 0
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, _server: SMTP, _session: Session, _envelope: Envelope) -> str:
        with self.lock:
            self.received += 1
        return "250 OK"


class _Controller(Controller):
    def __init__(self, counter: CountingServer, **kwargs: Any) -> None:
        self.counter = counter
        super().__init__(counter, **kwargs)

    def factory(self) -> SMTP:
        counter = self.counter

        class _Counting(SMTP):
            def connection_made(self, transport: Any) -> None:
                with counter.lock:
                    counter.connections += 1
                super().connection_made(transport)

        return _Counting(self.handler, **self.SMTP_kwargs)


def mail(number: int) -> RenderedMail:
    text = "Een goede buur gezocht in 3311 voor een wekelijks kopje koffie. " * 8
    return RenderedMail(
        subject=f"Oproep {number}: een goede buur gezocht in 3311",
        body_text=f"Beste organisatie,\n\n{text}\n",
        body_html=f"<p>Beste organisatie,</p><p>{text}</p>",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=200)
    args = parser.parse_args()

    counter = CountingServer()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = _Controller(counter, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    counter.connections = 0  # the controller's readiness check
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings("test", environ={}, instance_path=Path(tmp)).with_overrides(
                database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                mail_port=port,
                mail_batch_size=max(args.mails, 200),
            )
            app = create_app(settings)
            with app.app_context():
                upgrade()

            started = time.perf_counter()
            with app.app_context(), database().session() as session:
                oproep = Oproep(pc4="3311", text="Een goede buur gezocht.")
                session.add(oproep)
                session.flush()
                for number in range(args.mails):
                    organisation = Organisation(
                        name=f"Organisatie {number}", contact_emails=f"info{number}@example.org"
                    )
                    session.add(organisation)
                    session.flush()
                    dispatch = Dispatch(
                        oproep_id=oproep.id,
                        organisation_id=organisation.id,
                        referral_code=secrets.token_hex(8),
                    )
                    session.add(dispatch)
                    session.flush()
                    queue_mail(
                        session,
                        idempotency_key=f"oproep:{oproep.id}:{organisation.id}",
                        kind="oproep",
                        recipient=f"info{number}@example.org",
                        mail=mail(number),
                        oproep_id=oproep.id,
                        dispatch_id=dispatch.id,
                    )
            queued = time.perf_counter()
            report = send_pending(app, utcnow() + timedelta(seconds=1))
            sent = time.perf_counter()
            app.extensions["database"].engine.dispose()
    finally:
        controller.stop()

    print(f"mails queued:         {args.mails}")
    print(f"time to queue:        {queued - started:.2f} s")
    print(f"time to send:         {sent - queued:.2f} s")
    print(f"total:                {sent - started:.2f} s")
    print(f"sent (report):        {report.sent}")
    print(f"mails received:       {counter.received}")
    print(f"SMTP connections:     {counter.connections}")


if __name__ == "__main__":
    main()
