"""Start-up time of the web app and memory of one gunicorn web worker after 100 pages.

    .venv/bin/python bench/web_startup.py [--json PATH]

Targets (issue "Foundation"): create_app under 2 s; one web worker under 150 MB RSS after
serving 100 pages. Issue #17: import + app within 1.5x the time, and the process within
1.25x the memory, of a bare app on the same frameworks (Flask, SQLAlchemy, Flask-WTF,
Flask-Babel, Flask-Login, cryptography), measured in alternating rounds beside it.
Everything runs on 127.0.0.1 with a throw-away demo database.
"""

from __future__ import annotations

import argparse
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
from http.cookiejar import CookieJar
from pathlib import Path

BIN = Path(sys.executable).parent
RUNS = 5

# Each prints: import seconds, app seconds, RSS in kB once the app exists.
RSS_LINE = """
import re
rss = re.search(r"VmRSS:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)
print(f"{t1 - t0:.4f} {t2 - t1:.4f} {rss}")
"""

TIME_CREATE_APP = (
    """
import time
t0 = time.perf_counter()
from niemand_alleen import create_app
from niemand_alleen.config import load_settings
t1 = time.perf_counter()
app = create_app(load_settings("demo"))
t2 = time.perf_counter()
"""
    + RSS_LINE
)

# The framework baseline: the same frameworks, a model, a form, a login manager, a key and
# a page rendered once, nothing of the project's own.
BASELINE_APP = (
    """
import time
t0 = time.perf_counter()
import os
import sqlalchemy as sa
from cryptography.fernet import Fernet
from flask import Flask, render_template_string
from flask_babel import Babel
from flask_login import LoginManager, UserMixin
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired
t1 = time.perf_counter()

class Base(DeclarativeBase):
    pass

class User(UserMixin, Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(200), unique=True)

class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Wachtwoord", validators=[DataRequired()])

app = Flask("baseline")
app.config.update(SECRET_KEY="x" * 32, BABEL_DEFAULT_LOCALE="nl")
engine = sa.create_engine(f"sqlite:///{os.environ['INSTANCE_PATH']}/baseline.sqlite3")
Base.metadata.create_all(engine)
CSRFProtect(app)
Babel(app, locale_selector=lambda: "nl")
login = LoginManager(app)
login.user_loader(lambda user_id: Session(engine).get(User, int(user_id)))
fernet = Fernet(Fernet.generate_key())

@app.route("/inloggen")
def inloggen():
    return render_template_string("<form>{{ form.csrf_token }}{{ form.email }}</form>",
                                  form=LoginForm())

with app.test_request_context("/inloggen"):
    inloggen()
t2 = time.perf_counter()
"""
    + RSS_LINE
)


def _one_run(code: str, env: dict[str, str]) -> tuple[float, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]) + float(out[1]), float(out[1]), int(out[2]) / 1024


def measure_startup(env: dict[str, str]) -> list[dict[str, object]]:
    """The project's and the baseline's start in alternating fresh processes, so a busy
    minute on a shared machine weighs on both alike."""
    project: list[tuple[float, float, float]] = []
    baseline: list[tuple[float, float, float]] = []
    for _ in range(RUNS):
        project.append(_one_run(TIME_CREATE_APP, env))
        baseline.append(_one_run(BASELINE_APP, env))

    def median(rows: list[tuple[float, float, float]], column: int) -> float:
        return statistics.median(row[column] for row in rows)

    total, creates, rss = (median(project, i) for i in range(3))
    base_total, base_rss = median(baseline, 0), median(baseline, 2)
    print(f"create_app(settings)       median {creates * 1000:7.1f} ms")
    print(
        f"import + create_app        median {total * 1000:7.1f} ms"
        f"  (max {max(row[0] for row in project) * 1000:.1f} ms, {RUNS} fresh processes;"
        " target < 2000 ms)"
    )
    print(f"framework baseline         median {base_total * 1000:7.1f} ms")
    print(f"  ratio {total / base_total:.2f}  (target <= 1.5)")
    print(f"RSS after create_app       median {rss:7.1f} MB")
    print(f"framework baseline RSS     median {base_rss:7.1f} MB")
    print(f"  ratio {rss / base_rss:.2f}  (target <= 1.25)")
    return [
        {
            "path": "web worker: import + create_app",
            "project": f"{total * 1000:.0f} ms",
            "baseline": f"Flask + SQLAlchemy + WTF + Babel + Login + cryptography:"
            f" {base_total * 1000:.0f} ms",
            "ratio": total / base_total,
            "target": "≤ 1.5×",
            "met": total / base_total <= 1.5,
        },
        {
            "path": "web worker: RSS once the app exists",
            "project": f"{rss:.1f} MB",
            "baseline": f"the same bare app: {base_rss:.1f} MB",
            "ratio": rss / base_rss,
            "target": "≤ 1.25×",
            "met": rss / base_rss <= 1.25,
        },
    ]


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


def measure_worker_memory(env: dict[str, str], instance: Path) -> dict[str, object]:
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
    return {
        "path": "gunicorn web worker: RSS after 100 pages",
        "project": f"{after:.1f} MB ({before:.1f} MB after start)",
        "baseline": "",
        "ratio": None,
        "target": "< 150 MB",
        "met": after < 150,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the result rows here (run_all.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "INSTANCE_PATH": tmp}
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [BIN / "niemand-alleen", "demo", "--no-serve"], env=env, check=True, capture_output=True
        )
        rows = measure_startup(env)
        instance = Path(tmp) / "memory"
        rows.append(measure_worker_memory({**env, "INSTANCE_PATH": str(instance)}, instance))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
