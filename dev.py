#!/usr/bin/env python3
"""Set up and run the project with nothing but Python (3.11 or newer).

    python3 dev.py demo          # the service on its embedded defaults at http://127.0.0.1:5000
    python3 dev.py test          # lint, type check and the whole test suite (as CI runs it)
    python3 dev.py test --fast   # the same without the browser, PostgreSQL and slow tests
    python3 dev.py translations  # update and compile the English catalogue (translations/)
    python3 dev.py bench         # every benchmark beside its bare baseline (10-15 minutes);
                                 # writes the figures into docs/performance.md

Each creates .venv and installs the pinned, hash-checked dependencies of requirements/dev.lock
(again only when the lock file or pyproject.toml changed).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements" / "dev.lock"
STAMP = VENV / ".niemand-alleen-installed"
# The markers are registered in pyproject.toml ([tool.pytest.ini_options]).
FAST_SELECTION = "not browser and not postgres and not slow"


def run(*args: str | Path) -> None:
    print("+", shlex.join(str(arg) for arg in args), flush=True)
    # Fixed programs from our own virtualenv; arguments come from the developer's command line.
    subprocess.run([str(arg) for arg in args], check=True, cwd=ROOT)  # noqa: S603


def ensure_environment() -> None:
    # Whatever python3 the developer has runs this file, so the check is not outdated.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"Python 3.11 of nieuwer is nodig; dit is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    python = BIN / "python"
    run(python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ".")
    STAMP.write_text(wanted)


def demo(args: list[str]) -> None:
    # The demo's database, keys and mails are for this user only (as in niemand_alleen's
    # private_files, which this script cannot import before the virtualenv exists).
    os.umask(0o077)
    run(BIN / "niemand-alleen", "demo", *args)


def deselected_count(pytest_args: list[str]) -> str:
    """How many tests the selection leaves out, from a quiet collection (a few seconds)."""
    collected = subprocess.run(  # noqa: S603  (our own virtualenv's pytest, as in run())
        [str(BIN / "pytest"), *pytest_args, "--collect-only", "--verbosity=-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    summary = re.search(
        r"^(?:\d+/)?(?:\d+|no) tests? collected(?: \((\d+) deselected\))?", collected.stdout, re.M
    )
    if not summary:
        return "?"
    return summary.group(1) or "0"


def test(args: list[str]) -> None:
    fast = "--fast" in args
    pytest_args = ["-p", "no:cacheprovider", *(arg for arg in args if arg != "--fast")]
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    if not fast:
        run(BIN / "pytest", *pytest_args)
        return
    # What --fast leaves out it cannot require, even where NA_REQUIRE_ALL_PARTS=1 is set.
    os.environ.pop("NA_REQUIRE_ALL_PARTS", None)
    pytest_args = [*pytest_args, "-m", FAST_SELECTION]
    notice = (
        "Snelle run: browser-, PostgreSQL- en trage tests overgeslagen "
        f"({deselected_count(pytest_args)} tests); de volledige run is `python3 dev.py test`."
    )
    print(notice, flush=True)
    try:
        run(BIN / "pytest", *pytest_args)
    finally:
        print(notice, flush=True)


def translations(args: list[str]) -> None:
    """Extract the marked messages (rules: [tool.babel] in pyproject.toml), merge them into
    translations/en/LC_MESSAGES/messages.po and compile messages.mo beside it. Translate
    the new and fuzzy entries in the .po, then run this again; both files are committed."""
    pot = VENV / "messages.pot"
    pybabel = BIN / "pybabel"
    run(pybabel, "extract", "-F", "pyproject.toml", "-k", "lazy_gettext", "-o", pot, ".")
    run(pybabel, "update", "-i", pot, "-d", "translations", "-l", "en", *args)
    run(pybabel, "compile", "-d", "translations", "-l", "en", "--statistics")


def bench(args: list[str]) -> None:
    run(BIN / "python", ROOT / "bench" / "run_all.py", *args)


COMMANDS = {"demo": demo, "test": test, "translations": translations, "bench": bench}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    ensure_environment()
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
