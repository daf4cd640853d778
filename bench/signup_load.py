"""Sustained sign-up rate and latency: the public form POSTed by wrk against gunicorn.

    .venv/bin/python bench/signup_load.py [--seconds 20] [--connections 4]

Needs ``wrk`` (Debian: ``apt-get install wrk``). Everything runs on 127.0.0.1 with a
throw-away demo instance: SQLite (WAL), gunicorn with 2 sync workers (access log off, as
in production), ``OPROEPEN`` OPEN oproepen each with its referral link. Each wrk connection
is one browser session (its own cookie and CSRF token, fetched from the form first); every
POST carries a new e-mail address and goes to the next oproep in turn.

Targets (issue "Sign-up"): at least 200 sign-ups/s, p95 under 50 ms, no error, every
sign-up stored once. All traffic comes from one address, so the rate limits are raised
through settings for the run (said in the output), and so is the cap per oproep (a run
can bring more than its default 50 to one oproep); they are counted in the database as in
production, so their cost is measured. The sign-ups are spread over many oproepen because
the cap check counts an oproep's sign-ups up to the cap: with one oproep and a raised cap
it would count thousands, which the real cap never allows.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

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
TARGET_RATE, TARGET_P95_MS = 200.0, 50.0

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

# wrk: each connection's thread takes one prepared browser session; the body varies per
# request (a new e-mail address); statuses are counted per thread and summed in done().
LUA = r"""
local sessions = {SESSIONS}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  prefix = "t" .. index .. "-" .. "{RUN}"
  local s = sessions[((index - 1) % #sessions) + 1]
  cookie, token = s[1], s[2]
end

local function enc(v)
  return (string.gsub(v, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function request()
  counter = counter + 1
  local body = "csrf_token=" .. enc(token)
    .. "&first_name=" .. enc("Fatma") .. "&last_name=" .. enc("Özdemir")
    .. "&email=" .. enc(prefix .. "-" .. counter .. "@example.org")
    .. "&phone=" .. enc("06 12345678") .. "&postcode=" .. enc("3328 AB")
    .. "&house_number=" .. enc("14 b") .. "&availability=" .. enc("Zaterdag")
    .. "&consent=y&website="
  return wrk.format("POST", "/aanmelden/{REFERRAL}-" .. (counter % {OPROEPEN}), {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for status, n in pairs(counted) do
      total[tostring(status)] = (total[tostring(status)] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%s": %d', status, n)) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "p50": %d, "p95": %d, "p99": %d, "max": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status_errors": %d, '
    .. '"statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.errors.status, table.concat(parts, ", ")))
end
"""


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


def reference_ms() -> float:
    """The machine's own speed at this moment: CPU time of a fixed pure-Python workload
    (dicts, strings, JSON, HMAC: what a request does), best of three; lower is faster. On a
    shared virtual machine it varies from run to run, and the sign-up rate varies with it."""
    import hashlib
    import hmac

    def work() -> None:
        key = b"k" * 32
        for n in range(20_000):
            record = {"id": n, "name": f"naam-{n}", "tags": ["a", "b", str(n)]}
            text = json.dumps(record)
            hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
            json.loads(text)["name"].upper()

    timings = []
    for _ in range(3):
        start = time.process_time()
        work()
        timings.append((time.process_time() - start) * 1000)
    return min(timings)


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


def run_wrk(base: str, sessions: list[tuple[str, str]], seconds: int, connections: int) -> dict:
    lua = (
        LUA.replace(
            "{SESSIONS}",
            "{"
            + ",".join("{" + json.dumps(c) + "," + json.dumps(t) + "}" for c, t in sessions)
            + "}",
        )
        .replace("{REFERRAL}", REFERRAL)
        .replace("{OPROEPEN}", str(OPROEPEN))
        .replace("{RUN}", uuid.uuid4().hex[:8])
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                str(connections),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "5s",
                "-s",
                script.name,
                base,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")

    reference_before = reference_ms()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "INSTANCE_PATH": tmp, "NIEMAND_ALLEEN_PRESET": "demo", **RAISED}
        env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        subprocess.run(
            [BIN / "niemand-alleen", "db", "upgrade"], env=env, check=True, capture_output=True
        )
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [
                BIN / "gunicorn",
                "-k",
                "sync",
                "-w",
                "2",
                "--log-level",
                "warning",  # and no --access-logfile: no access log
                "-b",
                f"127.0.0.1:{port}",
                "--backlog",
                "64",
                "niemand_alleen.wsgi:app",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/privacy", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            sessions = [browser_session(base) for _ in range(args.connections)]
            warmup = run_wrk(base, sessions, 3, args.connections)  # both workers load the map
            cpu_before = workers_cpu_seconds(gunicorn.pid)
            result = run_wrk(base, sessions, args.seconds, args.connections)
            cpu_after = workers_cpu_seconds(gunicorn.pid)
        finally:
            gunicorn.terminate()
            gunicorn.wait(timeout=10)
        reference_after = reference_ms()
        counts = json.loads(
            subprocess.run(
                [sys.executable, "-c", COUNT], env=env, check=True, capture_output=True, text=True
            ).stdout
        )

    accepted = result["statuses"].get("302", 0) + warmup["statuses"].get("302", 0)
    other = {s: n for run in (warmup, result) for s, n in run["statuses"].items() if s != "302"}
    socket_errors = sum(result[k] + warmup[k] for k in ("connect", "read", "write", "timeout"))
    rate = result["statuses"].get("302", 0) / result["seconds"]
    p95 = result["p95"] / 1000
    # wrk stops counting at the end of each run while up to one request per connection is
    # still being served: those are stored without being counted as accepted.
    in_flight = counts["volunteers"] - accepted
    stored_once = (
        counts["volunteers"] == counts["distinct_emails"] == counts["mails"]
        and 0 <= in_flight <= 2 * args.connections
    )
    print("NOTE: rate limits and the cap per oproep raised for this run (one client address):")
    print("      " + ", ".join(f"{k}={v}" for k, v in RAISED.items()))
    print(
        f"setup: gunicorn 2 sync workers, SQLite (WAL), wrk {args.connections} connections"
        f" (one browser session each), {args.seconds} s after a 3 s warm-up; sign-ups spread"
        f" over {OPROEPEN} oproepen (about {counts['volunteers'] // OPROEPEN} each)"
    )
    print(f"sustained sign-ups/s       {rate:8.1f}   (target >= {TARGET_RATE:.0f})")
    if cpu_before is not None and cpu_after is not None and result["requests"]:
        per_request = (cpu_after - cpu_before) / result["requests"] * 1000
        print(
            f"CPU in the workers         {per_request:8.1f} ms per sign-up"
            f"   (load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
    print(
        f"machine speed reference    {reference_before:6.0f} ms before, {reference_after:.0f} ms"
        " after   (a fixed CPU workload; lower is faster; it varies between runs here)"
    )
    print(
        f"latency p50 / p95 / p99    {result['p50'] / 1000:6.1f} / {p95:6.1f} /"
        f" {result['p99'] / 1000:6.1f} ms   (target p95 < {TARGET_P95_MS:.0f} ms;"
        f" max {result['max'] / 1000:.1f} ms)"
    )
    print(
        f"errors                     {sum(other.values())} non-302 responses {other or ''},"
        f" {socket_errors} socket errors   (target 0)"
    )
    print(
        f"stored                     {counts['volunteers']} sign-ups, {counts['distinct_emails']}"
        f" distinct addresses, {counts['mails']} confirm mails; {accepted} POSTs answered 302"
        f" + {in_flight} still in flight when wrk stopped"
        f"   ({'each stored once' if stored_once else 'MISMATCH'})"
    )
    ok = rate >= TARGET_RATE and p95 < TARGET_P95_MS and not other and not socket_errors
    print(
        "result                     " + ("targets met" if ok and stored_once else "TARGETS MISSED")
    )


if __name__ == "__main__":
    main()
