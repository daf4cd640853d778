"""A coordinator's visit on a phone and on a desktop: log in, look around, log out, go back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from niemand_alleen.models import Role

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 740}


def location(page: Any) -> str:
    # From the document itself: Playwright's page.url misses back/forward cache restores.
    path: str = page.evaluate("location.pathname + location.search")
    return path


def go_back(page: Any) -> None:
    """history.back(), then wait for the other document to be complete.

    Not page.go_back(): it waits for a network load, which never comes when the page is
    restored from the back/forward cache (exactly the failure this test looks for).
    """
    before = page.evaluate("location.href")
    page.evaluate("history.back()")
    page.wait_for_function(
        "before => location.href !== before && document.readyState === 'complete'", arg=before
    )


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["375px", "desktop"])
def test_coordinator_logs_in_and_out_and_back_shows_no_staff_page(
    open_site: Callable[..., Any], viewport: dict[str, int]
) -> None:
    site = open_site(viewport)
    page = site.page
    name = site.server.names[Role.COORDINATOR]

    site.login(Role.COORDINATOR)
    assert page.url == site.server.url + "/"
    assert page.get_by_role("heading", level=1).inner_text() == "Overzicht"
    assert site.scroll_width() <= site.width

    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn account"
    ).click()
    page.wait_for_url(site.server.url + "/mijn-account")
    assert page.get_by_role("heading", level=1).inner_text() == "Mijn account"
    assert name in page.content()
    assert site.scroll_width() <= site.width

    logout = page.get_by_role("banner").get_by_role("button", name="Uitloggen")
    assert logout.is_visible()
    logout.click()
    page.wait_for_url(site.server.url + "/inloggen")
    assert "U bent uitgelogd." in page.content()
    assert site.scroll_width() <= site.width

    # Back to the account page: no-store keeps it out of the back/forward cache, so the browser
    # asks again and gets the login page instead of the coordinator's page.
    go_back(page)
    shown = (location(page), page.locator("h1").inner_text())
    assert shown[1] == "Inloggen voor medewerkers", f"after logout, back showed {shown}"
    assert shown[0].startswith("/inloggen?next=/mijn-account"), shown
    assert name not in page.content()
    page.reload()
    assert page.locator("h1").inner_text() == "Inloggen voor medewerkers"
    assert name not in page.content()

    # Once more back, to the overview: now the public start page, without staff figures.
    go_back(page)
    shown = (location(page), page.locator("h1").inner_text())
    assert shown == ("/", "Niemand Alleen"), f"after logout, back showed {shown}"
    assert page.get_by_role("navigation", name="Hoofdmenu").count() == 0
    assert "Oproepen" not in page.content()

    assert site.csp_errors() == [], site.csp_errors()
