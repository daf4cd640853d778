"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), that can be taken down and up."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class SilentServer:
    """Accepts TCP connections (the kernel completes them) but never says a word."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(8)
        self.port = int(self._socket.getsockname()[1])

    def close(self) -> None:
        self._socket.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes = b""  # the message as it came over the wire (dot-stuffing undone)

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return "" if part is None else str(part.get_content())


@dataclass
class _Handler:
    server: TestSmtpServer

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: Any
    ) -> str:
        refusal = self.server.refused_recipients.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, _session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        if self.server.drop_during_data & {str(r).lower() for r in envelope.rcpt_tos}:
            # The server dies with the message in hand: the client never hears back.
            assert isinstance(server.transport, asyncio.Transport)
            server.transport.abort()
            return "421 Verbinding verbroken"
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.server.lock:
            self.server.messages.append(
                ReceivedMail(
                    mail_from=str(envelope.mail_from),
                    recipients=[str(r) for r in envelope.rcpt_tos],
                    message=message,
                    raw=raw,
                )
            )
        return "250 Message accepted for delivery"


class _CountingSMTP(SMTP):
    def __init__(self, server: TestSmtpServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counter = server

    def connection_made(self, transport: Any) -> None:
        with self._counter.lock:
            self._counter.connections += 1
        super().connection_made(transport)


class _Controller(Controller):
    def __init__(self, server: TestSmtpServer, **kwargs: Any) -> None:
        self._server = server
        super().__init__(_Handler(server), **kwargs)

    def factory(self) -> SMTP:
        return _CountingSMTP(self._server, self.handler, **self.SMTP_kwargs)


@dataclass
class TestSmtpServer:
    """Received mails in ``messages``; ``connections`` counts SMTP connections."""

    __test__ = False  # not a test class for pytest

    port: int = field(default_factory=free_port)
    messages: list[ReceivedMail] = field(default_factory=list)
    connections: int = 0
    # Address (lower case) -> SMTP reply to its RCPT, e.g. "550 5.1.1 Onbekende ontvanger".
    refused_recipients: dict[str, str] = field(default_factory=dict)
    # Addresses (lower case) whose DATA the server answers by dropping the connection.
    drop_during_data: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: _Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = _Controller(
                self, hostname="127.0.0.1", port=self.port, ready_timeout=10
            )
            self._controller.start()

    def stop(self) -> None:
        """Take the server down: connections to the port are refused until ``start``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.connections = 0
            self.refused_recipients.clear()
            self.drop_during_data.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Wait until at least ``count`` mails arrived; returns all received so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mails, received {len(self.messages)}")

    def to(self, address: str) -> list[ReceivedMail]:
        with self.lock:
            return [mail for mail in self.messages if address in mail.recipients]
