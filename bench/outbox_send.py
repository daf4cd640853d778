"""Time to queue and send 200 organisation mails over one SMTP connection (target: < 5 s).

    .venv/bin/python bench/outbox_send.py [--mails N]

Starts its own SMTP server (aiosmtpd, in a separate process like a real relay) on
127.0.0.1, builds a throw-away SQLite database by
running the migrations in a temporary folder, loads the shipped geography, and sends one
approved oproep to N organisations of its wijk the way the coordinator does (send_oproep:
a dispatch, a referral code and a rendered mail per organisation, one transaction); then
runs send_pending once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import socket
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask_migrate import upgrade

from niemand_alleen import create_app
from niemand_alleen.auth.service import create_user
from niemand_alleen.config import load_settings
from niemand_alleen.db import database
from niemand_alleen.distribution.service import send_oproep
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    Oproep,
    OproepStatus,
    Organisation,
    OrganisationWijk,
    Role,
    local_today,
    utcnow,
)
from niemand_alleen.reference import import_shipped_reference

STERRENBURG = "WK050509"


class CountingServer:
    """Counts received mails and SMTP connections (after the controller's own check)."""

    def __init__(self, received: Any, connections: Any) -> None:
        self.received = received
        self.connections = connections

    async def handle_DATA(self, _server: SMTP, _session: Session, _envelope: Envelope) -> str:
        with self.received.get_lock():
            self.received.value += 1
        return "250 OK"


class _Controller(Controller):
    def __init__(self, counter: CountingServer, **kwargs: Any) -> None:
        self.counter = counter
        super().__init__(counter, **kwargs)

    def factory(self) -> SMTP:
        counter = self.counter

        class _Counting(SMTP):
            def connection_made(self, transport: Any) -> None:
                with counter.connections.get_lock():
                    counter.connections.value += 1
                super().connection_made(transport)

        return _Counting(self.handler, **self.SMTP_kwargs)


def run_smtp_server(port: int, received: Any, connections: Any, ready: Any, stop: Any) -> None:
    """The relay runs in its own process, as a real one would (not competing for our GIL)."""
    controller = _Controller(
        CountingServer(received, connections), hostname="127.0.0.1", port=port, ready_timeout=10
    )
    controller.start()
    connections.value = 0  # the controller's readiness check
    ready.set()
    stop.wait()
    controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=200)
    args = parser.parse_args()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    received, connections = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(
        target=run_smtp_server, args=(port, received, connections, ready, stop), daemon=True
    )
    server.start()
    if not ready.wait(20):
        raise SystemExit("the SMTP server did not start")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings("test", environ={}, instance_path=Path(tmp)).with_overrides(
                database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                mail_port=port,
                mail_batch_size=max(args.mails, 200),
            )
            app = create_app(settings, migrations=True)
            with app.app_context():
                upgrade()

            with app.app_context(), database().session() as session:
                import_shipped_reference(session)
                coordinator = create_user(
                    session,
                    email="coordinator@example.org",
                    name="Cor Coördinator",
                    role=Role.COORDINATOR,
                    password=secrets.token_urlsafe(16),
                )
                oproep = Oproep(
                    pc4="3328",
                    wijk_code=STERRENBURG,
                    text="Een vrouw van in de 80 zoekt iemand voor een wekelijks kopje koffie.",
                    deadline=local_today() + timedelta(days=14),
                    status=OproepStatus.APPROVED,
                    approved_by_id=coordinator.id,
                )
                session.add(oproep)
                organisation_ids = []
                for number in range(args.mails):
                    organisation = Organisation(
                        name=f"Organisatie {number:03d}",
                        contact_emails=f"info{number}@example.org",
                    )
                    session.add(organisation)
                    session.flush()
                    session.add(
                        OrganisationWijk(organisation_id=organisation.id, wijk_code=STERRENBURG)
                    )
                    organisation_ids.append(organisation.id)
                oproep_id, coordinator_id = oproep.id, coordinator.id

            started = time.perf_counter()
            with app.app_context(), database().session() as session:
                stored = session.get(Oproep, oproep_id)
                assert stored is not None
                send_oproep(
                    session, settings, stored, organisation_ids, coordinator_id, local_today()
                )
            queued = time.perf_counter()
            report = send_pending(app, utcnow() + timedelta(seconds=1))
            sent = time.perf_counter()
            app.extensions["database"].engine.dispose()
    finally:
        stop.set()
        server.join(10)

    print(f"mails queued:         {args.mails}")
    print(f"time to queue:        {queued - started:.2f} s")
    print(f"time to send:         {sent - queued:.2f} s")
    print(f"total:                {sent - started:.2f} s")
    print(f"sent (report):        {report.sent}")
    print(f"mails received:       {received.value}")
    print(f"SMTP connections:     {connections.value}")


if __name__ == "__main__":
    main()
