"""Sustained sign-up rate and latency beside a bare baseline: the public form POSTed in a loop.

    .venv/bin/python bench/signup_load.py [--seconds 5] [--rounds 4] [--connections 4]
                                          [--json PATH]

Everything runs on 127.0.0.1 with a throw-away demo instance: SQLite (WAL), gunicorn with
2 sync workers (access log off, as in production), ``OPROEPEN`` OPEN oproepen each with its
referral link. The load: one process per connection, each one browser session (its own
cookie and CSRF token, fetched from the form first) that POSTs one sign-up after another,
each with a new e-mail address to the next oproep in turn, and times each answer (5 s
without one: a time-out).

The bare baseline is a Flask route that reads the same 5 fields (names, e-mail, phone,
postcode) and stores them with one ``sqlite3`` INSERT in a SQLite database of its own (WAL,
``synchronous=NORMAL``, 5 s busy timeout, as the project's), served by a second gunicorn with
the same settings. The two take turns for ``--rounds`` rounds of ``--seconds`` each (the
order alternates), after a warm-up of each; the ratio is the median of the rounds' ratios.

Targets (issue 17): within 2x the bare baseline's sign-ups/s, p99 under 100 ms, no
time-outs, every sign-up stored once. All traffic comes from one address, so the rate
limits are raised through settings for the run (said in the output), and so is the cap per
oproep (a run can bring more than its default 50 to one oproep); they are counted in the
database as in production, so their cost is measured. The sign-ups are spread over many
oproepen because the cap check counts an oproep's sign-ups up to the cap: with one oproep
and a raised cap it would count thousands, which the real cap never allows.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import multiprocessing
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
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
REFERRAL = "bench-oproep"  # + "-<n>", n = 0 .. OPROEPEN - 1
OPROEPEN = 200
# Every request comes from one address: the limits out of the way (a sender's limit must
# stay below the shared ones, or the configuration is refused).
RAISED = {
    "SIGNUP_RATE_PER_ADDRESS_PER_HOUR": "1000000000",
    "SIGNUP_RATE_PER_OPROEP_PER_HOUR": "2000000000",
    "SIGNUP_RATE_GENERAL_PER_HOUR": "2000000000",
    "SIGNUP_CAP_PER_OPROEP": "1000000000",
}
TARGET_RATIO, TARGET_P99_MS = 2.0, 100.0
TIMEOUT_S = 5.0  # a request that takes longer counts as a time-out
GUNICORN = ["-k", "sync", "-w", "2", "--log-level", "warning", "--backlog", "64"]

SEED = """
import uuid
from datetime import timedelta
from niemand_alleen import create_app
from niemand_alleen.config import load_settings
from niemand_alleen.db import database
from niemand_alleen.models import (
    Dispatch, DispatchStatus, Oproep, OproepStatus, Organisation, OrganisationWijk, local_today,
)
from niemand_alleen.reference import import_shipped_reference

app = create_app(load_settings("demo"))
with app.app_context(), database().session() as session:
    import_shipped_reference(session)
    organisation = Organisation(name="Buurthuis Bench", contact_emails="bench@example.org")
    session.add(organisation)
    session.flush()
    session.add(OrganisationWijk(organisation_id=organisation.id, wijk_code="WK050509"))
    for n in range({OPROEPEN}):
        oproep = Oproep(
            text="Een vrouw van in de 80 zoekt iemand voor een kopje koffie.",
            pc4="3328", wijk_code="WK050509", deadline=local_today() + timedelta(days=14),
            status=OproepStatus.OPEN,
        )
        session.add(oproep)
        session.flush()
        session.add(Dispatch(
            oproep_id=oproep.id, organisation_id=organisation.id,
            referral_code=f"{REFERRAL}-{n}", status=DispatchStatus.SENT,
        ))
""".replace("{REFERRAL}", REFERRAL).replace("{OPROEPEN}", str(OPROEPEN))

COUNT = """
import json
from sqlalchemy import func, distinct
from sqlmodel import select
from niemand_alleen import create_app
from niemand_alleen.config import load_settings
from niemand_alleen.db import database
from niemand_alleen.models import OutboxMail, Volunteer

