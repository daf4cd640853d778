"""The quality targets of issue 14 over both evaluation splits (scored by bench/anonymiser_quality).

Targets: no own field ever leaks, at most 1 % of identifiers leak, at least 90 % of the
need-words stay, and no broken-sentence artefact is added. The ``test`` split was frozen
before the deny-by-default rules were tuned: its files are pinned by hash here, so a change
to them shows in review instead of passing quietly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import ModuleType

import pytest

from niemand_alleen.anonymiser import Anonymiser

EVAL = Path(__file__).resolve().parent / "eval"
GENERATED_PER_CATEGORY = 25  # the bench runs more; this keeps the suite quick

FROZEN_TEST_SPLIT = {
    # file: sha256 of its bytes, recorded when the split was frozen
    "outside-b.jsonl": "2197808f2244e7932e4e62c79665e3c500c62236ddd864a322386dc7070f8c94",
    "outside-a.jsonl": "c85e86bf30f52129cc21cc4d238f3df912c575c61e0dec252b441f4865c0428c",
    "outside-c.jsonl": "89be8e4ad6bc2bc48677ed7c2a4e491789ce7ac440fb936688135d02679a3ba3",
    "outside-d.jsonl": "8b0a8e3e5efef3e1e7a5603cbdf7033e6b9ce650b21a3132c0561385599c6243",
    "outside-e.jsonl": "96ad3c4d626db902ce967d5791d2db4b874e793c3b43438559bc412d055264e8",
    "outside-f.jsonl": "820a1b0de2e5b5d952f19afc5cf3f2ecf23d25da75a00055ed5da5472e9a2458",
    "outside-g.jsonl": "a2e76512a591eb759abb14efcf713d39f05b21fc9a02e0ca7eef8ee92d8518b4",
    "outside-h.jsonl": "2d6f867ecd94b16fc3c8e0085a93309707d3198936b1edc3b6615fced51ecb11",
    "team-heldout.jsonl": "d4e07c8f7affd490864bd919d05d5efeb2c4b3b872e6430fba0e5980d065ed9a",
    "outside-i.jsonl": "1ca6e6d2ad4a1343cde89e819bf9b7a7a2aa9764409e7590a30314df419df633",
}


def test_the_test_split_is_frozen() -> None:
    files = {path.name: path for path in sorted((EVAL / "test").glob("*.jsonl"))}
    assert set(files) == set(FROZEN_TEST_SPLIT)
    for name, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == FROZEN_TEST_SPLIT[name], name


def test_the_evaluation_sets_are_big_and_varied_enough(quality_bench: ModuleType) -> None:
    hand = {split: quality_bench.hand_written(split) for split in quality_bench.SPLITS}
    cases = [case for split in hand.values() for source in split.values() for case in source]
    assert len(cases) >= 200
    assert all(len(hand[split]) >= 3 for split in hand), "several voices in each split"
    ids = [case["id"] for case in cases]
    assert len(ids) == len(set(ids))
    tuning_ids = {case["id"] for source in hand["tuning"].values() for case in source}
    assert tuning_ids.isdisjoint(case["id"] for source in hand["test"].values() for case in source)
    categories = {item["category"] for case in cases for item in case["identifiers"]}
    assert {
        "persoon", "huisdier", "instelling", "huisnummer", "bsn", "iban", "initialen", "leeftijd"
    } <= categories  # fmt: skip
    for case in cases:
        for item in case["identifiers"]:
            assert item["text"].lower() in case["situatie"].lower()
        for word in case["keep"]:
            assert word.lower() in case["situatie"].lower()


def test_the_generator_draws_valid_numbers_and_differs_per_split(quality_bench: ModuleType) -> None:
    tuning = quality_bench.generated("tuning", 5)
    test = quality_bench.generated("test", 5)
    assert {case["situatie"] for case in tuning}.isdisjoint(case["situatie"] for case in test)
    for case in tuning + test:
        json.dumps(case)
        for item in case["identifiers"]:
            assert (
                item["text"] in case["situatie"] or item["text"].lower() in case["situatie"].lower()
            )
            if item["category"] == "bsn":
                digits = [int(char) for char in item["text"] if char.isdigit()]
                weights = [9, 8, 7, 6, 5, 4, 3, 2, -1]
                assert sum(w * d for w, d in zip(weights, digits, strict=True)) % 11 == 0


# (leaks at most, need-words at least, artefacts at most) per split. The tuning split
# is held to issue 14's targets; the frozen test split is reported and never tuned on, so
# for it these are regression bounds a little below what it scores.
BOUNDS = {"tuning": (0.01, 0.90, 0), "test": (0.0125, 0.86, 0)}


@pytest.mark.slow  # scores a whole evaluation split
@pytest.mark.parametrize("split", ["tuning", "test"])
def test_quality_targets(anonymiser: Anonymiser, quality_bench: ModuleType, split: str) -> None:
    result = quality_bench.score_split(anonymiser, split, GENERATED_PER_CATEGORY)
    misses = "\n".join(result.details)
    most_leaked, least_kept, most_artefacts = BOUNDS[split]
    assert result.own_leaks == 0, misses
    assert result.leak_share <= most_leaked, misses
    assert result.keep_share >= least_kept, misses
    assert result.artefact_cases <= most_artefacts, misses
