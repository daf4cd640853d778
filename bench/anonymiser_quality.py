"""Quality of the anonymiser on the evaluation sets, per split, source and category.

    .venv/bin/python bench/anonymiser_quality.py [--split tuning|test] [--generated N] [--show]

Two splits. ``tuning`` is what the rules may be tuned on; ``test`` was frozen before any
tuning (its files' hashes are pinned in tests/anonymiser/test_anonymiser_quality.py) and is
only ever scored. Each split holds the hand-written sets in tests/anonymiser/eval/<split>/
(written by people who did not see the code, in many voices) plus N generated cases per
category from bench/anonymiser_cases.py (values from deduce's lookup lists, frames and
seed of their own per split).

Prints for each split: identifiers leaked (whole word, case- and accent-insensitive) in
total, per category and per source; cases with any leak; the resident's own fields leaked
(listed identifiers plus the raw field values); need-words kept; and broken-sentence
artefacts that the output has and its input had not (see ARTEFACTS). Targets (issue 14):
≤ 1 % identifiers leak, 0 own-field leaks, ≥ 90 % need-words kept, 0 artefacts added.
The deduce cache folder defaults to $NA_DEDUCE_CACHE or .cache/deduce.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "anonymiser" / "eval"
SPLITS = ("tuning", "test")
DEFAULT_CACHE = Path(os.environ.get("NA_DEDUCE_CACHE", ROOT / ".cache" / "deduce"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from niemand_alleen.anonymiser import Anonymiser, ResidentFields  # noqa: E402


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "anonymiser_cases_bench", Path(__file__).with_name("anonymiser_cases.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def fold(text: str) -> str:
    """Lower case without accents (the scorer's own, independent of the anonymiser's)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def load_cases(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def hand_written(split: str) -> dict[str, list[dict[str, Any]]]:
    """The hand-written sets of a split, by source (file name without extension)."""
    folder = EVAL / split
    return {path.stem: load_cases(path) for path in sorted(folder.glob("*.jsonl"))}


def generated(split: str, per_category: int) -> list[dict[str, Any]]:
    return list(_generator().generate(split, per_category)) if per_category else []


def _present(needle: str, haystack: str) -> bool:
    """Whole-word, case- and accent-insensitive; digits also with other grouping."""
    pattern = r"(?<!\w)" + re.escape(fold(needle.strip())) + r"(?!\w)"
    if re.search(pattern, fold(haystack)):
        return True
    digits = re.sub(r"\D", "", needle)
    if len(digits) >= 6 and digits == re.sub(r"[\s.\-/]", "", needle.strip()):
        # A long number counts as leaked in any grouping ("123 456 782" as "123456782").
        return digits in re.sub(r"(?<=\d)[\s.\-/](?=\d)", "", haystack)
    return False


# Particles of surnames, not names on their own: "Ben Haddou" leaks nothing through "ik ben".
SURNAME_PARTICLES = frozenset(
    ["van", "der", "den", "het", "ter", "ten", "ben", "bin", "abu", "ould", "dos", "das"]
    + ["del", "della", "von", "zur"]
)


def own_value_leaks(fields: dict[str, Any], output: str) -> list[str]:
    """The resident's raw field values found in ``output`` (independent of the scrubber)."""
    leaks = []
    for word in re.split(r"[\s\-]+", fields["voornaam"]):
        if len(word) >= 2 and _present(word, output):
            leaks.append("voornaam")
    surname_words = [
        word
        for word in re.split(r"[\s\-]+", fields["achternaam"])
        if len(word) >= 3 and fold(word) not in SURNAME_PARTICLES
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


# Broken-sentence artefacts, each a pattern over the output. A pattern counts as added
# when the output has more matches than the input had (so "Tel.:" in a note does not count).
_ARTICLE = r"(?:de|het|een|'t)"
_PREPOSITION = r"(?:in|op|aan|bij|naar|van|met|voor|via|uit|tot|door|over|onder|tegenover)"
ARTEFACTS: dict[str, re.Pattern[str]] = {
    "article before placeholder": re.compile(
        rf"\b{_ARTICLE}\s+(?:iemand|persoon|naam|\[\w+\])(?!\w)", re.I
    ),
    "placeholder glued into a word": re.compile(r"\w-(?:iemand|persoon)\b|\biemand-\w", re.I),
    "sentence ends on an article or preposition": re.compile(
        rf"\b(?:{_ARTICLE}|{_PREPOSITION}|en|of|maar|zoals)\s*[.!?;](?=\s|$)", re.I
    ),
    "punctuation left behind": re.compile(r"[,;:]\s*[,;:.!?]|\(\s*\)|\[\s*\]|\.\.\.\s*[:,;]"),
    "empty label": re.compile(
        r"(?:^|[\n.!?]\s*)(?:geb|tel|telefoon|adres|bsn|e-?mail|naam|iban|contact(?:persoon)?)"
        r"\.?\s*:?\s*(?:[.;,]|$|\n)",
        re.I | re.M,
    ),
    "fragment left alone": re.compile(
        r"(?:^|(?<=[.!?])\s+)(?:[^\W\d_][\w'-]*)(?:\s+[\w'-]+)?\s*[.!?](?=\s+[A-ZÀ-Ý]|\s*$)"
    ),
    "verb without its object": re.compile(
        r"\b(?:werd|wordt|is|was|heet|heten)\s+(?:jaar|jarig|oud)\s*[.!?,]", re.I
    ),
    "space before punctuation or doubled": re.compile(r"\w\s+[,.;:!?](?!\w)|[ ]{2,}|([,;:])\1"),
}


def artefacts_added(source: str, output: str) -> list[str]:
    added = []
    for name, pattern in ARTEFACTS.items():
        if name == "fragment left alone":
            # a short sentence of the input is no artefact, whatever its case or what follows
            fragments = [match.group().strip() for match in pattern.finditer(output)]
            if any(fold(fragment).rstrip(".!?") not in fold(source) for fragment in fragments):
                added.append(name)
        elif len(pattern.findall(output)) > len(pattern.findall(source)):
            added.append(name)
    for opening, closing in ("()", "[]", "“”"):
        if output.count(opening) != output.count(closing) and (
            source.count(opening) == source.count(closing)
        ):
            added.append(f"unbalanced {opening}{closing}")
    if output.count('"') % 2 and not source.count('"') % 2:
        added.append('unbalanced "')
    return added


@dataclass
class Score:
    cases: int = 0
    identifiers: int = 0
    leaked: int = 0
    cases_with_leak: int = 0
    per_category: Counter[str] = field(default_factory=Counter)
    leaked_per_category: Counter[str] = field(default_factory=Counter)
    per_source: Counter[str] = field(default_factory=Counter)
    leaked_per_source: Counter[str] = field(default_factory=Counter)
    own_leaks: int = 0
    keep: int = 0
    kept: int = 0
    artefacts: Counter[str] = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)

    @property
    def leak_share(self) -> float:
        return self.leaked / self.identifiers if self.identifiers else 0.0

    @property
    def keep_share(self) -> float:
        return self.kept / self.keep if self.keep else 1.0

    @property
    def artefact_cases(self) -> int:
        return sum(self.artefacts.values())


def score(
    anonymiser: Anonymiser,
    cases: Iterable[dict[str, Any]],
    *,
    source: str = "",
    show: bool = False,
    into: Score | None = None,
) -> Score:
    result = into or Score()
    for case in cases:
        fields = ResidentFields.from_mapping(case["fields"])
        oproep = anonymiser.anonymise(
            fields, case["situatie"], pc4=case.get("pc4"), wijk=case.get("wijk")
        )
        output = oproep.text
        result.cases += 1
        if show:
            result.details.append(f"[{case['id']}] {output}")
        leaks = 0
        for identifier in case["identifiers"]:
            category = identifier["category"]
            result.identifiers += 1
            result.per_category[category] += 1
            result.per_source[source] += 1
            if _present(identifier["text"], output):
                leaks += 1
                result.leaked_per_category[category] += 1
                result.leaked_per_source[source] += 1
                if identifier.get("own"):
                    result.own_leaks += 1
                result.details.append(f"  LEAK {case['id']} {category}: {identifier['text']!r}")
        result.leaked += leaks
        result.cases_with_leak += leaks > 0
        for leak in own_value_leaks(case["fields"], output):
            result.own_leaks += 1
            result.details.append(f"  OWN FIELD LEAK {case['id']}: {leak}")
        for word in case["keep"]:
            result.keep += 1
            if _present(word, output):
                result.kept += 1
            else:
                result.details.append(f"  LOST {case['id']}: {word!r}")
        for artefact in artefacts_added(case["situatie"], output):
            result.artefacts[artefact] += 1
            result.details.append(f"  ARTEFACT {case['id']}: {artefact}")
    return result


def score_split(
    anonymiser: Anonymiser, split: str, per_category: int, *, show: bool = False
) -> Score:
    result = Score()
    for source, cases in hand_written(split).items():
        score(anonymiser, cases, source=source, show=show, into=result)
    score(anonymiser, generated(split, per_category), source="generated", show=show, into=result)
    return result


def _line(label: str, leaked: int, total: int) -> str:
    return f"  {label:<26} {leaked:>4}/{total:<5} = {100 * leaked / total:5.1f} %"


def report(name: str, result: Score) -> None:
    print(f"== {name}: {result.cases} aanmeldingen")
    print(
        f"identifiers leaked: {result.leaked}/{result.identifiers} "
        f"= {100 * result.leak_share:.2f} %  (target <= 1 %); "
        f"cases with a leak: {result.cases_with_leak}"
    )
    print(" per category:")
    for category in sorted(result.per_category):
        print(_line(category, result.leaked_per_category[category], result.per_category[category]))
    print(" per source:")
    for source in sorted(result.per_source):
        print(_line(source, result.leaked_per_source[source], result.per_source[source]))
    print(f"own fields leaked: {result.own_leaks}  (target 0)")
    print(
        f"need-words kept: {result.kept}/{result.keep} "
        f"= {100 * result.keep_share:.1f} %  (target >= 90 %)"
    )
    print(f"artefacts added: {result.artefact_cases}  (target 0)")
    for artefact, count in result.artefacts.most_common():
        print(f"  {artefact:<40} {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--split", choices=SPLITS, default=None, help="one split (default both)")
    parser.add_argument(
        "--generated", type=int, default=100, metavar="N", help="generated cases per category"
    )
    parser.add_argument("--show", action="store_true", help="print outputs and every miss")
    args = parser.parse_args()
    anonymiser = Anonymiser(args.cache)
    print(f"load: {anonymiser.load_seconds:.1f} s")
    for split in [args.split] if args.split else SPLITS:
        result = score_split(anonymiser, split, args.generated, show=args.show)
        report(split, result)
        if args.show:
            print("\n".join(result.details))
        print()


if __name__ == "__main__":
    main()