app = create_app(load_settings("demo"))
with app.app_context(), database().session() as session:
    print(json.dumps({
        "volunteers": session.exec(select(func.count()).select_from(Volunteer)).one(),
        "distinct_emails": session.exec(select(func.count(distinct(Volunteer.email_hash)))).one(),
        "mails": session.exec(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "signup_confirm")
        ).one(),
    }))
"""


def _body(token: str, email: str) -> bytes:
    return urllib.parse.urlencode(
        {
            "csrf_token": token,
            "first_name": "Fatma",
            "last_name": "Özdemir",
            "email": email,
            "phone": "06 12345678",
            "postcode": "3328 AB",
            "house_number": "14 b",
            "availability": "Zaterdag",
            "consent": "y",
            "website": "",
        }
    ).encode()


def _connection_loop(
    port: int, session: tuple[str, str], prefix: str, seconds: float, out: Any
) -> None:
    """One client connection (in a process of its own): POST sign-ups one after another,
    each over a new connection (gunicorn's sync workers close it), until ``seconds`` pass.
    Sends back the latencies (ms), statuses and errors."""
    cookie, token = session
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = {"connect": 0, "read": 0, "timeout": 0}
    counter = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        counter += 1
        body = _body(token, f"{prefix}-{counter}@example.org")
        request = (
            f"POST /aanmelden/{REFERRAL}-{counter % OPROEPEN} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        ).encode() + body
        start = time.perf_counter()
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_S)
        except OSError:
            errors["connect"] += 1
            continue
        try:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            errors["timeout"] += 1
            continue
        except OSError:
            errors["read"] += 1
            continue
        finally:
            sock.close()
        latencies.append((time.perf_counter() - start) * 1000)
        status = answer[9:12].decode("ascii", "replace")
        statuses[status] = statuses.get(status, 0) + 1
    out.send((latencies, statuses, errors))
    out.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def run_load(base: str, sessions: list[tuple[str, str]], seconds: float, connections: int) -> dict:  # type: ignore[type-arg]
    """``connections`` clients for ``seconds``; latencies in ms, statuses and errors summed."""
    port = int(base.rsplit(":", 1)[1])
    run = uuid.uuid4().hex[:8]
    context = multiprocessing.get_context("fork")
    pipes, workers = [], []
    for index in range(connections):
        receiving, sending = context.Pipe(duplex=False)
        worker = context.Process(
            target=_connection_loop,
            args=(port, sessions[index % len(sessions)], f"c{index}-{run}", seconds, sending),
        )
        worker.start()
        sending.close()
        pipes.append(receiving)
        workers.append(worker)
    started = time.perf_counter()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors = {"connect": 0, "read": 0, "timeout": 0}
    for receiving in pipes:
        their_latencies, their_statuses, their_errors = receiving.recv()
        latencies += their_latencies
        for status, n in their_statuses.items():
            statuses[status] = statuses.get(status, 0) + n
        for kind, n in their_errors.items():
            errors[kind] += n
    elapsed = max(time.perf_counter() - started, seconds)
    for worker in workers:
        worker.join()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "statuses": statuses,
        **errors,
        **{f"p{n}": percentile(latencies, n / 100) for n in (50, 95, 99)},
        "max": max(latencies, default=0.0),
    }


def workers_cpu_seconds(master_pid: int) -> float | None:
    """CPU time (user + system) used so far by gunicorn's workers (Linux /proc), or None."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        total = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, ValueError, IndexError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def browser_session(base: str) -> tuple[str, str]:
    """One visitor: open the form, keep the session cookie and the form's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/aanmelden/{REFERRAL}-0", timeout=10).read().decode()
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the form"
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, match.group(1)


def bare_app():  # type: ignore[no-untyped-def]  # gunicorn's factory: 'signup_load:bare_app()'
    """The bare baseline: the same 5 fields read from the form, one ``sqlite3`` INSERT (WAL,
    ``synchronous=NORMAL``, 5 s busy timeout, as the project's SQLite), a redirect."""
    import sqlite3

    from flask import Flask, redirect, request

    connection = sqlite3.connect(os.environ["BENCH_BARE_DB"], timeout=5)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    app = Flask(__name__)

    @app.get("/ping")
    def ping() -> str:
        return "ok"

    @app.post("/aanmelden/<code>")
    def signup(code: str):  # type: ignore[no-untyped-def]
        form = request.form
        with connection:
            connection.execute(
                "INSERT INTO signup (code, first_name, last_name, email, phone, postcode)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    code,
                    form["first_name"],
                    form["last_name"],
                    form["email"],
                    form["phone"],
                    form["postcode"],
                ),
            )
        return redirect("/aanmelden/verstuurd")

    return app


def bare_database(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE signup (id INTEGER PRIMARY KEY, code TEXT, first_name TEXT,"
            " last_name TEXT, email TEXT UNIQUE, phone TEXT, postcode TEXT)"
        )


def bare_count(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM signup").fetchone()[0])


def start_gunicorn(app: str, env: dict[str, str], ready_path: str) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            BIN / "gunicorn",
            *GUNICORN,  # and no --access-logfile: no access log
            "-b",
            f"127.0.0.1:{port}",
            "--pythonpath",
            str(Path(__file__).parent),
            app,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(base + ready_path, timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    return server, base


class Side:
    """One side of the comparison: its server, sessions, rounds and workers' CPU."""

    def __init__(self, name: str, server: subprocess.Popen, base: str, sessions: list) -> None:  # type: ignore[type-arg]
        self.name, self.server, self.base, self.sessions = name, server, base, sessions
        self.rounds: list[dict] = []  # type: ignore[type-arg]
        self.warmup: dict = {}  # type: ignore[type-arg]
        self.cpu = 0.0

    def run(self, seconds: int, connections: int) -> dict:  # type: ignore[type-arg]
        before = workers_cpu_seconds(self.server.pid)
        result = run_load(self.base, self.sessions, seconds, connections)
        after = workers_cpu_seconds(self.server.pid)
        if before is not None and after is not None:
            self.cpu += after - before
        result["rate"] = result["statuses"].get("302", 0) / result["seconds"]
        self.rounds.append(result)
        return result

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.rounds)

    def accepted(self) -> int:
        return sum(r["statuses"].get("302", 0) for r in [*self.rounds, self.warmup])

    def other_statuses(self) -> dict[str, int]:
        other: dict[str, int] = {}
        for r in [*self.rounds, self.warmup]:
            for status, n in r["statuses"].items():
                if status != "302":
                    other[status] = other.get(status, 0) + n
        return other

    def errors(self, *kinds: str) -> int:
        return sum(r[k] for r in [*self.rounds, self.warmup] for k in kinds)

    def summary(self) -> str:
        return (
            f"{self.median('rate'):,.0f} sign-ups/s, p50 {self.median('p50'):.1f} ms,"
            f" p99 {self.median('p99'):.1f} ms, {self.errors('timeout')} time-outs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per round and side")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write the result row here (run_all.py)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "INSTANCE_PATH": tmp, "NIEMAND_ALLEEN_PRESET": "demo", **RAISED}
        env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env["BENCH_BARE_DB"] = str(Path(tmp) / "bare.sqlite3")
        subprocess.run(
            [BIN / "niemand-alleen", "db", "upgrade"], env=env, check=True, capture_output=True
        )
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True)
        bare_database(Path(env["BENCH_BARE_DB"]))
        project_server, project_base = start_gunicorn("niemand_alleen.wsgi:app", env, "/privacy")
        bare_server, bare_base = start_gunicorn("signup_load:bare_app()", env, "/ping")
        try:
            project = Side(
                "project",
                project_server,
                project_base,
                [browser_session(project_base) for _ in range(args.connections)],
            )
            bare = Side("bare", bare_server, bare_base, [("", "")])
            for side in (project, bare):  # both workers of each load what they load lazily
                side.warmup = run_load(side.base, side.sessions, 2, args.connections)
            for number in range(args.rounds):
                order = (project, bare) if number % 2 == 0 else (bare, project)
                for side in order:
                    side.run(args.seconds, args.connections)
                p, b = project.rounds[-1], bare.rounds[-1]
                print(
                    f"round {number + 1}: project {p['rate']:7.1f}/s p99 {p['p99']:6.1f} ms"
                    f" | bare {b['rate']:7.1f}/s p99 {b['p99']:6.1f} ms"
                    f" | ratio {b['rate'] / max(p['rate'], 1e-9):.2f}",
                    flush=True,
                )
        finally:
            for server in (project_server, bare_server):
                server.terminate()
                server.wait(timeout=10)
        counts = json.loads(
            subprocess.run(
                [sys.executable, "-c", COUNT], env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        bare_stored = bare_count(Path(env["BENCH_BARE_DB"]))

    # The load stops counting at the end of each run while up to one request per connection is
    # still being served: those are stored without being counted as accepted.
    runs = args.rounds + 1
    in_flight = counts["volunteers"] - project.accepted()
    stored_once = (
        counts["volunteers"] == counts["distinct_emails"] == counts["mails"]
        and 0 <= in_flight <= runs * args.connections
    )
    bare_in_flight = bare_stored - bare.accepted()
    ratios = [
        b["rate"] / max(p["rate"], 1e-9) for p, b in zip(project.rounds, bare.rounds, strict=True)
    ]
    ratio = statistics.median(ratios)
    print("NOTE: rate limits and the cap per oproep raised for this run (one client address):")
    print("      " + ", ".join(f"{k}={v}" for k, v in RAISED.items()))
    print(
        f"setup: gunicorn {' '.join(GUNICORN)}, SQLite (WAL), {args.connections}"
        f" client connections, {args.rounds} alternating rounds of {args.seconds} s after a"
        f" 2 s warm-up each; sign-ups spread over {OPROEPEN} oproepen; load average"
        f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'':28}{'project':>12}{'bare':>12}")
    print(f"{'sign-ups/s (median)':28}{project.median('rate'):12.1f}{bare.median('rate'):12.1f}")
    for key in ("p50", "p95", "p99"):
        print(
            f"{key + ' ms (median of rounds)':28}{project.median(key):12.1f}"
            f"{bare.median(key):12.1f}"
        )

    def worst(side: Side) -> str:
        p99 = max(r["p99"] for r in side.rounds)
        return f"{p99:.1f} / {max(r['max'] for r in side.rounds):.0f}"

    print(f"{'worst p99 / max ms':28}{worst(project):>12}{worst(bare):>12}")
    for side in (project, bare):
        requests = sum(r["requests"] for r in side.rounds)
        if side.cpu and requests:
            print(
                f"CPU in the workers, {side.name:8}"
                f" {side.cpu / requests * 1000:6.2f} ms per sign-up"
            )
    print(f"time-outs                   {project.errors('timeout'):12}{bare.errors('timeout'):12}")
    print(
        f"socket errors               {project.errors('connect', 'read'):12}"
        f"{bare.errors('connect', 'read'):12}"
    )
    print(
        f"non-302 responses           {project.other_statuses() or 0}"
        f"  |  {bare.other_statuses() or 0}"
    )
    print(
        f"stored (project)            {counts['volunteers']} sign-ups, {counts['distinct_emails']}"
        f" distinct addresses, {counts['mails']} confirm mails; {project.accepted()} POSTs"
        f" answered 302 + {in_flight} still in flight when the load stopped"
        f"   ({'each stored once' if stored_once else 'MISMATCH'})"
    )
    print(f"stored (bare)               {bare_stored} rows; {bare_in_flight} in flight")
    worst_p99 = max(r["p99"] for r in project.rounds)
    ok = (
        ratio <= TARGET_RATIO
        and project.median("p99") < TARGET_P99_MS
        and not project.errors("timeout", "connect", "read")
        and not project.other_statuses()
        and stored_once
    )
    print(
        f"ratio bare / project        {ratio:.2f} (median of the rounds' ratios; target <="
        f" {TARGET_RATIO:g}; p99 < {TARGET_P99_MS:.0f} ms; no time-outs)"
    )
    print("result                      " + ("targets met" if ok else "TARGETS MISSED"))
    if args.json:
        row = {
            "path": f"public sign-up POST ({args.connections} connections, 2 sync workers, SQLite)",
            "project": project.summary() + f" (worst p99 {worst_p99:.0f} ms)",
            "baseline": bare.summary(),
            "ratio": ratio,
            "target": f"≤ {TARGET_RATIO:g}×, p99 < {TARGET_P99_MS:.0f} ms, no time-outs",
            "met": ok,
        }
        args.json.write_text(json.dumps([row], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
