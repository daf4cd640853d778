"""The fake PDOK Locatieserver's state, shared by tests/geo's conftest and its tests.

(importable as ``pdok_support``: pytest puts tests/ on the path; conftests are not importable.)
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any


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
