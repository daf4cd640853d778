"""Keyboard use: the skip link comes first and lands in main; error links land in their field."""

from __future__ import annotations

from typing import Any

import pytest

from niemand_alleen.models import Role

ACTIVE = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim(),
          inMain: !!el.closest('main'), className: el.className};
}"""


def active(site: Any) -> dict[str, Any]:
    result: dict[str, Any] = site.page.evaluate(ACTIVE)
    return result


@pytest.mark.parametrize(
    ("role", "path"),
    [(None, "/"), (None, "/inloggen"), (Role.BEHEERDER, "/beheer/gebruikers")],
    ids=["public-home", "inloggen", "beheerder-users"],
)
def test_skip_link_is_first_and_moves_focus_to_main(
    site: Any, role: Role | None, path: str
) -> None:
    if role is not None:
        site.login(role)
    site.goto(path)
    page = site.page

    page.keyboard.press("Tab")
    first = active(site)
    assert first["tag"] == "a"
    assert first["text"] == "Naar de inhoud"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0  # shown on screen while it has focus

    page.keyboard.press("Enter")
    page.wait_for_url(f"**{path.rstrip('/')}#inhoud")
    landed = active(site)
    assert (landed["tag"], landed["id"]) == ("main", "inhoud")

    # The next Tab continues inside main, past the header's navigation.
    page.keyboard.press("Tab")
    assert active(site)["inMain"], active(site)


@pytest.mark.parametrize(
    ("role", "path", "button", "fields"),
    [
        (None, "/inloggen", "Inloggen", ["email", "password"]),
        (Role.BEHEERDER, "/beheer/gebruikers", "Account maken", ["name", "email"]),
    ],
    ids=["inloggen", "beheerder-users"],
)
def test_error_summary_links_move_focus_to_their_field(
    site: Any, role: Role | None, path: str, button: str, fields: list[str]
) -> None:
    if role is not None:
        site.login(role)
    site.goto(path)
    page = site.page
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()

    summary = page.locator(".error-summary")
    links = summary.get_by_role("link")
    assert links.count() == len(fields)
    for index, field_id in enumerate(fields):
        # By keyboard: focus the link, press Enter.
        links.nth(index).focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**#{field_id}")
        assert active(site)["id"] == field_id
        field = page.locator(f"#{field_id}")
        assert field.get_attribute("aria-invalid") == "true"
        assert field.is_visible()
        # And by mouse (or tap).
        page.locator("body").focus()
        links.nth(index).click()
        assert active(site)["id"] == field_id

    assert site.csp_errors() == [], site.csp_errors()
