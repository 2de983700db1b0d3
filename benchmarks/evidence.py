#!/usr/bin/env python
"""Benchmark of a candidate document's way to evidence: sniff, extract, match.

    .venv/bin/python benchmarks/evidence.py [--pages 10] [--runs 20] [--profile]

Builds a résumé of --pages pages (fpdf2, through screening.documents.samples.resume_pdf; the
same text as a DOCX too) and a 10-criterion rubric (four must-haves, four bonuses, two
screening questions, with keywords and posting text), then measures, each as best and median
of --runs after a warm-up run:

- total s: sniff(data) + extract_text(data, kind) + find_evidence(criteria, pages), the whole
  way from bytes to passages, criteria compiled afresh each time (the target: under 1 s for
  a 10-page PDF);
- its parts: sniff s, extract s (for a PDF: the text and, per page, where each word sits:
  offsets into the normalised text and a box, for the marks on the page images), match s;
- baseline s: PDFium opening the PDF and reading every page's text, nothing else: the floor
  of any extraction (for the DOCX: python-docx opening the package);
- ratio: total median / baseline median;
- render s: the page images at scale 1.5 (not part of the target: the task renders them
  after the text, and the page shows the text first).

Pure Python, no Django and no database. Exits 1 when the PDF's total median is over target.
"""

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2  # noqa: E402

from screening.documents.extract import extract_text, render_pages  # noqa: E402
from screening.documents.samples import resume_docx, resume_pdf  # noqa: E402
from screening.documents.sniff import sniff  # noqa: E402
from screening.evidence import EvidenceCriterion, find_evidence  # noqa: E402

TARGET_SECONDS = 1.0

CRITERIA = [
    EvidenceCriterion(
        1,
        "must_have",
        "Background",
        "Currently pursuing a PhD in Computer Science, Machine Learning, or a related field",
    ),
    EvidenceCriterion(
        2,
        "must_have",
        "Skills",
        "Proficiency in Python and C++, with PyTorch or TensorFlow",
        ["Python", "C++", "PyTorch", "TensorFlow", "Java"],
    ),
    EvidenceCriterion(
        3,
        "must_have",
        "Experience",
        "Research experience in recommender systems, computer vision or NLP",
        ["Recommender Systems", "Computer Vision", "NLP"],
    ),
    EvidenceCriterion(
        4,
        "must_have",
        "Publications",
        "Publications at NeurIPS, ICML, KDD or similar venues",
        ["NeurIPS", "ICML", "KDD", "CVPR"],
    ),
    EvidenceCriterion(5, "bonus", "Distributed training", "Experience with Spark or Ray"),
    EvidenceCriterion(6, "bonus", "Cloud", "AWS, GCP or Kubernetes", ["AWS", "GCP", "Kubernetes"]),
    EvidenceCriterion(7, "bonus", "Open source", "Contributions to open-source projects"),
    EvidenceCriterion(8, "bonus", "Delivery", "CI/CD and testing practices", ["CI/CD", "Docker"]),
    EvidenceCriterion(
        9, "screening", "Work authorisation", "Are you authorised to work in the United States?"
    ),
    EvidenceCriterion(10, "screening", "Relocation", "Are you willing to relocate to Seattle?"),
]

_WORDS = [
    "designed",
    "built",
    "shipped",
    "measured",
    "improved",
    "reduced",
    "latency",
    "throughput",
    "ranking",
    "model",
    "pipeline",
    "features",
    "dataset",
    "experiment",
    "team",
    "product",
    "users",
    "service",
    "evaluation",
    "offline",
    "online",
    "metrics",
    "training",
    "inference",
    "batch",
    "streaming",
    "graph",
    "embedding",
    "search",
    "retrieval",
]
_MENTIONS = [
    "Python",
    "C++",
    "PyTorch",
    "Pytorch",
    "TensorFlow",
    "recommender systems",
    "computer vision",
    "Ph.D.",
    "machine-learning",
    "NeurIPS",
    "Kubernetes",
    "CI/CD",
    "Docker",
    "open-source",
    "Spark",
    "JavaScript",
]


