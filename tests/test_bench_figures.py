"""The figures section that ``bench/run_all.py`` writes into docs/performance.md: one table
row per path with its ratio, target and whether it was met, and the hand-written rest of
the file kept as it was. The benchmarks themselves are not run by the test suite."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run_all", ROOT / "bench" / "run_all.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


FACTS = {"CPU": "Some CPU @ 2.0GHz", "cores": "2", "date": "2026-12-04 21:00 UTC"}
ROWS: list[dict[str, object]] = [
    {
        "path": "public sign-up POST",
        "project": "400 sign-ups/s",
        "baseline": "1,200 sign-ups/s",
        "ratio": 3.0,
        "target": "≤ 2×",
        "met": False,
    },
    {
        "path": "worker stop | idle",
        "project": "0.02 s",
        "baseline": "",
        "ratio": None,
        "target": "< 2 s",
        "met": True,
    },
]


def test_the_section_has_the_machine_and_one_row_per_path(run_all: ModuleType) -> None:
    section = run_all.render_section(FACTS, ROWS)
    lines = section.splitlines()
    assert lines[0] == "## Latest figures"
    assert "- CPU: Some CPU @ 2.0GHz" in lines
    assert "- date: 2026-12-04 21:00 UTC" in lines
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| path | project | bare baseline, same run | ratio | target | met |"
    assert table[1:] == [
        "| public sign-up POST | 400 sign-ups/s | 1,200 sign-ups/s | 3.00× | ≤ 2× | **no** |",
        # A "|" in a cell would break the table; no baseline and no ratio show a dash.
        "| worker stop \\| idle | 0.02 s | — | — | < 2 s | yes |",
    ]


def test_a_failed_benchmark_is_a_row_without_figures(run_all: ModuleType) -> None:
    section = run_all.render_section(FACTS, [{"path": "x: the script failed", "project": "exit 1"}])
    assert "| x: the script failed | exit 1 | — | — | — | — |" in section.splitlines()


def test_only_the_figures_section_is_replaced(run_all: ModuleType) -> None:
    document = "# Performance\n\nBy hand.\n\n## Latest figures\n\nold\n\n## Earlier\n\nKept.\n"
    replaced = run_all.replace_section(document, "## Latest figures\n\nnew\n")
    assert replaced == (
        "# Performance\n\nBy hand.\n\n## Latest figures\n\nnew\n\n## Earlier\n\nKept.\n"
    )
    at_the_end = run_all.replace_section(
        "# P\n\n## Latest figures\n\nold\n", "## Latest figures\n\nnew\n"
    )
    assert at_the_end == "# P\n\n## Latest figures\n\nnew\n"
    appended = run_all.replace_section("# P\n", "## Latest figures\n\nnew\n")
    assert appended == "# P\n\n## Latest figures\n\nnew\n"


def test_the_machine_is_read_from_the_machine(run_all: ModuleType) -> None:
    facts = run_all.machine()
    assert set(facts) == {"CPU", "cores", "RAM", "OS", "Python"}
    assert facts["Python"] == ".".join(map(str, sys.version_info[:3]))
    assert facts["cores"].isdigit()
