"""Helpers the test modules share (importable as ``support``: pytest puts tests/ on the path)."""

from __future__ import annotations

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
