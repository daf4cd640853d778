"""Helpers the test modules share (importable as ``support``: pytest puts tests/ on the path)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

STAFF_PASSWORD = "een lang genoeg wachtwoord"


def csrf_token(client: FlaskClient, path: str = "/inloggen", **kwargs: Any) -> str:
    """Fetch a page and read the CSRF token from its form."""
    html = client.get(path, **kwargs).get_data(as_text=True)
    marker = 'name="csrf_token" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def login(client: FlaskClient, email: str, password: str = STAFF_PASSWORD) -> None:
    response = client.post(
        "/inloggen",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


# Random ids (UUIDs, with or without dashes), MIME boundaries and signed tokens in links are
# not personal data, but their characters can hold a short typed value such as "77b" or
# "1941" by chance (a boundary "===...2638306591941212608==" did): masked before logs and
# mails are searched.
_RANDOM_ID = re.compile(
    r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\b"
    r"|={3,}\d{6,}={0,3}"
    r"|(?<=/)[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_.\-]{10,}",
    re.IGNORECASE,
)


def without_random_ids(text: str) -> str:
    return _RANDOM_ID.sub("<id>", text)
