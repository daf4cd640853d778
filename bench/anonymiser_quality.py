"""Quality of the anonymiser on the evaluation sets.

    .venv/bin/python bench/anonymiser_quality.py [--show] [--cache DIR]

Prints, for the tuning set (tests/intake/anonymiser_cases.jsonl) and the held-out set
(tests/intake/anonymiser_heldout.jsonl) separately: the share of identifiers that leaked
(whole-word, case- and accent-insensitive), overall and per category; how many of the
resident's own fields leaked (listed identifiers plus the raw field values); and the
share of need-words kept. Targets (issue 3): ≤ 1 % identifiers leak, 0 own-field leaks,
≥ 90 % need-words kept. The cache folder defaults to $NA_DEDUCE_CACHE or .cache/deduce.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "tests" / "intake" / "anonymiser_cases.jsonl"
HELDOUT = ROOT / "tests" / "intake" / "anonymiser_heldout.jsonl"
DEFAULT_CACHE = Path(os.environ.get("NA_DEDUCE_CACHE", ROOT / ".cache" / "deduce"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from niemand_alleen.intake.anonymiser import Anonymiser, ResidentFields  # noqa: E402
from niemand_alleen.intake.anonymiser.lexicon import fold  # noqa: E402


def load_cases(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _present(needle: str, haystack: str) -> bool:
    """Whole-word, case- and accent-insensitive."""
    pattern = r"(?<!\w)" + re.escape(fold(needle.strip())) + r"(?!\w)"
    return re.search(pattern, fold(haystack)) is not None


def own_value_leaks(fields: dict[str, Any], output: str) -> list[str]:
    """The resident's raw field values found in ``output`` (independent of the scrubber)."""
    leaks = []
    for word in re.split(r"[\s\-]+", fields["voornaam"]):
        if len(word) >= 2 and _present(word, output):
            leaks.append("voornaam")
    surname_words = [
        word
        for word in re.split(r"[\s\-]+", fields["achternaam"])
        if len(word) >= 3 and fold(word) not in {"van", "der", "den", "het", "ter", "ten"}
    ]
    for word in surname_words:
        if _present(word, output):
            leaks.append("achternaam")
    if _present(fields["straat"], output):
        leaks.append("straat")
    postcode = fields["postcode"].replace(" ", "")
    if _present(postcode, output) or _present(postcode[:4] + " " + postcode[4:], output):
        leaks.append("postcode")
    digits = re.sub(r"\D", "", fields["telefoon"])
    national = digits[2:] if fields["telefoon"].startswith("+31") else digits.lstrip("0")
    if national and national in re.sub(r"\D", "", output):
        leaks.append("telefoon")
    if fields.get("email") and fields["email"].lower() in output.lower():
        leaks.append("email")
    year, month, day = (int(part) for part in fields["geboortedatum"].split("-"))
    for form in (f"{day}-{month}-{year}", f"{day:02d}-{month:02d}-{year}", f"{year}"):
        if _present(form, output):
            leaks.append("geboortedatum")
    return leaks


@dataclass
class Score:
    cases: int = 0
    identifiers: int = 0
    leaked: int = 0
    per_category: Counter[str] = field(default_factory=Counter)
    leaked_per_category: Counter[str] = field(default_factory=Counter)
    own_leaks: int = 0
    keep: int = 0
    kept: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def leak_share(self) -> float:
        return self.leaked / self.identifiers if self.identifiers else 0.0

    @property
    def keep_share(self) -> float:
        return self.kept / self.keep if self.keep else 1.0


def score(anonymiser: Anonymiser, cases: list[dict[str, Any]], *, show: bool = False) -> Score:
    result = Score()
    for case in cases:
        fields = ResidentFields.from_mapping(case["fields"])
        oproep = anonymiser.anonymise(
            fields, case["situatie"], pc4=case.get("pc4"), wijk=case.get("wijk")
        )
        output = oproep.text
        result.cases += 1
        if show:
            result.details.append(f"[{case['id']}] {output}")
        for identifier in case["identifiers"]:
            category = identifier["category"]
            result.identifiers += 1
            result.per_category[category] += 1
            if _present(identifier["text"], output):
                result.leaked += 1
                result.leaked_per_category[category] += 1
                if identifier.get("own"):
                    result.own_leaks += 1
                result.details.append(f"  LEAK {case['id']} {category}: {identifier['text']!r}")
        for leak in own_value_leaks(case["fields"], output):
            result.own_leaks += 1
            result.details.append(f"  OWN FIELD LEAK {case['id']}: {leak}")
        for word in case["keep"]:
            result.keep += 1
            if _present(word, output):
                result.kept += 1
            else:
                result.details.append(f"  LOST {case['id']}: {word!r}")
    return result


def report(name: str, result: Score) -> None:
    print(f"== {name}: {result.cases} aanmeldingen")
    print(
        f"identifiers leaked: {result.leaked}/{result.identifiers} "
        f"= {100 * result.leak_share:.1f} %  (target <= 1 %)"
    )
    for category in sorted(result.per_category):
        total = result.per_category[category]
        leaked = result.leaked_per_category[category]
        print(f"  {category:<22} {leaked:>3}/{total:<3} = {100 * leaked / total:5.1f} %")
    print(f"own fields leaked: {result.own_leaks}  (target 0)")
    print(
        f"need-words kept: {result.kept}/{result.keep} "
        f"= {100 * result.keep_share:.1f} %  (target >= 90 %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--show", action="store_true", help="print outputs and every miss")
    parser.add_argument("--only", choices=("tuning", "heldout"), default=None)
    args = parser.parse_args()
    anonymiser = Anonymiser(args.cache)
    sets = {"tuning": TUNING, "held-out": HELDOUT}
    if args.only == "tuning":
        sets = {"tuning": TUNING}
    elif args.only == "heldout":
        sets = {"held-out": HELDOUT}
    for name, path in sets.items():
        result = score(anonymiser, load_cases(path), show=args.show)
        report(name, result)
        if args.show:
            print("\n".join(result.details))
        print()


if __name__ == "__main__":
    main()
