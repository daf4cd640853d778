"""Protective headers and neutral error pages, set centrally for every response."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, abort, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
    if request.endpoint != "static":
        # Pages may show personal data; nothing may be kept by browsers or proxies.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def _hsts(response: Response) -> Response:
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def _log_unhandled(error: BaseException) -> None:
    # Log the type and place only: exception messages can carry personal data.
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unhandled %s at endpoint=%s\n%s", type(error).__name__, request.endpoint, frames)


# Control characters no form field or link ever needs (tab and line breaks are fine). A NUL
# byte cannot be stored in PostgreSQL text; the others only ever come from tampering.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _texts_of_request() -> Iterator[str]:
    for value in (request.view_args or {}).values():
        if isinstance(value, str):
            yield value
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            yield key
            yield value


def _refuse_control_characters() -> None:
    """Deny by default: a request with a control character in a link, a query parameter or a
    form field gets 400 before any view reads it."""
    if any(_CONTROL_CHARACTERS.search(text) for text in _texts_of_request()):
        log.info("control character refused endpoint=%s", request.endpoint)
        abort(400)


def _error_page(status: int) -> tuple[str, int]:
    return render_template("errors/error.html", status=status), status


def init_app(app: Flask) -> None:
    app.before_request(_refuse_control_characters)
    app.after_request(_set_headers)
    if app.config["SETTINGS"].is_production:
        app.after_request(_hsts)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> tuple[str, int]:
        log.info("csrf rejected endpoint=%s", request.endpoint)
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        status = error.code or 500
        if status in (400, 403, 404, 405, 413, 429, 500):
            # 500 arrives here when an error escapes the view, e.g. the commit after it.
            return _error_page(status)
        return error

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        _log_unhandled(error)
        return _error_page(500)

    def _log_exception(exc_info: Any) -> None:
        # Flask's own logger prints the message (with SQL values) for errors outside the view.
        _log_unhandled(exc_info[1])

    app.log_exception = _log_exception  # type: ignore[method-assign]
