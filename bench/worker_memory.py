"""Memory of the worker process at rest (no text to prepare, so the anonymiser stays unloaded).

    .venv/bin/python bench/worker_memory.py

Starts `niemand-alleen worker` on a throw-away demo database, waits until every job has
run once, and prints its resident memory (RSS) from /proc.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

BIN = Path(sys.executable).parent


def rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert match
    return int(match.group(1)) / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "INSTANCE_PATH": tmp, "NIEMAND_ALLEEN_PRESET": "demo"}
        env.pop("DATABASE_URL", None)
        subprocess.run(
            [BIN / "niemand-alleen", "demo", "--no-serve"],
            env=env,
            check=True,
            capture_output=True,
        )
        worker = subprocess.Popen(
            [BIN / "niemand-alleen", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'niemand-alleen.sqlite3'}")
        try:
            deadline = time.monotonic() + 60
            finished = 0
            while time.monotonic() < deadline:
                with engine.connect() as connection:
                    finished = connection.execute(
                        sa.text("SELECT count(*) FROM job_run WHERE finished_at IS NOT NULL")
                    ).scalar_one()
                if finished >= 3:
                    break
                time.sleep(0.5)
            time.sleep(2)
            print(
                f"worker RSS at rest: {rss_mb(worker.pid):.1f} MB "
                f"(after {finished} job runs; anonymiser not loaded)"
            )
        finally:
            worker.terminate()
            worker.wait(timeout=15)
            engine.dispose()


if __name__ == "__main__":
    main()
