"""The language of the public pages: Dutch, or English for whoever asks for it.

The pages for neighbours (start page, privacy statement, about, the sign-up pages and the
error pages of the public) exist in Dutch and English. An explicit choice wins: the switch
in the page header (``?lang=en`` or ``?lang=nl``), remembered in a cookie that holds only
that choice. Otherwise the browser's Accept-Language picks the best of Dutch and English;
otherwise Dutch. Every other page (anyone logged in, the login pages, the pages
organisations reach from their mails) is Dutch only. A language we do not offer, in the
parameter or the cookie, is ignored. The mails to a neighbour are written in the language
stored with the sign-up (``render_mail(..., locale=...)``, through ``in_locale``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import flask_babel
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_login import current_user
from werkzeug.wrappers import Response

from niemand_alleen import text

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
PARAMETER = "lang"
COOKIE = "na_lang"
# With Secure cookies (production) the name carries the __Host- prefix, as the session's.
SECURE_COOKIE = "__Host-na_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Each language is named in itself, as a switch to it should be.
SWITCH_LABELS = {"nl": "Nederlands", "en": "English"}
# The pages that exist in English too (a blueprint's pages, or single endpoints).
BILINGUAL_BLUEPRINTS = frozenset({"signup", "feedback"})
BILINGUAL_ENDPOINTS = frozenset({"web.home", "web.privacy", "web.about"})


def known_locale(value: object) -> str | None:
    """``value`` when it is a language we offer, else ``None``."""
    return value if isinstance(value, str) and value in LOCALES else None


def bilingual_page() -> bool:
    """This page exists in English too: a neighbour's page, seen without logging in."""
    if current_user and current_user.is_authenticated:
        return False  # staff see every page in Dutch
    if request.endpoint is None:
        return True  # an address that does not exist: the public's error page
    return request.blueprint in BILINGUAL_BLUEPRINTS or request.endpoint in BILINGUAL_ENDPOINTS


def choose_locale() -> str:
    """The language of this page (Flask-Babel's locale selector); Dutch outside a request."""
    if not has_request_context() or not bilingual_page():
        return DEFAULT_LOCALE
    chosen = known_locale(request.args.get(PARAMETER)) or known_locale(
        request.cookies.get(_cookie_name())
    )
    if chosen:
        return chosen
    return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE) or DEFAULT_LOCALE


def current_locale() -> str:
    """The language being written in: the page's, or the one a mail was forced into."""
    if not has_app_context():
        return DEFAULT_LOCALE
    locale = flask_babel.get_locale()
    return str(locale) if locale is not None else DEFAULT_LOCALE


@contextmanager
def in_locale(locale: str | None) -> Iterator[None]:
    """Write in ``locale`` (a stored sign-up's language; Dutch when unknown)."""
    with flask_babel.force_locale(known_locale(locale) or DEFAULT_LOCALE):
        yield


def _translate(message: str) -> str:
    if not has_app_context():
        return message
    translated: str = flask_babel.get_translations().ugettext(message)
    return translated


def _secure() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE"))


def _cookie_name() -> str:
    return SECURE_COOKIE if _secure() else COOKIE


def _remember_choice(response: Response) -> Response:
    if request.endpoint == "static":
        return response
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    chosen = known_locale(request.args.get(PARAMETER))
    if chosen and bilingual_page() and request.cookies.get(_cookie_name()) != chosen:
        response.set_cookie(
            _cookie_name(),
            chosen,
            max_age=COOKIE_MAX_AGE,
            path="/",
            secure=_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


def init_app(app: Flask) -> None:
    """After Flask-Babel's own ``init_app``: the switch, the cookie and ``Vary``."""
    text.use_translator(_translate)
    app.after_request(_remember_choice)
    app.jinja_env.globals["current_locale"] = current_locale

    @app.context_processor
    def _language_switch() -> dict[str, object]:
        if not has_request_context() or not bilingual_page():
            return {"language_switch": None}
        other = "en" if current_locale() == "nl" else "nl"
        return {
            "language_switch": {
                "locale": other,
                "label": SWITCH_LABELS[other],
                # Relative to the page: this page again (a GET) in the other language. The
                # same on every page, so a page tells nothing about its own address.
                "url": f"?{PARAMETER}={other}",
            }
        }
