"""Start-up time of the web app and memory of one gunicorn web worker after 100 pages.

    .venv/bin/python bench/web_startup.py

Targets (issue "Foundation"): create_app under 2 s; one web worker under 150 MB RSS after
serving 100 pages. Everything runs on 127.0.0.1 with a throw-away demo database.
"""

from __future__ import annotations

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
from http.cookiejar import CookieJar
from pathlib import Path

BIN = Path(sys.executable).parent
RUNS = 5

TIME_CREATE_APP = """
import time
t0 = time.perf_counter()
from niemand_alleen import create_app
from niemand_alleen.config import load_settings
t1 = time.perf_counter()
create_app(load_settings("demo"))
t2 = time.perf_counter()
print(f"{t1 - t0:.4f} {t2 - t1:.4f}")
"""


def measure_startup(env: dict[str, str]) -> None:
    imports, creates = [], []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", TIME_CREATE_APP],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        imports.append(float(out[0]))
        creates.append(float(out[1]))
    total = [a + b for a, b in zip(imports, creates, strict=True)]
    print(f"import of the package      median {statistics.median(imports) * 1000:7.1f} ms")
    print(f"create_app(settings)       median {statistics.median(creates) * 1000:7.1f} ms")
    print(
        f"import + create_app        median {statistics.median(total) * 1000:7.1f} ms"
        f"  (max {max(total) * 1000:.1f} ms, {RUNS} fresh processes; target < 2000 ms)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match
    return int(match.group(1)) / 1024


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def serve_pages(base: str, email: str, password: str, pages: int) -> int:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/inloggen").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    data = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token.group(1)}
    ).encode()
    opener.open(f"{base}/inloggen", data=data).read()
    paths = ["/", "/beheer/gebruikers", "/mijn-account", "/privacy", "/over"]
    served = 0
    while served < pages:
        opener.open(base + paths[served % len(paths)]).read()
        served += 1
    return served


def measure_worker_memory(env: dict[str, str], instance: Path) -> None:
    out = subprocess.run(
        [BIN / "niemand-alleen", "demo", "--no-serve"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"beheerder\s+(\S+)\s+(\S+)", out)
    assert match, out
    email, password = match.group(1), match.group(2)
    port = free_port()
    gunicorn = subprocess.Popen(
        [BIN / "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "niemand_alleen.wsgi:app"],
        env={**env, "NIEMAND_ALLEEN_PRESET": "demo"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/privacy", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        (worker,) = worker_pids(gunicorn.pid)
        before = rss_mb(worker)
        started = time.perf_counter()
        served = serve_pages(base, email, password, 100)
        elapsed = time.perf_counter() - started
        after = rss_mb(worker)
        print(f"web worker RSS after start {before:7.1f} MB")
        print(
            f"web worker RSS after {served} pages {after:6.1f} MB  (target < 150 MB;"
            f" {served / elapsed:.0f} pages/s, logged in as beheerder)"
        )
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "INSTANCE_PATH": tmp}
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [BIN / "niemand-alleen", "demo", "--no-serve"], env=env, check=True, capture_output=True
        )
        measure_startup(env)
        instance = Path(tmp) / "memory"
        measure_worker_memory({**env, "INSTANCE_PATH": str(instance)}, instance)


if __name__ == "__main__":
    main()
