"""The outside probe (``bench/security_probe.py``) passes against a demo served by gunicorn:
no off-site redirect for ``next`` in any encoding, no 5xx for CR/LF, NUL or far dates, and
an owner-only instance folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parents[2] / "bench" / "security_probe.py"


@pytest.mark.slow  # serves the demo with gunicorn and probes it
def test_the_outside_probe_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, str(PROBE)], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 failed" in done.stdout
