"""Queue and send N (200) organisation mails over one SMTP connection, against a bare
smtplib loop sending the same messages (target: the outbox at most 2x the bare loop).

    .venv/bin/python bench/outbox_send.py [--mails N] [--rounds 7]

Starts its own SMTP server (aiosmtpd, in a separate process like a real relay) on
127.0.0.1, builds a throw-away SQLite database by running the migrations in a temporary
folder, loads the shipped geography and makes N organisations in one wijk. Each round sends
one approved oproep to all of them the way the coordinator does (send_oproep: a dispatch, a
referral code and a rendered mail per organisation, one transaction), reads back the N
stored messages, and then sends them twice, in alternating order: once by the outbox
(``send_pending``: claim, send, record, settle the dispatches) and once by a bare loop
(``smtplib.SMTP.sendmail`` of the same bytes over one connection, nothing recorded). The
ratio is the median of the rounds' own ratios.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import secrets
import smtplib
import socket
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from flask_migrate import upgrade
from sqlmodel import col, select

from niemand_alleen import create_app
from niemand_alleen.auth.service import create_user
from niemand_alleen.config import Settings, load_settings
from niemand_alleen.db import database
from niemand_alleen.distribution.service import send_oproep
from niemand_alleen.mail.message import envelope_sender
from niemand_alleen.mail.sender import send_pending
from niemand_alleen.models import (
    MailStatus,
    Oproep,
    OproepStatus,
    Organisation,
    OrganisationWijk,
    OutboxMail,
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


def prepare(app: Flask, mails: int, rounds: int) -> tuple[list[Any], list[Any], Any]:
    """The geography, a coordinator, ``mails`` organisations and one oproep per round."""
    with app.app_context(), database().session() as session:
        import_shipped_reference(session)
        coordinator = create_user(
            session,
            email="coordinator@example.org",
            name="Cor Coördinator",
            role=Role.COORDINATOR,
            password=secrets.token_urlsafe(16),
        )
        oproepen = []
        for _ in range(rounds):
            oproep = Oproep(
                pc4="3328",
                wijk_code=STERRENBURG,
                text="Een vrouw van in de 80 zoekt iemand voor een wekelijks kopje koffie.",
                deadline=local_today() + timedelta(days=14),
                status=OproepStatus.APPROVED,
                approved_by_id=coordinator.id,
            )
            session.add(oproep)
            oproepen.append(oproep)
        organisation_ids = []
        for number in range(mails):
            organisation = Organisation(
                name=f"Organisatie {number:03d}", contact_emails=f"info{number}@example.org"
            )
            session.add(organisation)
            session.flush()
            session.add(OrganisationWijk(organisation_id=organisation.id, wijk_code=STERRENBURG))
            organisation_ids.append(organisation.id)
        return [oproep.id for oproep in oproepen], organisation_ids, coordinator.id


def queue_round(
    app: Flask, settings: Settings, oproep_id: Any, organisation_ids: list[Any], actor: Any
) -> float:
    started = time.perf_counter()
    with app.app_context(), database().session() as session:
        oproep = session.get(Oproep, oproep_id)
        assert oproep is not None
        send_oproep(session, settings, oproep, organisation_ids, actor, local_today())
    return time.perf_counter() - started


def stored_messages(app: Flask, oproep_id: Any) -> list[tuple[str, bytes]]:
    """The queued messages of one oproep, as the outbox stored them (decrypted)."""
    with app.app_context(), database().session() as session:
        rows = session.exec(
            select(OutboxMail.recipient, OutboxMail.message)
            .where(OutboxMail.oproep_id == oproep_id, OutboxMail.status == MailStatus.PENDING)
            .order_by(col(OutboxMail.id))
        ).all()
    return [(str(recipient), str(message).encode("ascii")) for recipient, message in rows]


def outbox_send(app: Flask, expected: int) -> float:
    started = time.perf_counter()
    report = send_pending(app, utcnow() + timedelta(seconds=1))
    elapsed = time.perf_counter() - started
    assert report.sent == expected, report
    return elapsed


def bare_send(settings: Settings, messages: list[tuple[str, bytes]]) -> float:
    sender = envelope_sender(settings.mail_sender)
    started = time.perf_counter()
    smtp = smtplib.SMTP(
        settings.mail_server, settings.mail_port, timeout=settings.mail_timeout_seconds
    )
    for recipient, message in messages:
        smtp.sendmail(sender, [recipient], message)
    smtp.quit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the result row here (run_all.py)")
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
    queued: list[float] = []
    outbox: list[float] = []
    bare: list[float] = []
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
            oproep_ids, organisation_ids, actor = prepare(app, args.mails, args.rounds)
            for number, oproep_id in enumerate(oproep_ids):
                queued.append(queue_round(app, settings, oproep_id, organisation_ids, actor))
                messages = stored_messages(app, oproep_id)
                assert len(messages) == args.mails
                if number % 2 == 0:
                    outbox.append(outbox_send(app, args.mails))
                    bare.append(bare_send(settings, messages))
                else:
                    bare.append(bare_send(settings, messages))
                    outbox.append(outbox_send(app, args.mails))
                print(
                    f"round {number + 1}: queue {queued[-1]:.3f} s, outbox {outbox[-1]:.3f} s, "
                    f"bare smtplib {bare[-1]:.3f} s, ratio {outbox[-1] / bare[-1]:.2f}"
                )
            with app.app_context(), database().session() as session:
                unsent = session.exec(
                    select(sa.func.count())
                    .select_from(OutboxMail)
                    .where(OutboxMail.status != MailStatus.SENT)
                ).one()
            app.extensions["database"].engine.dispose()
    finally:
        stop.set()
        server.join(10)

    ratios = [mine / theirs for mine, theirs in zip(outbox, bare, strict=True)]
    print(f"mails per round:       {args.mails} (rounds: {args.rounds})")
    print(f"time to queue:         {statistics.median(queued):.3f} s (median)")
    print(f"outbox send:           {statistics.median(outbox):.3f} s (median)")
    print(f"bare smtplib loop:     {statistics.median(bare):.3f} s (median)")
    print(f"ratio outbox / bare:   {statistics.median(ratios):.2f} (median of rounds; target <= 2)")
    print(f"mails received:        {received.value} (expected {2 * args.mails * args.rounds})")
    print(f"SMTP connections:      {connections.value} (one per send)")
    print(f"outbox mails not sent: {unsent}")
    if args.json:
        row = {
            "path": f"{args.mails} organisation mails over one SMTP connection",
            "project": f"{statistics.median(outbox):.3f} s to send"
            f" (+{statistics.median(queued):.2f} s to queue)",
            "baseline": f"smtplib loop, same messages: {statistics.median(bare):.3f} s",
            "ratio": statistics.median(ratios),
            "target": "≤ 2×",
            "met": statistics.median(ratios) <= 2 and not unsent,
        }
        args.json.write_text(json.dumps([row], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
