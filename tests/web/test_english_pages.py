"""The public pages in English: chosen by the browser's Accept-Language or by the switch in
the header (remembered in a cookie, which wins), `<html lang>` following; staff pages always
Dutch; a language we do not offer, in the parameter or the cookie, is ignored (never a 500).
"""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import LoginAs, csrf_token
from werkzeug.test import TestResponse

from niemand_alleen.i18n import COOKIE, SECURE_COOKIE
from niemand_alleen.models import Role
from niemand_alleen.signup.answers import kilometres

ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"}
DUTCH_BROWSER = {"Accept-Language": "nl-NL,nl;q=0.9"}
PUBLIC_PAGES = ["/", "/privacy", "/over", "/aanmelden", "/aanmelden/verstuurd"]
# Ordinary Dutch words that no English public page shows (names such as "Samen Dordt" or
# "Buurtwerk Dordrecht" and the dataset "Wijk- en buurtkaart" aside, checked word by word).
DUTCH_WORDS = re.compile(
    r"\b(?:u|uw|het|een|niet|wij|wat|wie|hoe|voor|naar|bij|ook|als|dan|zijn|wordt|"
    r"aanmelding|aanmelden|gegevens|buren|buur|verstuurd|bevestigen|intrekken|wijk|"
    r"startpagina|privacyverklaring|inhoud|medewerkers)\b",
    re.IGNORECASE,
)


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles, tags or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def html_lang(response: TestResponse) -> str:
    match = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def dutch_left(response: TestResponse) -> list[str]:
    text = visible_text(response.get_data(as_text=True))
    text = text.replace("Wijk- en buurtkaart", "")  # the name of the CBS dataset
    return sorted({m.group(0) for m in DUTCH_WORDS.finditer(text)})


def language_cookie(response: TestResponse, name: str = COOKIE) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_browser_asking_for_english_gets_every_public_page_in_english(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path, headers=ENGLISH_BROWSER)

    assert response.status_code == 200
    assert html_lang(response) == "en"
    assert dutch_left(response) == []
    # Caches keep the languages apart.
    assert {"accept-language", "cookie"} <= {v.lower() for v in response.vary}
    # The switch back to Dutch, named in Dutch.
    assert 'lang="nl" hreflang="nl">Nederlands</a>' in response.get_data(as_text=True)


def test_the_home_page_reads_in_english_and_in_dutch(client: FlaskClient) -> None:
    english = client.get("/", headers=ENGLISH_BROWSER).get_data(as_text=True)
    assert "Good neighbours for people in Dordrecht who are on their own." in english
    assert "Skip to content" in english

    dutch = client.get("/", headers=DUTCH_BROWSER)
    assert html_lang(dutch) == "nl"
    page = dutch.get_data(as_text=True)
    assert "Goede buren voor Dordtenaren die er alleen voor staan." in page
    assert 'href="?lang=en" lang="en" hreflang="en">English</a>' in page


@pytest.mark.parametrize("header", [None, "de-DE,de;q=0.9", "fr, es;q=0.5", "*"])
def test_without_english_in_the_browser_the_pages_are_dutch(
    client: FlaskClient, header: str | None
) -> None:
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert html_lang(response) == "nl"
    assert "Goede buren voor Dordtenaren" in response.get_data(as_text=True)


def test_the_switch_sets_a_cookie_that_wins_over_the_browser(client: FlaskClient) -> None:
    switched = client.get("/privacy?lang=en", headers=DUTCH_BROWSER)
    assert html_lang(switched) == "en"
    cookie = language_cookie(switched)
    assert cookie is not None
    assert cookie.startswith(f"{COOKIE}=en;")
    assert "SameSite=Lax" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # the test app's cookies are not Secure (no HTTPS)

    # Without the parameter, the remembered choice beats the Dutch browser.
    later = client.get("/aanmelden", headers=DUTCH_BROWSER)
    assert html_lang(later) == "en"
    assert "Sign up as a good neighbour" in later.get_data(as_text=True)
    assert language_cookie(later) is None  # nothing new to remember

    # And back: the switch on the English page leads to Dutch, also for an English browser.
    back = client.get("/aanmelden?lang=nl", headers=ENGLISH_BROWSER)
    assert html_lang(back) == "nl"
    assert (language_cookie(back) or "").startswith(f"{COOKIE}=nl;")
    assert html_lang(client.get("/", headers=ENGLISH_BROWSER)) == "nl"


