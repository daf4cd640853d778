"""The quality targets of issue 3 over the evaluation sets (scored by bench/anonymiser_quality).

Targets: no own field ever leaks, at most 1 % of identifiers leak, at least 90 % of the
need-words stay. The held-out set was written before the anonymiser and never tuned on.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from niemand_alleen.intake.anonymiser import Anonymiser

HERE = Path(__file__).resolve().parent
SETS = ["anonymiser_cases.jsonl", "anonymiser_heldout.jsonl"]


def load_cases(name: str) -> list[dict[str, Any]]:
    with (HERE / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def test_the_evaluation_sets_are_big_and_varied_enough() -> None:
    tuning, heldout = (load_cases(name) for name in SETS)
    assert len(tuning) + len(heldout) >= 50
    assert len(heldout) >= 15
    ids = [case["id"] for case in tuning + heldout]
    assert len(ids) == len(set(ids))
    categories = {item["category"] for case in tuning + heldout for item in case["identifiers"]}
    assert {"persoon", "leeftijd", "instelling", "iban", "kenteken", "handle"} <= categories
    for case in tuning + heldout:
        for item in case["identifiers"]:
            assert item["text"].lower() in case["situatie"].lower()
        for word in case["keep"]:
            assert word.lower() in case["situatie"].lower()


@pytest.mark.parametrize("name", SETS)
def test_quality_targets(anonymiser: Anonymiser, quality_bench: ModuleType, name: str) -> None:
    result = quality_bench.score(anonymiser, load_cases(name))
    misses = "\n".join(result.details)
    assert result.own_leaks == 0, misses
    assert result.leak_share <= 0.01, misses
    assert result.keep_share >= 0.90, misses
