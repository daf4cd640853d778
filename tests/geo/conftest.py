"""Fixtures for the geo tests: the shipped data and a fake PDOK Locatieserver.

The fake server listens on 127.0.0.1 only, so no test reaches the internet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from niemand_alleen.geo import Gazetteer, PdokLocatieserver
from niemand_alleen.geo.geocoder import PDOK_FREE_PATH

POSTCODES_DIR = Path(__file__).resolve().parents[2] / "postcodes"


@pytest.fixture(scope="session")
def postcodes_dir() -> Path:
    return POSTCODES_DIR


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.from_directory(POSTCODES_DIR)


@dataclass
class FakePdok:
    """What the fake Locatieserver answers; tests change the fields before calling it."""

    url: str = ""
    status: int = 200
    delay_s: float = 0.0
    body: str | None = None  # raw body overriding docs, e.g. for malformed JSON
    docs: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def answer_address(
        self,
        postcode: str,
        number: int,
        lat: float,
        lon: float,
        *,
        huisletter: str | None = None,
        toevoeging: str | None = None,
    ) -> None:
        """Answer with one address document in PDOK's format."""
        doc: dict[str, Any] = {
            "type": "adres",
            "weergavenaam": f"Teststraat {number}, {postcode[:4]} {postcode[4:]} Dordrecht",
            "id": "adr-0505200000000001",
            "postcode": postcode,
            "huisnummer": number,
            "centroide_ll": f"POINT({lon} {lat})",
        }
        if huisletter:
            doc["huisletter"] = huisletter
        if toevoeging:
            doc["huisnummertoevoeging"] = toevoeging
        self.docs = [doc]

    def payload(self) -> str:
        if self.body is not None:
            return self.body
        response = {
            "numFound": len(self.docs),
            "start": 0,
            "maxScore": 10.0,
            "numFoundExact": True,
            "docs": self.docs,
        }
        return json.dumps({"response": response})


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
