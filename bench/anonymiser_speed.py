"""Load time, memory and per-aanmelding latency of the anonymiser.

    .venv/bin/python bench/anonymiser_speed.py [--cache DIR] [--rounds 5] [--json PATH]

Prints the time to construct an ``Anonymiser`` (deduce from a warm cache plus our
annotators), the peak RSS of this process, and the latency of ``anonymise`` per
aanmelding (p50/p95/max) over all evaluation cases, repeated ``--rounds`` times after one
warm-up round, with the per-resident patterns compiled afresh for every call (as
for a new aanmelding), and what the deny-by-default lexicon adds to load time and peak
memory. Beside it, in alternating rounds, the bare baseline: a plain ``Deduce`` from the
same cache, in a process of its own, de-identifying the same texts with the resident's
name. Target (issues 3 and 14): p95 ≤ 20 ms after load. The cache folder defaults to
$NA_DEDUCE_CACHE or .cache/deduce (built first if missing: a few minutes, once).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from niemand_alleen.anonymiser import Anonymiser, ResidentFields  # noqa: E402
from niemand_alleen.anonymiser.engine import load_deduce  # noqa: E402
from niemand_alleen.anonymiser.own_fields import clear_pattern_cache  # noqa: E402
from niemand_alleen.anonymiser.vocabulary import vocabulary  # noqa: E402

CASES = sorted((ROOT / "tests" / "anonymiser" / "eval").glob("*/*.jsonl"))
DEFAULT_CACHE = Path(os.environ.get("NA_DEDUCE_CACHE", ROOT / ".cache" / "deduce"))


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def load_cases() -> list[tuple[ResidentFields, str, str, str]]:
    cases = []
    for path in CASES:
        with path.open(encoding="utf-8") as handle:
            cases.extend(json.loads(line) for line in handle if line.strip())
    return [
        (ResidentFields.from_mapping(case["fields"]), case["situatie"], case["pc4"], case["wijk"])
        for case in cases
    ]


def plain_deduce(cache: Path) -> None:
    """The bare baseline, in its own process: a plain ``Deduce`` from the same cache, the
    same texts with the resident's name. Prints its load time, warms up, then runs one
    round per line "round" on stdin and prints each round's milliseconds (JSON)."""
    started = time.perf_counter()
    deduce = load_deduce(cache, build=False)
    print(f"{time.perf_counter() - started:.3f}", flush=True)
    from deduce.person import Person

    texts = [
        (Person(first_names=f.first_name.split() or None, surname=f.last_name or None), text)
        for f, text, _, _ in load_cases()
    ]
    for person, text in texts:  # warm-up round
        deduce.deidentify(text, metadata={"patient": person})
    for _ in sys.stdin:
        timings = []
        for person, text in texts:
            tick = time.perf_counter()
            deduce.deidentify(text, metadata={"patient": person})
            timings.append((time.perf_counter() - tick) * 1000)
        print(json.dumps(timings), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the result rows here (run_all.py)")
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:
        plain_deduce(args.cache)
        return

    rss_before = peak_rss_mb()
    started = time.perf_counter()
    words = vocabulary()  # the Anonymiser loads it too; first here, to see what it adds
    vocabulary_seconds = time.perf_counter() - started
    rss_vocabulary = peak_rss_mb()
    started = time.perf_counter()
    anonymiser = Anonymiser(args.cache)
    load_seconds = time.perf_counter() - started
    rss_loaded = peak_rss_mb()

    inputs = load_cases()
    for fields, situatie, pc4, wijk in inputs:  # warm-up round (regex compilation, caches)
        anonymiser.anonymise(fields, situatie, pc4=pc4, wijk=wijk)

    latencies_ms: list[float] = []
    plain_ms: list[float] = []
    # The plain deduce in a process of its own: a second instance in this one loads several
    # times slower, and its memory would count as ours.
    plain = subprocess.Popen(
        [sys.executable, __file__, "--plain", "--cache", str(args.cache)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert plain.stdin is not None
    assert plain.stdout is not None
    plain_load_seconds = float(plain.stdout.readline())

    def ours() -> None:
        for fields, situatie, pc4, wijk in inputs:
            clear_pattern_cache()  # every aanmelding is a new resident in real use
            tick = time.perf_counter()
            anonymiser.anonymise(fields, situatie, pc4=pc4, wijk=wijk)
            latencies_ms.append((time.perf_counter() - tick) * 1000)

    def bare() -> None:
        assert plain.stdin is not None
        assert plain.stdout is not None
        plain.stdin.write("round\n")
        plain.stdin.flush()
        plain_ms.extend(json.loads(plain.stdout.readline()))

    for number in range(args.rounds):  # alternating rounds
        for run in (ours, bare) if number % 2 == 0 else (bare, ours):
            run()
    plain.communicate("")
    check_ms: list[float] = []
    for fields, situatie, _, wijk in inputs:
        tick = time.perf_counter()
        anonymiser.check(fields, situatie, wijk=wijk)
        check_ms.append((time.perf_counter() - tick) * 1000)

    lengths = [len(situatie) for _, situatie, _, _ in inputs]
    print(
        f"lexicon (vocabulary: {len(words.zipf):,} ordinary words, {len(words.names):,} names): "
        f"{vocabulary_seconds:.2f} s, peak RSS +{rss_vocabulary - rss_before:.0f} MB"
    )
    print(f"load (Anonymiser from warm cache): {load_seconds:.1f} s")
    print(f"peak RSS: {rss_loaded:.0f} MB after load (interpreter before: {rss_before:.0f} MB)")
    print(
        f"anonymise: {len(inputs)} aanmeldingen x {args.rounds} rounds, "
        f"{statistics.mean(lengths):.0f} chars on average"
    )
    p50, p95 = percentile(latencies_ms, 0.50), percentile(latencies_ms, 0.95)
    print(
        f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {max(latencies_ms):.1f} ms"
        "   (target p95 <= 20 ms)"
    )
    print(
        f"check (blocking + warnings): p50 {percentile(check_ms, 0.50):.1f} ms   "
        f"p95 {percentile(check_ms, 0.95):.1f} ms"
    )
    bare_p50, bare_p95 = percentile(plain_ms, 0.50), percentile(plain_ms, 0.95)
    print(
        f"plain deduce, same texts: p50 {bare_p50:.1f} ms   p95 {bare_p95:.1f} ms"
        f"   (loaded in {plain_load_seconds:.1f} s); ratio of the p50s"
        f" {p50 / bare_p50:.2f}"
    )
    print(f"peak RSS at the end: {peak_rss_mb():.0f} MB")
    if args.json:
        rows = [
            {
                "path": "anonymise one aanmelding, warm",
                "project": f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                "baseline": f"plain deduce, same texts: p50 {bare_p50:.1f} ms,"
                f" p95 {bare_p95:.1f} ms",
                "ratio": p50 / bare_p50,
                "target": "p95 ≤ 20 ms",
                "met": p95 <= 20,
            },
            {
                "path": "anonymiser load",
                "project": f"{load_seconds:.1f} s, peak RSS {rss_loaded:.0f} MB",
                "baseline": f"plain deduce from the same cache: {plain_load_seconds:.1f} s",
                "ratio": load_seconds / plain_load_seconds,
                "target": "",
                "met": None,
            },
        ]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
