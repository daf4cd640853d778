"""How long the worker takes to stop after SIGTERM, beside a bare Python process.

    .venv/bin/python bench/worker_stop.py [--rounds 3] [--json PATH]

Starts `niemand-alleen worker` on a throw-away demo database, waits until every job has run
once and none runs, sends SIGTERM and times until the process has ended; in alternating
rounds with a bare Python process that leaves on SIGTERM (``sys.exit``), the least a Python
program takes. Medians. Target (issue 17): the worker stops within 2 s. The anonymiser is
not loaded here (no text to prepare); ``tests/jobs/test_worker_stop.py`` also stops a
worker that has it loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from niemand_alleen.jobs import JOBS

BIN = Path(sys.executable).parent
TARGET_S = 2.0
BARE = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
time.sleep(600)
"""


def started(command: list[str | Path], env: dict[str, str], ready: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], 60)
    assert readable, "the process starts"
    assert ready in process.stdout.readline()
    return process


def stop_seconds(process: subprocess.Popen[str]) -> float:
    begun = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    return time.monotonic() - begun


def idle(engine: sa.Engine, runs_before: int) -> bool:
    """Every job ran once more since ``runs_before`` runs, and none is running."""
    with engine.connect() as connection:
        finished, running = connection.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE finished_at IS NOT NULL),"
                " count(*) FILTER (WHERE finished_at IS NULL) FROM job_run"
            )
        ).one()
    return bool(finished >= runs_before + len(JOBS) and running == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the result row here (run_all.py)")
    args = parser.parse_args()
    worker_s: list[float] = []
    bare_s: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "INSTANCE_PATH": tmp, "NIEMAND_ALLEEN_PRESET": "demo"}
        env.pop("DATABASE_URL", None)
        env["MAIL_WRITE_EML_FILES"] = "false"
        subprocess.run(
            [BIN / "niemand-alleen", "demo", "--no-serve"], env=env, check=True, capture_output=True
        )
        engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'niemand-alleen.sqlite3'}")
        try:
            for number in range(args.rounds):

                def worker() -> None:
                    with engine.connect() as connection:
                        runs = connection.execute(sa.text("SELECT count(*) FROM job_run")).scalar()
                    process = started([BIN / "niemand-alleen", "worker"], env, "Worker gestart")
                    deadline = time.monotonic() + 60
                    while not idle(engine, int(runs or 0)):
                        assert time.monotonic() < deadline, "the worker ran its jobs"
                        time.sleep(0.2)
                    worker_s.append(stop_seconds(process))

                def bare() -> None:
                    bare_s.append(stop_seconds(started([sys.executable, "-c", BARE], env, "ready")))

                for run in (worker, bare) if number % 2 == 0 else (bare, worker):
                    run()
                print(
                    f"round {number + 1}: worker stopped in {worker_s[-1]:.2f} s,"
                    f" bare Python process in {bare_s[-1]:.3f} s",
                    flush=True,
                )
        finally:
            engine.dispose()
    worker_median, bare_median = statistics.median(worker_s), statistics.median(bare_s)
    print(
        f"worker stop after SIGTERM: median {worker_median:.2f} s (max {max(worker_s):.2f} s;"
        f" target < {TARGET_S:g} s); bare Python process {bare_median:.3f} s"
    )
    if args.json:
        row = {
            "path": "worker (anonymiser not loaded): exit after SIGTERM, idle",
            "project": f"{worker_median:.2f} s (max {max(worker_s):.2f} s)",
            "baseline": f"bare Python process leaving on SIGTERM: {bare_median:.3f} s",
            "ratio": worker_median / bare_median,
            "target": f"< {TARGET_S:g} s",
            "met": max(worker_s) < TARGET_S,
        }
        args.json.write_text(json.dumps([row], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
