"""Each staff list that grows, one page of it, beside a static page of the same bytes.

    .venv/bin/python bench/staff_lists.py [--rows 5000] [--rounds 30]

Target (issue 17): every list within 5x the time of the static page of the same size.

A throw-away demo instance (SQLite, WAL) gets ``--rows`` rows in each list: oproepen, whose
residents the demo buurtwerker registered (so *Mijn aanmeldingen* holds as many), partner
organisations (each in a wijk), mails that failed, and audit events. gunicorn serves it
with one sync worker (access log off, as in production). Each list is fetched logged in as
its role, at page 1 and at a page in the middle (the database skips the rows before it).
The bytes of each answer are saved and served as a file by the same worker (werkzeug's
``SharedDataMiddleware`` in front of the app: no request context, no session, no
database), and the page and its static copy are fetched in alternating rounds, each over a
new connection (gunicorn's sync worker closes it). Medians and their ratio are printed.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET_RATIO = 5.0
PER_PAGE = 50
STATIC_PREFIX = "/bench-static"  # the saved page as a file, in front of the app
SAVED_PREFIX = "/bench-saved"  # the saved page as a page of the app
# (label, path, role of the demo account that sees it)
LISTS = [
    ("oproepen", "/oproepen", "coordinator"),
    ("aanmeldingen", "/aanmeldingen", "buurtwerker"),
    ("organisaties", "/beheer/organisaties", "beheerder"),
    ("mail", "/beheer/mail", "beheerder"),
    ("auditlog", "/beheer/audit", "beheerder"),
]


def served_app():  # type: ignore[no-untyped-def]  # gunicorn's factory: 'staff_lists:served_app()'
    """The demo app, with the saved pages served two ways: as a page of the app (behind the
    same login, session and headers, without a database or template) and as a file in
    front of the app."""
    from flask import Response
    from werkzeug.middleware.shared_data import SharedDataMiddleware

    from niemand_alleen import create_app
    from niemand_alleen.auth import roles_required
    from niemand_alleen.config import load_settings
    from niemand_alleen.models import Role

    folder = Path(os.environ["BENCH_STATIC_DIR"])
    app = create_app(load_settings("demo"))

    @roles_required(Role.BEHEERDER, Role.COORDINATOR, Role.BUURTWERKER)
    def saved_page(name: str) -> Response:
        return Response((folder / name).read_bytes(), mimetype="text/html")

    app.add_url_rule(f"{SAVED_PREFIX}/<name>", "bench_saved_page", saved_page)
    app.wsgi_app = SharedDataMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, {STATIC_PREFIX: str(folder)}, cache=False
    )
    return app


def fill(instance: Path, rows: int) -> None:
    """``rows`` rows in every list, through the models (personal fields encrypted)."""
    from sqlmodel import select

    from niemand_alleen import create_app
    from niemand_alleen.audit import record_audit
    from niemand_alleen.config import load_settings
    from niemand_alleen.db import database
    from niemand_alleen.demo import RESIDENTIAL_WIJKEN
    from niemand_alleen.models import (
        AuditAction,
        LawfulBasisArt6,
        LawfulBasisArt9,
        MailStatus,
        Oproep,
        OproepStatus,
        Organisation,
        OrganisationWijk,
        OutboxMail,
        Resident,
        Role,
        User,
        utcnow,
    )

    app = create_app(load_settings("demo", instance_path=instance))
    statuses = list(OproepStatus)
    start = utcnow() - timedelta(days=rows)
    with app.app_context(), database().session() as session:
        buurtwerker = session.exec(select(User).where(User.role == Role.BUURTWERKER)).one()
        for number in range(rows):
            wijk = RESIDENTIAL_WIJKEN[number % len(RESIDENTIAL_WIJKEN)]
            created = start + timedelta(minutes=number)
            resident = Resident(
                first_name=f"Bewoner{number}",
                last_name="Bench",
                street="Straat",
                house_number=str(number),
                postcode="3328AB",
                phone="+31612345678",
                birth_date="1940-01-01",
                situation="Bench.",
                wijk_code=wijk,
                pc4="3328",
                registered_by_id=buurtwerker.id,
                lawful_basis_art6=LawfulBasisArt6.PUBLIC_TASK,
                lawful_basis_art9=LawfulBasisArt9.SOCIAL_CARE,
                created_at=created,
            )
            session.add(resident)
            session.flush()
            session.add(
                Oproep(
                    resident_id=resident.id,
                    status=statuses[number % len(statuses)],
                    pc4="3328",
                    wijk_code=wijk,
                    proposed_text="Een vrouw van in de 80 zoekt gezelschap.",
                    created_at=created,
                )
            )
            organisation = Organisation(
                name=f"Bench-organisatie {number:06d}",
                contact_emails=f"info{number}@example.org\nhulp{number}@example.org",
            )
            session.add(organisation)
            session.flush()
            session.add(OrganisationWijk(organisation_id=organisation.id, wijk_code=wijk))
            session.add(
                OutboxMail(
                    idempotency_key=f"bench-{uuid.uuid4().hex}",
                    kind="coordinator_reminder",
                    recipient="coordinator@example.org",
                    subject="Herinnering",
                    body_text="Bench.",
                    status=MailStatus.FAILED,
                    attempts=5,
                    last_error="550 5.1.1 Onbekende ontvanger",
                    created_at=created,
                )
            )
            record_audit(
                session,
                actor_user_id=buurtwerker.id,
                action=AuditAction.VIEW,
                record_type="resident",
                record_id=str(resident.id),
            )
            if number % 500 == 499:
                session.commit()
        session.commit()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def logged_in(base: str, email: str, password: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    html = opener.open(f"{base}/inloggen").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, "no login form"
    data = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token.group(1)}
    ).encode()
    opener.open(f"{base}/inloggen", data=data).read()
    return opener


def fetch_ms(opener: urllib.request.OpenerDirector, url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    with opener.open(url) as response:
        body = response.read()
        assert response.status == 200, url
    return (time.perf_counter() - start) * 1000, body


def compare(
    opener: urllib.request.OpenerDirector, base: str, path: str, static: Path, rounds: int
) -> tuple[int, float, float, float]:
    """Bytes of the page; median ms of the page, of its copy as a page of the app and of
    its copy as a file (in alternating rounds)."""
    _, body = fetch_ms(opener, base + path)
    name = f"{uuid.uuid4().hex}.html"
    (static / name).write_bytes(body)
    page_ms, saved_ms, file_ms = [], [], []
    for _ in range(rounds):
        page_ms.append(fetch_ms(opener, base + path)[0])
        saved_ms.append(fetch_ms(opener, f"{base}{SAVED_PREFIX}/{name}")[0])
        file_ms.append(fetch_ms(opener, f"{base}{STATIC_PREFIX}/{name}")[0])
    return (
        len(body),
        statistics.median(page_ms),
        statistics.median(saved_ms),
        statistics.median(file_ms),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", type=Path, help="write the result rows here (run_all.py)")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        instance, static = Path(tmp) / "instance", Path(tmp) / "static"
        static.mkdir()
        env = {**os.environ, "INSTANCE_PATH": str(instance), "BENCH_STATIC_DIR": str(static)}
        env.pop("DATABASE_URL", None)
        out = subprocess.run(
            [BIN / "niemand-alleen", "demo", "--no-serve"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        accounts = dict(
            (role, (email, password))
            for role, email, password in re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)$", out, re.M)
        )
        started = time.perf_counter()
        fill(instance, args.rows)
        print(f"{args.rows:,} rows in each list in {time.perf_counter() - started:.0f} s")
        port = free_port()
        gunicorn = subprocess.Popen(
            [
                BIN / "gunicorn",
                "-w",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "--pythonpath",
                str(Path(__file__).parent),
                "staff_lists:served_app()",
            ],
            env={**env, "NIEMAND_ALLEEN_PRESET": "demo"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{base}/privacy", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            openers = {role: logged_in(base, *account) for role, account in accounts.items()}
            middle = max(1, args.rows // PER_PAGE // 2)
            print(
                f"{'list':<14} {'page':>5} {'bytes':>8} {'list (ms)':>10} {'static (ms)':>12}"
                f" {'ratio':>6} {'file (ms)':>10} {'ratio':>6}"
            )
            for label, path, role in LISTS:
                for page in (1, middle):
                    size, page_ms, saved_ms, file_ms = compare(
                        openers[role], base, f"{path}?pagina={page}", static, args.rounds
                    )
                    print(
                        f"{label:<14} {page:>5} {size:>8,} {page_ms:>10.2f} {saved_ms:>12.2f}"
                        f" {page_ms / saved_ms:>6.2f} {file_ms:>10.2f} {page_ms / file_ms:>6.2f}",
                        flush=True,
                    )
                    rows.append(
                        {
                            "path": f"staff list {path}, page {page} of {args.rows:,} rows"
                            f" ({size:,} bytes)",
                            "project": f"{page_ms:.1f} ms",
                            "baseline": f"same bytes as a page of the app: {saved_ms:.1f} ms",
                            "ratio": page_ms / saved_ms,
                            "target": f"≤ {TARGET_RATIO:g}×",
                            "met": page_ms / saved_ms <= TARGET_RATIO,
                        }
                    )
            print(
                f"medians of {args.rounds} alternating rounds. static: the same bytes as a page"
                " of the app (same login, session and headers; no database, no template);"
                f" file: as a file in front of the app. Target: static ratio at most"
                f" {TARGET_RATIO:g}."
            )
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=10)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
