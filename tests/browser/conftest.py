"""Real-browser tests: the app on a live server, driven by Debian's Chromium through Playwright.

Playwright never downloads a browser here; it starts ``/usr/bin/chromium``. Without it the
browser tests are skipped locally and fail under ``NA_REQUIRE_ALL_PARTS=1`` (CI).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session
from support import Databases, SettingsFor
from werkzeug.serving import make_server

from niemand_alleen import create_app
from niemand_alleen.auth import passwords
from niemand_alleen.auth.service import create_user
from niemand_alleen.config import Settings
from niemand_alleen.crypto import configure_keyring
from niemand_alleen.models import Role

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "een lang genoeg wachtwoord voor de browser"
MOBILE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
CSP_MESSAGE = re.compile(r"content[- ]security[- ]policy|refused to (load|apply|execute)", re.I)

# Same cheap argon2 parameters as tests/auth: real hashing costs ~0.3 s per login.
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_FAST_DUMMY = _FAST.hash("dummy password for unknown accounts")


def _require_chromium() -> None:
    # Same rule as tests/conftest.py's require_part (not importable under importlib mode).
    reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("NA_REQUIRE_ALL_PARTS") == "1":
        pytest.fail(f"Chromium is required (NA_REQUIRE_ALL_PARTS=1): {reason}")
    pytest.skip(f"Chromium not available: {reason}")


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this directory is a ``browser`` test (``dev.py test --fast`` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    settings: Settings
    emails: dict[Role, str]
    names: dict[Role, str]


@pytest.fixture(scope="session")
def live_server(
    test_databases: Databases,
    tmp_path_factory: pytest.TempPathFactory,
    settings_for: SettingsFor,
    migrate_database: Callable[[Settings], None],
) -> Iterator[LiveServer]:
    """The app on a migrated SQLite database, served by werkzeug on 127.0.0.1 in a thread."""
    url = test_databases.new_url("sqlite")
    settings = settings_for(tmp_path_factory.mktemp("browser"), url)
    migrate_database(settings)
    app = create_app(settings)
    engine = app.extensions["database"].engine
    emails = {role: f"{role.value}@browser.example.org" for role in Role}
    names = {role: f"Browser {role.value.capitalize()}" for role in Role}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", _FAST)
        with Session(engine) as session:
            for role in Role:
                create_user(
                    session, email=emails[role], name=names[role], role=role, password=PASSWORD
                )
            session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            settings=settings,
            emails=emails,
            names=names,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine.dispose()


@pytest.fixture(autouse=True)
def _live_server_state(
    browser: Any, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per test: cheap hashing, and the server's keys (another app may have replaced them)."""
    monkeypatch.setattr(passwords, "_hasher", _FAST)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: _FAST_DUMMY)
    configure_keyring(live_server.settings.encryption_keys, live_server.settings.hash_key)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            # Playwright turns the back/forward cache off; a real browser has it, and "back after
            # logout" must be tested against it (Cache-Control: no-store keeps pages out of it).
            ignore_default_args=["--disable-back-forward-cache"],
        )
        yield chromium
        chromium.close()


@dataclass
class Site:
    """One browser context on the live server, with what its pages printed to the console."""

    page: Any
    server: LiveServer
    width: int
    console_errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        return self.page.goto(self.server.url + path)

    def login(self, role: Role) -> None:
        self.goto("/inloggen")
        self.page.get_by_label("E-mailadres").fill(self.server.emails[role])
        self.page.get_by_label("Wachtwoord").fill(PASSWORD)
        self.page.get_by_role("button", name="Inloggen").click()
        self.page.wait_for_url(lambda url: "/inloggen" not in url)

    def csp_errors(self) -> list[str]:
        return [message for message in self.console_errors if CSP_MESSAGE.search(message)]

    def scroll_width(self) -> int:
        width: int = self.page.evaluate("document.documentElement.scrollWidth")
        return width


@pytest.fixture
def open_site(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Site]]:
    """Open a fresh context (own cookies) at a viewport; every context is closed afterwards."""
    contexts: list[Any] = []

    def _open(viewport: dict[str, int] = DESKTOP) -> Site:
        mobile = viewport["width"] < 600
        context = browser.new_context(
            viewport=viewport,
            is_mobile=mobile,
            has_touch=mobile,
            locale="nl-NL",
            service_workers="block",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        site = Site(page=page, server=live_server, width=viewport["width"])

        def on_console(message: Any) -> None:
            if message.type == "error":
                site.console_errors.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: site.console_errors.append(f"pageerror: {error}"))
        return site

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def site(open_site: Callable[..., Site]) -> Site:
    return open_site()
