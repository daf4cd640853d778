"""Screenshots of the main pages, for the README and the handleiding (docs/screenshots/).

    .venv/bin/python bench/screenshots.py [output folder, default docs/screenshots]

Sets up the demo in a throw-away folder the way ``niemand-alleen demo`` does (SQLite, the
shipped map, the demo accounts and partner organisations), serves the real app on 127.0.0.1
and plays a small pilot through its own pages: a buurtwerker registers three made-up
residents, the worker writes the proposals with the real anonymiser, a coördinator approves
and sends two oproepen, made-up neighbours sign up and confirm through the links in their
demo mails, and the coördinator closes one oproep and starts calling. Then Debian's
Chromium (through Playwright, as in tests/browser/) logs in as each role and photographs
the pages at a fixed viewport with animations off. Every name, address and number is made
up; mails stay files in the throw-away folder.

Needs deduce's lookup cache (``$NA_DEDUCE_CACHE`` or ``.cache/deduce``; built on first use,
a few minutes). Prints each file it wrote; exits non-zero when a step fails.
"""

from __future__ import annotations

import email
import email.policy
import logging
import os
import re
import socket
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",
]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 740}
MAX_HEIGHT = 2400  # px; a longer page is cut off below this
MAX_BYTES = 400_000

# (wijk, resident, situation): every value made up.
RESIDENTS: dict[str, dict[str, Any]] = {
    "matched": {
        "first_name": "Wilhelmina",
        "last_name": "Verbrugge",
        "street": "Sterrenburgerweg",
        "house_number": "41",
        "postcode": "3328 AB",
        "phone": "06-12 34 56 78",
        "birth_date": "12-03-1941",
        "situation": (
            "Mevrouw Verbrugge woont sinds de dood van haar man alleen. Haar dochter Karin "
            "woont in Groningen. Ze houdt van kaarten en van een wandeling langs de Merwede."
        ),
        "help_wished": ["bezoekje", "wandelen"],
        "preferences": "Liever iemand die Nederlands en Turks spreekt.",
    },
    "draft": {
        "first_name": "Hendrik",
        "last_name": "Bosman",
        "street": "Groenedijk",
        "house_number": "7",
        "postcode": "3311 DB",
        "phone": "078 1234567",
        "birth_date": "02-11-1948",
        "situation": (
            "Meneer Bosman is na een val minder mobiel. Zijn buurman Joop deed altijd de "
            "boodschappen, maar is verhuisd naar Zwijndrecht. Twee keer per week komt de "
            "thuiszorg, om 9 uur. Hij zit graag met een kop koffie bij het raam en praat over "
            "de scheepswerf van Boele waar hij werkte. Dossiernummer 48213."
        ),
        "help_wished": ["boodschappen", "bezoekje"],
        "preferences": "",
    },
    "sent": {
        "first_name": "Sevda",
        "last_name": "Yılmaz",
        "street": "Sterrenburgerweg",
        "house_number": "120",
        "postcode": "3328 AB",
        "phone": "06 23 45 67 89",
        "birth_date": "20-07-1956",
        "situation": (
            "Mevrouw woont alleen en kent weinig mensen in de buurt. Ze wil graag samen "
            "naar de markt en af en toe een praatje maken."
        ),
        "help_wished": ["gezelschap", "boodschappen"],
        "preferences": "",
    },
}
NEIGHBOURS: dict[str, list[dict[str, str]]] = {
    "matched": [
        {"first_name": "Fatma", "last_name": "Özdemir", "postcode": "3328 AC",
         "house_number": "3", "languages": "Nederlands, Turks",
         "availability": "doordeweeks overdag", "motivation": "Ik woon om de hoek."},
        {"first_name": "Jan-Willem", "last_name": "de Groot", "postcode": "3318 AK",
         "house_number": "17", "languages": "Nederlands",
         "availability": "zaterdag", "motivation": "Ik wandel zelf ook graag."},
        {"first_name": "Aïcha", "last_name": "N'Diaye", "postcode": "3317 BC",
         "house_number": "8", "languages": "Nederlands, Frans",
         "availability": "woensdagmiddag", "motivation": ""},
        {"first_name": "Pieter", "last_name": "van Dam", "postcode": "3329 AB",
         "house_number": "52", "languages": "Nederlands, Engels",
         "availability": "'s avonds", "motivation": "Ik heb tijd sinds mijn pensioen."},
    ],
    "sent": [
        {"first_name": "Noor", "last_name": "Bakker", "postcode": "3328 AG",
         "house_number": "11", "languages": "Nederlands", "availability": "maandag",
         "motivation": ""},
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Shot:
    name: str
    role: str | None  # a demo account's role, or None for a visitor
    path: str
    widths: tuple[str, ...] = ("desktop",)
    max_height: int = MAX_HEIGHT


def dutch(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fail(message: str) -> SystemExit:
    return SystemExit(f"screenshots: {message}")


class Pilot:
    """The demo app in a throw-away folder and the requests that fill it."""

    def __init__(self, instance: Path, port: int) -> None:
        from niemand_alleen import create_app
        from niemand_alleen.cli import PRESET_ENV, demo_settings

        cache = os.environ.get("NA_DEDUCE_CACHE") or str(ROOT / ".cache" / "deduce")
        os.environ.update(
            {PRESET_ENV: "demo", "INSTANCE_PATH": str(instance), "DEDUCE_CACHE_DIR": cache}
        )
        self.instance = instance
        self.settings = demo_settings("127.0.0.1", port, os.environ)
        self.app = create_app(self.settings, migrations=True)
        self.passwords: dict[str, str] = {}
        self.emails: dict[str, str] = {}
        self.oproepen: dict[str, str] = {}
        self.referrals: dict[str, str] = {}
        self._addresses = 0

    def seed(self) -> None:
        """The same steps as ``niemand-alleen demo`` before it serves."""
        from flask_migrate import upgrade

        from niemand_alleen.db import database
        from niemand_alleen.demo import seed_accounts, seed_organisations
        from niemand_alleen.reference import has_reference, import_shipped_reference

        with self.app.app_context():
            upgrade()
            with database().session() as session:
                if not has_reference(session):
                    import_shipped_reference(session)
                for account in seed_accounts(session):
                    self.passwords[account.role.value] = account.password
                    self.emails[account.role.value] = account.email
                seed_organisations(session)

    def client(self, role: str) -> Any:
        client = self.app.test_client()
        self.post(
            client,
            "/inloggen",
            email=self.emails[role],
            password=self.passwords[role],
        )
        return client

    def post(self, client: Any, path: str, **data: object) -> Any:
        html = client.get(path).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        if token is None:
            raise fail(f"no form on {path}")
        response = client.post(path, data={"csrf_token": token.group(1), **data})
        if response.status_code not in (200, 302):
            raise fail(f"POST {path} answered {response.status_code}")
        if response.status_code == 200 and "error-summary" in response.get_data(as_text=True):
            errors = re.findall(r'<li><a href="#\w+">([^<]+)</a>', response.get_data(as_text=True))
            raise fail(f"POST {path} was refused: {errors}")
        return response

    def register(self) -> None:
        from sqlmodel import Session, select

        from niemand_alleen.models import Oproep

        staff = self.client("buurtwerker")
        today = date.today()
        engine = self.app.extensions["database"].engine
        for key, resident in RESIDENTS.items():
            self.post(
                staff,
                "/aanmeldingen/nieuw",
                email="",
                help_other="",
                lawful_basis_art6="public_task",
                lawful_basis_art9="explicit_consent",
                consent_date=dutch(today),
                deadline=dutch(today + timedelta(days=21)),
                **resident,
            )
            with Session(engine) as session:
                known = set(self.oproepen.values())
                new = [str(o.id) for o in session.exec(select(Oproep)) if str(o.id) not in known]
            if len(new) != 1:
                raise fail(f"expected one new oproep for {key}, found {len(new)}")
            self.oproepen[key] = new[0]

    def prepare(self) -> None:
        from niemand_alleen import jobs

        if not jobs.run_job(self.app, "prepare-proposals"):
            raise fail("the job prepare-proposals failed")

    def approve_and_send(self, coordinator: Any, key: str) -> None:
        from sqlmodel import Session, select

        from niemand_alleen.models import Dispatch, Oproep, OrganisationWijk

        engine = self.app.extensions["database"].engine
        with Session(engine) as session:
            oproep = session.get(Oproep, self._uuid(key))
            assert oproep is not None
            text, wijk = oproep.proposed_text or "", oproep.wijk_code
            organisations = session.exec(
                select(OrganisationWijk.organisation_id).where(OrganisationWijk.wijk_code == wijk)
            ).all()
        review = f"/oproepen/{self.oproepen[key]}"
        self.post(coordinator, review, text=text, warnings_checked="y")
        self.post(
            coordinator,
            f"{review}/verspreiding",
            organisation=[str(organisation) for organisation in organisations],
        )
        with Session(engine) as session:
            dispatch = session.exec(
                select(Dispatch).where(Dispatch.oproep_id == self._uuid(key))
            ).first()
            if dispatch is None:
                raise fail(f"the oproep {key} was not sent")
            self.referrals[key] = dispatch.referral_code
        self.send_mail()

    def send_mail(self) -> None:
        from niemand_alleen.mail.sender import send_pending

        send_pending(self.app)

    def sign_up(self, key: str) -> None:
        for number, neighbour in enumerate(NEIGHBOURS[key]):
            self._addresses += 1
            name = unicodedata.normalize("NFKD", neighbour["first_name"]).encode("ascii", "ignore")
            address = f"{name.decode().lower().replace('-', '')}@example.org"
            visitor = self.app.test_client()
            visitor.environ_base["REMOTE_ADDR"] = f"198.51.100.{self._addresses + 10}"
            self.post(
                visitor,
                f"/aanmelden/{self.referrals[key]}",
                email=address,
                phone=f"06 1234567{number}",
                consent="y",
                **neighbour,
            )
            self.send_mail()
            confirm = self.link_in_mail(address, "/aanmelden/bevestigen/")
            self.post(visitor, confirm)

    def link_in_mail(self, recipient: str, path: str) -> str:
        for file in sorted((self.instance / "mail").glob("*.eml")):
            message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
            if recipient not in str(message["To"]):
                continue
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", text)
            if found:
                return found.group(1)
        raise fail(f"no mail to {recipient} with a {path} link")

    def start_matching(self, coordinator: Any) -> None:
        from sqlmodel import Session, col, select

        from niemand_alleen.models import Match

        matching = f"/oproepen/{self.oproepen['matched']}/koppelen"
        self.post(coordinator, f"{matching}/sluiten")
        engine = self.app.extensions["database"].engine
        with Session(engine) as session:
            matches = session.exec(
                select(Match)
                .where(Match.oproep_id == self._uuid("matched"))
                .order_by(col(Match.rank))
            ).all()
            ids = [str(match.id) for match in matches]
        if len(ids) < 3:
            raise fail(f"expected three proposals, found {len(ids)}")
        self.post(coordinator, f"{matching}/{ids[0]}", action="approached")
        self.post(coordinator, f"{matching}/{ids[0]}", action="confirmed")
        self.post(coordinator, f"{matching}/{ids[1]}", action="approached")
        self.send_mail()

    def _uuid(self, key: str) -> Any:
        import uuid

        return uuid.UUID(self.oproepen[key])


@contextmanager
def served(app: Any, port: int) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="screenshots", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def shots(pilot: Pilot) -> list[Shot]:
    oproepen = pilot.oproepen
    return [
        Shot("start", None, "/"),
        Shot("aanmelden-goede-buur", None, f"/aanmelden/{pilot.referrals['sent']}",
             ("desktop", "375")),
        Shot("mijn-aanmeldingen", "buurtwerker", "/aanmeldingen"),
        Shot("aanmelding-formulier", "buurtwerker", "/aanmeldingen/nieuw"),
        Shot("oproepen", "coordinator", "/oproepen"),
        Shot("oproep-beoordelen", "coordinator", f"/oproepen/{oproepen['draft']}"),
        Shot("verspreiding", "coordinator", f"/oproepen/{oproepen['sent']}/verspreiding"),
        Shot("koppelen", "coordinator", f"/oproepen/{oproepen['matched']}/koppelen",
             ("desktop", "375")),
        Shot("evaluatie", "coordinator", "/evaluatie"),
        Shot("auditlog", "beheerder", "/beheer/audit", max_height=1600),  # dense rows
    ]  # fmt: skip


def photograph(pilot: Pilot, base: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for width in ("desktop", "375"):
                for role in (None, "buurtwerker", "coordinator", "beheerder"):
                    todo = [s for s in shots(pilot) if s.role == role and width in s.widths]
                    if todo:
                        written += _one_context(browser, pilot, base, out, role, width, todo)
        finally:
            browser.close()
    return written


def _one_context(
    browser: Any, pilot: Pilot, base: str, out: Path, role: str | None, width: str,
    todo: list[Shot],
) -> list[Path]:  # fmt: skip
    mobile = width == "375"
    context = browser.new_context(
        viewport=MOBILE if mobile else DESKTOP,
        device_scale_factor=1,
        is_mobile=mobile,
        has_touch=mobile,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        reduced_motion="reduce",
        service_workers="block",
    )
    context.set_default_timeout(15_000)
    written: list[Path] = []
    try:
        page = context.new_page()
        if role is not None:
            page.goto(base + "/inloggen")
            page.get_by_label("E-mailadres").fill(pilot.emails[role])
            page.get_by_label("Wachtwoord").fill(pilot.passwords[role])
            page.get_by_role("button", name="Inloggen").click()
            page.wait_for_url(lambda url: "/inloggen" not in url)
        for shot in todo:
            response = page.goto(base + shot.path)
            if response is None or response.status != 200:
                status = None if response is None else response.status
                raise fail(f"{shot.path} answered {status}")
            page.wait_for_load_state("networkidle")
            size = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], shot.max_height)}
            path = out / f"{shot.name}-{width}.png"
            page.screenshot(
                path=str(path), full_page=True, clip=clip, animations="disabled", caret="hide"
            )
            written.append(path)
    finally:
        context.close()
    return written


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="niemand-screens-") as folder:
        port = free_port()
        pilot = Pilot(Path(folder), port)
        pilot.seed()
        pilot.register()
        pilot.prepare()
        coordinator = pilot.client("coordinator")
        pilot.approve_and_send(coordinator, "matched")
        pilot.approve_and_send(coordinator, "sent")
        pilot.sign_up("matched")
        pilot.sign_up("sent")
        pilot.start_matching(coordinator)
        try:
            with served(pilot.app, port) as base:
                written = photograph(pilot, base, out)
        finally:
            pilot.app.extensions["database"].engine.dispose()
    too_big = []
    for path in written:
        size = path.stat().st_size
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {size // 1024} KB")
        if size > MAX_BYTES:
            too_big.append(path.name)
    if too_big:
        raise fail(f"larger than {MAX_BYTES // 1000} KB: {', '.join(too_big)}")


if __name__ == "__main__":
    main()
