"""Fixtures for the geo tests: the shipped data and a fake PDOK Locatieserver.

The fake server listens on 127.0.0.1 only, so no test reaches the internet.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pdok_support import FakePdok

from niemand_alleen.geo import Gazetteer, PdokLocatieserver
from niemand_alleen.geo.geocoder import PDOK_FREE_PATH

POSTCODES_DIR = Path(__file__).resolve().parents[2] / "postcodes"


@pytest.fixture(scope="session")
def postcodes_dir() -> Path:
    return POSTCODES_DIR


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_directory(POSTCODES_DIR)


def _handler_for(fake: FakePdok) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            fake.paths.append(parts.path)
            fake.requests.append(parse_qs(parts.query))
            if fake.delay_s:
                # Interruptible sleep so the fixture can end a slow answer at teardown.
                fake.release.wait(fake.delay_s)
            if parts.path != PDOK_FREE_PATH:
                self._send(404, '{"error": "not found"}')
            elif fake.status != 200:
                self._send(fake.status, '{"error": "server error"}')
            else:
                self._send(200, fake.payload())

        def _send(self, status: int, body: str) -> None:
            data = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up (timeout test); nothing to do

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # disconnects from timed-out clients are expected


@pytest.fixture
def fake_pdok() -> Iterator[FakePdok]:
    fake = FakePdok()
    server = _QuietServer(("127.0.0.1", 0), _handler_for(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval keeps shutdown (and so each test's teardown) fast.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def pdok(fake_pdok: FakePdok) -> Iterator[PdokLocatieserver]:
    # proxies={} so a proxy configured in the environment is never used for 127.0.0.1.
    geocoder = PdokLocatieserver(fake_pdok.url, timeout=0.5, proxies={})
    with geocoder:
        yield geocoder
