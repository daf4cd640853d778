"""Instructions per sign-up: the sign-up POST run in-process under callgrind.

    .venv/bin/python bench/signup_instructions.py [--requests 100]

Needs valgrind (Debian: ``apt-get install valgrind``); takes about two minutes. Time on a
shared virtual machine varies from run to run (see the speed reference of
``signup_load.py``); the number of instructions does not, so this is the figure to compare
two versions of the code by. It counts the application's own work for one valid sign-up
through an oproep link (the WSGI call: session cookie, CSRF, checks, the address, the
inserts and the commit), not gunicorn's or the kernel's. Same setup as ``signup_load.py``:
a throw-away demo instance on SQLite, limits raised, sign-ups spread over its oproepen.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import signup_load  # the bench folder is not a package

WARM_UP = 100


def measure(requests: int) -> None:
    """In the process valgrind runs: set up, warm up, then count only the sign-ups."""
    tmp = tempfile.mkdtemp()
    env = {"INSTANCE_PATH": tmp, "NIEMAND_ALLEEN_PRESET": "demo", **signup_load.RAISED}
    env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    os.environ.update(env)
    tool = signup_load.BIN / "niemand-alleen"
    subprocess.run([tool, "db", "upgrade"], check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", signup_load.SEED], check=True)

    from werkzeug.test import EnvironBuilder

    from niemand_alleen.wsgi import app

    client = app.test_client()
    form = client.get(f"/aanmelden/{signup_load.REFERRAL}-0").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token, "no CSRF token on the form"
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "no session cookie"

    def environ(n: int) -> dict[str, object]:
        data = {
            "csrf_token": token.group(1),
            "first_name": "Fatma",
            "last_name": "Özdemir",
            "email": f"buur-{n}@example.org",
            "phone": "06 12345678",
            "postcode": "3328 AB",
            "house_number": "14 b",
            "availability": "Zaterdag",
            "consent": "y",
            "website": "",
        }
        path = f"/aanmelden/{signup_load.REFERRAL}-{n % signup_load.OPROEPEN}"
        return EnvironBuilder(
            path=path,
            method="POST",
            data=data,
            headers={"Cookie": f"{cookie.key}={cookie.value}"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ).get_environ()

    statuses: list[str] = []

    def start_response(status: str, _headers: object, _exc: object = None) -> None:
        statuses.append(status)

    for n in range(WARM_UP):
        b"".join(app(environ(n), start_response))
    prepared = [environ(WARM_UP + n) for n in range(requests)]
    toggle = ["callgrind_control", "--instr"]
    subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
    for request in prepared:
        b"".join(app(request, start_response))
    subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)
    refused = [status for status in statuses if not status.startswith("302")]
    assert not refused, f"not every sign-up was accepted: {refused[:3]}"
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        measure(args.requests)
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is missing: apt-get install valgrind")
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}",
                sys.executable,
                __file__,
                "--inside",
                "--requests",
                str(args.requests),
            ],
            capture_output=True,
            text=True,
        )
    collected = re.search(r"Collected : (\d+)", run.stderr)
    if run.returncode != 0 or collected is None:
        sys.exit(f"the measurement failed:\n{run.stderr[-2000:]}")
    per_signup = int(collected.group(1)) / args.requests
    print(f"setup: in-process WSGI calls, SQLite (WAL), {args.requests} sign-ups after {WARM_UP}")
    print(f"instructions per sign-up     {per_signup / 1e6:6.2f} M   (callgrind, deterministic)")


if __name__ == "__main__":
    main()