def build_resume(pages: int, seed: int = 7) -> tuple[list[tuple[str, list[str]]], int]:
    """Sections of generated work history filling exactly ``pages`` PDF pages."""
    rng = random.Random(seed)

    def line() -> str:
        words = rng.choices(_WORDS, k=14)
        if rng.random() < 0.4:
            words.insert(rng.randrange(len(words)), rng.choice(_MENTIONS))
        return " ".join(words).capitalize() + "."

    head = [
        ("Education", ["Ph.D. candidate in Computer Science, Example University, 2022-2027."]),
        ("Eligibility", ["Authorized to work in the US; willing to relocate."]),
    ]
    jobs: list[tuple[str, list[str]]] = []

    def page_count() -> int:
        return len(pypdfium2.PdfDocument(resume_pdf("Ada Lovelace", head + jobs)))

    while page_count() <= pages:  # four roles at a time past the last page, then back
        jobs += [(f"Role {len(jobs) + 1}, Example Corp", [line() for _ in range(8)])]
        jobs += [(f"Role {len(jobs) + 1}, Example Corp", [line() for _ in range(8)]) for _ in "abc"]
    while page_count() > pages:
        jobs.pop()
    return head + jobs, page_count()


def timed(function, runs: int) -> tuple[float, float]:
    function()  # warm-up: imports, compiled regular expressions
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def pipeline(data: bytes) -> int:
    kind = sniff(data).kind
    pages = extract_text(data, kind).pages
    return sum(e.match_count for e in find_evidence(CRITERIA, pages))


def pdf_floor(data: bytes) -> None:
    document = pypdfium2.PdfDocument(data)
    for page in document:
        page.get_textpage().get_text_range()
    document.close()


def docx_floor(data: bytes) -> None:
    import docx

    docx.Document(io.BytesIO(data))


def measure(name: str, data: bytes, floor, runs: int, render: bool) -> tuple[dict, float]:
    kind = sniff(data).kind
    pages = extract_text(data, kind).pages
    total = timed(lambda: pipeline(data), runs)
    parts = {
        "sniff": timed(lambda: sniff(data), runs),
        "extract": timed(lambda: extract_text(data, kind), runs),
        "match": timed(lambda: find_evidence(CRITERIA, pages), runs),
    }
    base = timed(lambda: floor(data), runs)
    evidence = find_evidence(CRITERIA, pages)
    row = {
        "document": name,
        "KB": f"{len(data) / 1024:.0f}",
        "pages": f"{len(pages)}",
        "chars": f"{sum(len(p) for p in pages)}",
        "matches": f"{sum(e.match_count for e in evidence)}",
        "passages": f"{sum(len(e.passages) for e in evidence)}",
        "total best s": f"{total[0]:.4f}",
        "total median s": f"{total[1]:.4f}",
        "sniff s": f"{parts['sniff'][1]:.4f}",
        "extract s": f"{parts['extract'][1]:.4f}",
        "match s": f"{parts['match'][1]:.4f}",
        "baseline s": f"{base[1]:.4f}",
        "ratio": f"{total[1] / base[1]:.1f}",
        "render s": f"{timed(lambda: render_pages(data, 1.5), max(1, runs // 4))[1]:.3f}"
        if render
        else "-",
    }
    return row, total[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10, help="pages of the résumé")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each measurement")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.pages < 1:
        parser.error("--runs and --pages must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    sections, pages = build_resume(args.pages)
    if pages != args.pages:
        raise SystemExit(f"Could not fill exactly {args.pages} pages (got {pages}).")
    pdf = resume_pdf("Ada Lovelace", sections, subtitle="ada@example.com")
    docx_data = resume_docx("Ada Lovelace", sections, subtitle="ada@example.com")

    pdf_row, pdf_median = measure("PDF", pdf, pdf_floor, args.runs, render=True)
    docx_row, _ = measure("DOCX", docx_data, docx_floor, args.runs, render=False)
    rows = [pdf_row, docx_row]
    headers = list(pdf_row)
    widths = [max(len(h), *(len(row[h]) for row in rows)) for h in headers]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    for row in rows:
        print("  ".join(row[h].rjust(w) for h, w in zip(headers, widths, strict=True)))
    met = pdf_median < TARGET_SECONDS
    print(
        f"criteria: {len(CRITERIA)}; target: PDF total median < {TARGET_SECONDS:.0f} s: "
        f"{'met' if met else 'NOT met'}"
    )

    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(pipeline, pdf)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
