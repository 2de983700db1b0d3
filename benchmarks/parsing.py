#!/usr/bin/env python
"""Benchmark of the posting parser (rubrics.parsing.parse_posting) on a posting at the size limit.

    .venv/bin/python benchmarks/parsing.py [--corpus cases|real] [--runs 20] [--kilobytes 200]
                                           [--profile]

With --corpus cases (the default), builds one posting from the project's own named parser cases
(tests/rubrics/parser_cases/*.txt, every shape the parser knows: headings of
every style, tables, HTML, glued scrapes, prose, data files), repeated in
order until the next copy would pass --kilobytes (at most the parser's
MAX_POSTING_BYTES): a stress test, denser in list items than any real posting
(about 10 items per KB). With --corpus real, the same from the real postings kept
beside the project in ../shared/postings/real/ (read where they lie, never
copied): a 200 KB posting of real density (about 4 items per KB). Then measures,
each as best and median of --runs after a warm-up run:

- parse s: parse_posting(text), the whole parser;
- baseline s: folding the text one character for one and splitting it into
  lines (rubrics.parsing.text.fold_posting + lines._split_lines), the floor
  of any parse that reads every character;
- ratio: parse median / baseline median.

Pure Python, no Django and no database. Exits 1 when the parse median is
over the 100 ms target.
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rubrics.parsing import MAX_POSTING_BYTES, parse_posting  # noqa: E402
from rubrics.parsing.lines import _split_lines  # noqa: E402
from rubrics.parsing.text import fold_posting  # noqa: E402

CASES = ROOT / "tests" / "rubrics" / "parser_cases"
REAL = ROOT.parent / "shared" / "postings" / "real"
TARGET_SECONDS = 0.100


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus",
        choices=["cases", "real"],
        default="cases",
        help="our named cases (dense stress test) or ../shared/postings/real (real density)",
    )
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each measurement")
    parser.add_argument(
        "--kilobytes", type=int, default=MAX_POSTING_BYTES // 1024, help="size of the posting"
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one parse")
    args = parser.parse_args(argv)
    if args.runs < 1 or not 1 <= args.kilobytes <= MAX_POSTING_BYTES // 1024:
        parser.error(f"--runs must be at least 1, --kilobytes 1 to {MAX_POSTING_BYTES // 1024}")
    return args


def build_posting(limit_bytes: int, corpus: str = "cases") -> str:
    """Postings of the corpus, repeated in a fixed order up to limit_bytes of UTF-8."""
    folder = CASES if corpus == "cases" else REAL
    texts = [
        path.read_bytes().decode("utf-8-sig")
        for path in sorted(folder.glob("*.txt"))
        if not path.name.startswith("error_")
    ]
    if not texts:
        raise SystemExit(f"No postings in {folder}.")
    parts, size = [], 0
    while True:
        for text in texts:
            block = text.rstrip() + "\n\n"
            block_size = len(block.encode("utf-8"))
            if size + block_size > limit_bytes:
                return "".join(parts)
            parts.append(block)
            size += block_size


def timed(function, runs: int) -> tuple[float, float]:
    function()  # warm-up: compiled regular expressions, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main(argv=None) -> int:
    args = parse_args(argv)
    text = build_posting(args.kilobytes * 1024, args.corpus)
    parsed = parse_posting(text)
    items = len(parsed.must_haves) + len(parsed.bonuses) + len(parsed.responsibilities)

    parse_best, parse_median = timed(lambda: parse_posting(text), args.runs)
    base_best, base_median = timed(lambda: _split_lines(text, fold_posting(text)), args.runs)
    ratio = parse_median / base_median

    columns = [
        ("KB", f"{len(text.encode('utf-8')) / 1024:.1f}"),
        ("lines", f"{text.count(chr(10))}"),
        ("items", f"{items}"),
        ("parse best s", f"{parse_best:.4f}"),
        ("parse median s", f"{parse_median:.4f}"),
        ("baseline best s", f"{base_best:.4f}"),
        ("baseline median s", f"{base_median:.4f}"),
        ("ratio", f"{ratio:.1f}"),
    ]
    widths = [max(len(header), len(value)) for header, value in columns]
    print("  ".join(h.rjust(w) for (h, _), w in zip(columns, widths, strict=True)))
    print("  ".join(v.rjust(w) for (_, v), w in zip(columns, widths, strict=True)))
    met = parse_median < TARGET_SECONDS
    print(f"target: parse median < {TARGET_SECONDS * 1000:.0f} ms: {'met' if met else 'NOT met'}")

    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(parse_posting, text)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
