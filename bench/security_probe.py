"""Probe a demo installation from outside, over HTTP, as the outside review did.

    .venv/bin/python bench/security_probe.py

Sets up a demo in a new temporary folder (``niemand-alleen demo --no-serve``), serves it
with gunicorn (two workers, the demo preset) on a free port, and checks:

* the login never redirects off-site, whatever ``next`` holds and however it is encoded;
* no 5xx for CR/LF or NUL in ``next``, NUL in a referral code or an organisation's name,
  and dates near year 1 or 9999 in the filters of ``/evaluatie`` and ``/beheer/audit``;
* the instance folder and everything in it are owner-only (0700 / 0600).

Prints one line per check and a summary; exits 1 when any check fails. Needs nothing but
the project's virtualenv (it uses its ``niemand-alleen`` and ``gunicorn``).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent
OFFSITE_TARGETS = [
    "//evil.example/x",
    "////evil.example/x",
    "/\\evil.example/x",
    "/%2F%2Fevil.example/x",
    "%2F%2Fevil.example/x",
    "/%252F%252Fevil.example/x",
    "/%5Cevil.example/x",
    "/%09/evil.example/x",
    "https://evil.example/x",
    "javascript:alert(1)",
]
BROKEN_TARGETS = ["/a%0d%0aSet-Cookie:%20x=1", "/a%0aLocation:%20//evil.example", "/a%00"]
FAR_DATES = ["0001-01-01", "9999-12-31", "1-1-1", "31-12-9999"]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    """Cookies, CSRF tokens and no automatic redirects: every answer is seen as it is."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, Location header, body) of a GET, or of a POST when ``data`` is given."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        # Paths here are written by this script; only http to the local server.
        request = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(request, timeout=30) as response:
                return (
                    response.status,
                    response.headers.get("Location", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", ""), answer.read().decode()

    def token(self, path: str = "/inloggen") -> str:
        _, _, page = self.request(path)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def login(self, email: str, password: str, query: str = "") -> tuple[int, str, str]:
        token = self.token()
        return self.request(
            "/inloggen" + query, {"email": email, "password": password, "csrf_token": token}
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def set_up_demo(folder: Path) -> dict[str, tuple[str, str]]:
    """The demo's database and accounts; returns {role: (email, password)}."""
    environment = {**os.environ, "INSTANCE_PATH": str(folder / "instance")}
    done = subprocess.run(
        [str(BIN / "niemand-alleen"), "demo", "--no-serve"],
        cwd=folder, env=environment, capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    accounts = re.findall(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)$", done.stdout, re.MULTILINE)
    return {role: (email, password) for role, email, password in accounts}


@contextmanager
def served(folder: Path, port: int) -> Iterator[str]:
    environment = {
        **os.environ,
        "NIEMAND_ALLEEN_PRESET": "demo",
        "INSTANCE_PATH": str(folder / "instance"),
    }
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "niemand_alleen.wsgi:app"],
        cwd=folder, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/over", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def owner_only_problems(instance: Path) -> list[str]:
    problems = []
    for path in [instance, *instance.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            problems.append(f"{path.relative_to(instance.parent)} {mode:04o}")
    return problems


def probe(base: str, accounts: dict[str, tuple[str, str]]) -> Iterator[tuple[bool, str]]:
    coordinator = accounts["coordinator"]
    beheerder = accounts["beheerder"]
    for target in OFFSITE_TARGETS:
        query = "?next=" + urllib.parse.quote(target, safe="%")
        status, location, _ = Browser(base).login(*coordinator, query=query)
        parts = urllib.parse.urlsplit(location.replace("\\", "/"))
        stays = status == 302 and not parts.netloc and not location.startswith("//")
        yield stays, f"login next={target!r}: {status} -> {location!r}"
    for target in BROKEN_TARGETS:
        status, location, _ = Browser(base).login(*coordinator, query="?next=" + target)
        yield status < 500, f"login next={target!r}: {status} -> {location!r}"
    anonymous = Browser(base)
    for path in ("/aanmelden/abc%00def", "/aanmelden?x=%00"):
        status, _, _ = anonymous.request(path)
        yield status < 500, f"GET {path}: {status}"
    admin = Browser(base)
    admin.login(*beheerder)
    token = admin.token("/beheer/organisaties/nieuw")
    status, _, _ = admin.request(
        "/beheer/organisaties/nieuw", {"name": "Buurthuis\x00", "csrf_token": token}
    )
    yield status < 500, f"POST organisation name with NUL: {status}"
    staff = Browser(base)
    staff.login(*coordinator)
    for path, names, client in (
        ("/evaluatie", ("van", "tot"), staff),
        ("/beheer/audit", ("since", "until"), admin),
    ):
        for name in names:
            for value in FAR_DATES:
                status, _, _ = client.request(f"{path}?{name}={value}")
                # 400: the filter's Dutch error (a redirect would mean the login failed).
                yield status == 400, f"GET {path}?{name}={value}: {status}"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="niemand-probe-") as scratch:
        folder = Path(scratch)
        accounts = set_up_demo(folder)
        results = []
        with served(folder, free_port()) as base:
            results = list(probe(base, accounts))
        problems = owner_only_problems(folder / "instance")
        results.append((not problems, "instance/ owner-only: " + (", ".join(problems) or "yes")))
    for ok, line in results:
        print(("ok    " if ok else "FAIL  ") + line)
    failed = sum(not ok for ok, _ in results)
    print(f"{len(results)} checks, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