def test_the_cookie_is_secure_when_the_apps_cookies_are(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.get("/?lang=en", base_url="https://localhost")
    assert language_cookie(response) is None
    cookie = language_cookie(response, SECURE_COOKIE)
    assert cookie is not None
    assert "Secure" in cookie
    assert "Domain" not in cookie  # a __Host- cookie names no domain
    # Remembered under that name.
    later = client.get("/", base_url="https://localhost", headers=DUTCH_BROWSER)
    assert html_lang(later) == "en"


BAD_VALUES = ["xx", "", "EN", "en-US", "de", "<script>", "n%l", "e" * 5000, "en;nl"]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_language_we_do_not_offer_in_the_parameter_is_ignored(
    client: FlaskClient, value: str
) -> None:
    response = client.get("/", query_string={"lang": value}, headers=DUTCH_BROWSER)
    assert response.status_code == 200
    assert html_lang(response) == "nl"
    assert language_cookie(response) is None

    english = client.get("/", query_string={"lang": value}, headers=ENGLISH_BROWSER)
    assert english.status_code == 200
    assert html_lang(english) == "en"


@pytest.mark.parametrize("value", ["xx", "", "EN", "de", "%00", "e" * 3000])
def test_a_language_we_do_not_offer_in_the_cookie_is_ignored(
    client: FlaskClient, value: str
) -> None:
    client.set_cookie(COOKIE, value)
    response = client.get("/aanmelden", headers=DUTCH_BROWSER)
    assert response.status_code == 200
    assert html_lang(response) == "nl"


def test_staff_pages_stay_dutch(client: FlaskClient, login_as: LoginAs) -> None:
    client.set_cookie(COOKIE, "en")
    login_page = client.get("/inloggen?lang=en", headers=ENGLISH_BROWSER)
    assert html_lang(login_page) == "nl"
    assert language_cookie(login_page) is None
    assert "English</a>" not in login_page.get_data(as_text=True)

    login_as(Role.COORDINATOR)
    for path in ("/", "/privacy", "/mijn-account"):
        response = client.get(f"{path}?lang=en", headers=ENGLISH_BROWSER)
        assert response.status_code == 200, path
        assert html_lang(response) == "nl", path
        assert "Naar de inhoud" in response.get_data(as_text=True)
        assert "English</a>" not in response.get_data(as_text=True)


def test_pages_for_organisations_stay_dutch(client: FlaskClient) -> None:
    """Organisations get Dutch mails; the pages those mails lead to are Dutch only."""
    client.set_cookie(COOKIE, "en")
    response = client.get("/afmelden/organisatie/bevestigen/nonsense?lang=en")
    assert response.status_code == 404
    assert html_lang(response) == "nl"
    page = response.get_data(as_text=True)
    assert "Deze bevestigingslink werkt niet" in page
    assert "Naar de inhoud" in page
    assert "English</a>" not in page
    assert language_cookie(response) is None


def test_the_sign_up_form_says_what_is_wrong_in_english(client: FlaskClient) -> None:
    client.set_cookie(COOKIE, "en")
    response = client.post(
        "/aanmelden",
        data={"csrf_token": csrf_token(client, "/aanmelden"), "postcode": "1234"},
        headers=DUTCH_BROWSER,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Sign up as a good neighbour – Niemand Alleen</title>" in page
    assert "Please fill in your first name." in page
    assert "Please fill in your full postcode: 4 digits and 2 letters" in page
    assert "Please tick the box to say you have read the privacy statement." in page
    assert "Vul " not in page


def test_a_missing_page_is_explained_in_english(client: FlaskClient) -> None:
    response = client.get("/bestaat-niet", headers=ENGLISH_BROWSER)
    assert response.status_code == 404
    assert html_lang(response) == "en"
    assert "Page not found" in response.get_data(as_text=True)


def test_distances_are_written_the_english_way_in_english() -> None:
    assert kilometres(2.5, "en") == "2.5 km"
    assert kilometres(2.5) == "2,5 km"
