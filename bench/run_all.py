"""Every benchmark that has a bare baseline, one after the other, and the figures in the docs.

    .venv/bin/python bench/run_all.py [--only NAME,...] [--no-write]
    python3 dev.py bench [--only NAME,...] [--no-write]

Runs each script below with settings short enough for the whole run to take about ten to
fifteen minutes on a 2-core machine (each prints its own figures as it goes, and writes
its result rows with ``--json``), then replaces the section "Latest figures" of
``docs/performance.md`` with the machine (read from the machine itself), the date, the load
average before and after, and one table: per path the project's figure, the baseline's,
their ratio, the target and whether it was met. The rest of that file is written by hand.
``--only`` runs some of them (by the names below) and ``--no-write`` leaves the docs alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Latest figures"
# (name, script, its arguments for this run)
BENCHES = [
    ("signup_load", "signup_load.py", ["--seconds", "5", "--rounds", "4"]),
    ("staff_lists", "staff_lists.py", ["--rows", "2000", "--rounds", "15"]),
    ("outbox_send", "outbox_send.py", ["--rounds", "5"]),
    ("web_startup", "web_startup.py", []),
    ("worker_stop", "worker_stop.py", ["--rounds", "3"]),
    ("matching_rank", "matching_rank.py", ["--sizes", "1000,10000,100000,1000000"]),
    ("anonymiser_speed", "anonymiser_speed.py", ["--rounds", "3"]),
]


def machine() -> dict[str, str]:
    """What this machine is, read from it (Linux's /proc and /etc/os-release)."""

    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                name, _, value = line.partition(":" if ":" in line else "=")
                if name.strip() == key:
                    return value.strip().strip('"')
        except OSError:
            pass
        return "unknown"

    memory_kb = first("/proc/meminfo", "MemTotal").split()[0]
    memory = f"{int(memory_kb) / 1024 / 1024:.1f} GB" if memory_kb.isdigit() else "unknown"
    return {
        "CPU": first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "RAM": memory,
        "OS": f"{first('/etc/os-release', 'PRETTY_NAME')} (Linux {platform.release()})",
        "Python": platform.python_version(),
    }


def _ratio(value: object) -> str:
    return f"{value:.2f}×" if isinstance(value, int | float) else "—"


def _met(value: object) -> str:
    return {True: "yes", False: "**no**"}.get(value, "—")  # type: ignore[call-overload]


def _cell(text: object) -> str:
    return str(text or "—").replace("|", "\\|").replace("\n", " ")


def render_section(facts: dict[str, str], rows: list[dict[str, object]]) -> str:
    """The section "Latest figures": the machine and date (``facts``) and one table row per
    path (``rows``: path, project, baseline, ratio, target, met)."""
    lines = [
        HEADING,
        "",
        "Written by `bench/run_all.py`; run it again rather than editing these figures.",
        "",
        *(f"- {name}: {value}" for name, value in facts.items()),
        "",
        "| path | project | bare baseline, same run | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            _cell(row.get("path")),
            _cell(row.get("project")),
            _cell(row.get("baseline")),
            _ratio(row.get("ratio")),
            _cell(row.get("target")),
            _met(row.get("met")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def replace_section(document: str, section: str) -> str:
    """``document`` with its section under ``HEADING`` (up to the next ``## `` heading or the
    end) replaced by ``section``; appended when there is none."""
    start = document.find(HEADING + "\n")
    if start < 0:
        return document.rstrip("\n") + "\n\n" + section
    end = document.find("\n## ", start + len(HEADING))
    rest = "" if end < 0 else document[end + 1 :]
    return document[:start] + section + ("\n" + rest if rest else "")


def run_bench(name: str, script: str, arguments: list[str]) -> list[dict[str, object]]:
    """One benchmark, its output passed through; its rows, or one row saying it failed."""
    print(f"\n=== {name}: {script} {' '.join(arguments)}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "rows.json"
        started = time.monotonic()
        finished = subprocess.run(
            [sys.executable, str(Path(__file__).parent / script), *arguments, "--json", target],
            cwd=ROOT,
            check=False,
        )
        print(f"=== {name}: {time.monotonic() - started:.0f} s", flush=True)
        if finished.returncode == 0 and target.exists():
            rows: list[dict[str, object]] = json.loads(target.read_text())
            return rows
    return [
        {"path": f"{name}: the script failed", "project": f"exit {finished.returncode}"},
    ]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(b[0] for b in BENCHES))
    parser.add_argument("--no-write", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else {name for name, _, _ in BENCHES}
    unknown = wanted - {name for name, _, _ in BENCHES}
    if unknown:
        sys.exit(f"unknown benchmarks: {', '.join(sorted(unknown))}")

    facts = machine()
    started = datetime.now(UTC)
    before = load_average()
    print(f"machine: {', '.join(f'{k} {v}' for k, v in facts.items())}")
    print(
        f"load average (1 / 5 / 15 min): {before} on {facts['cores']} cores; on a machine shared"
        " with other work the figures move with it"
    )
    rows: list[dict[str, object]] = []
    for name, script, arguments in BENCHES:
        if name in wanted:
            rows.extend(run_bench(name, script, arguments))
    after = load_average()
    minutes = (datetime.now(UTC) - started).total_seconds() / 60
    facts["date"] = f"{started:%Y-%m-%d %H:%M} UTC ({minutes:.0f} minutes)"
    facts["load average (1 / 5 / 15 min)"] = f"{before} at the start, {after} at the end"
    section = render_section(facts, rows)
    print("\n" + section)
    if not args.no_write:
        DOC.write_text(replace_section(DOC.read_text(), section))
        print(f"written: {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
