"""``local_path``: whatever ``next`` holds, the login only ever goes to a path on this site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from niemand_alleen.auth.targets import local_path

# Characters that make or break a URL, so random text hits the interesting shapes often.
URL_ALPHABET = st.sampled_from(list("/\\%:?#@.aZ09 \t\r\n\x00") + ["%2F", "%5C", "%25", "%0A"])


def browser_view(text: str) -> str:
    """What a browser makes of a Location: decoded, tabs and breaks dropped, \\ read as /."""
    for _ in range(6):
        text = unquote(text)
    return "".join(c for c in text if c not in "\t\r\n").replace("\\", "/")


@settings(max_examples=400, deadline=None)
@given(st.lists(URL_ALPHABET, max_size=12).map("".join) | st.text(max_size=30))
def test_an_accepted_target_is_always_a_path_on_this_site(target: str) -> None:
    accepted = local_path(target)
    if accepted is None:
        return
    seen = browser_view(accepted)
    parts = urlsplit(seen)
    assert seen.startswith("/")
    assert not seen.startswith("//")
    assert not parts.scheme
    assert not parts.netloc
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in accepted)


def test_ordinary_paths_are_kept() -> None:
    assert local_path("/") == "/"
    assert local_path("/mijn-account") == "/mijn-account"
    assert local_path("/oproepen?status=open") == "/oproepen?status=open"
    assert local_path("/oproepen?") == "/oproepen"
    assert local_path("/zoeken/caf%C3%A9") == "/zoeken/caf%C3%A9"


def test_other_sites_and_broken_targets_are_refused() -> None:
    for target in [None, "", "oproepen", "//x", "////x", "/\\x", "/%2F%2Fx", "/%252F/x", "/a\nb"]:
        assert local_path(target) is None, target
