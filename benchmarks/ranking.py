#!/usr/bin/env python
"""Benchmark of the posting ranking (screening.selectors.posting_ranking).

    .venv/bin/python benchmarks/ranking.py [--applications 10000] [--reviewers 3]
                                           [--criteria 10] [--pool 30] [--runs 5]

Builds a throwaway database (a temporary SQLite file, or a uniquely named
PostgreSQL database when DATABASE_URL points at PostgreSQL; both made and
destroyed with Django's test-database machinery, so the developer's own data
is never read or written), migrates it, fills it with bulk inserts (one
posting, one published rubric, N applications with R submitted scorecards
each from a pool of reviewers, one rating per criterion), then measures:

- posting_ranking(posting=...): wall time (best and median of --runs, after
  one warm-up run) and the number of queries it makes;
- the baseline: fetching the raw ratings (application, criterion, value) of
  the posting's submitted scorecards into a list, the floor of any ranking
  that reads every rating, and the ratio ranking / baseline (medians);
- the admin ranking page (page 1) through Django's test client.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 2000
STAGE_WEIGHTS = {"screening": 70, "interview": 15, "applied": 10, "rejected": 5}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--reviewers", type=int, default=3, help="reviewers per application")
    parser.add_argument("--criteria", type=int, default=10, help="criteria on the rubric")
    parser.add_argument("--pool", type=int, default=30, help="reviewers in the pool")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each measurement")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args(argv)
    if args.applications < 1 or args.criteria < 1 or args.runs < 1:
        parser.error("--applications, --criteria and --runs must be at least 1")
    if not 1 <= args.reviewers <= args.pool:
        parser.error("--reviewers must lie between 1 and --pool")
    return args


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def throwaway_database():
    """Point the default database's test settings at a new, unique name and
    create it (migrated) the way the test runner does. Returns what
    teardown needs."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases

    db = settings.DATABASES["default"]
    tmpdir = None
    if connection.vendor == "sqlite":
        tmpdir = tempfile.mkdtemp(prefix="ranking-bench-")
        name = str(Path(tmpdir) / "bench.sqlite3")
    else:
        name = f"bench_ranking_{uuid.uuid4().hex[:12]}"
    db.setdefault("TEST", {})["NAME"] = name
    old_config = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
    )
    return old_config, tmpdir


def drop_throwaway_database(old_config, tmpdir):
    from django.test.utils import teardown_databases

    teardown_databases(old_config, verbosity=0)
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


def build(args):
    """The world, with bulk inserts in batches. Returns (posting, recruiter)."""
    from django.db import transaction
    from django.utils import timezone

    from rubrics.models import Criterion
    from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard

    rng = random.Random(args.seed)
    from _world import people, published_rubric

    now = timezone.now()
    scale_max = 4
    with transaction.atomic():
        recruiter, reviewers = people(args.pool)
        leniency = {u.pk: rng.gauss(0, 0.4) for u in reviewers}
        posting, rubric, criteria = published_rubric(
            recruiter=recruiter, n_criteria=args.criteria, scale_max=scale_max, published_at=now
        )

        candidates = Candidate.objects.bulk_create(
            (
                Candidate(full_name=f"Candidate {i:06d}", email=f"candidate{i}@bench.example")
                for i in range(args.applications)
            ),
            batch_size=BATCH,
        )
        stages, stage_weights = zip(*STAGE_WEIGHTS.items(), strict=True)
        applications = Application.objects.bulk_create(
            (
                Application(
                    candidate=c,
                    posting=posting,
                    rubric=rubric,
                    stage=rng.choices(stages, stage_weights)[0],
                    created_by=recruiter,
                )
                for c in candidates
            ),
            batch_size=BATCH,
        )
        quality = {a.pk: rng.uniform(1.2, scale_max - 0.1) for a in applications}
        assignments = ReviewAssignment.objects.bulk_create(
            (
                ReviewAssignment(application=a, reviewer=r, assigned_by=recruiter)
                for a in applications
                for r in rng.sample(reviewers, args.reviewers)
            ),
            batch_size=BATCH,
        )
        cards = Scorecard.objects.bulk_create(
            (
                Scorecard(
                    assignment=assignment,
                    application_id=assignment.application_id,
                    status=Scorecard.Status.SUBMITTED,
                    recommendation=min(4, max(1, round(quality[assignment.application_id]))),
                    submitted_at=now,
                )
                for assignment in assignments
            ),
            batch_size=BATCH,
        )
        reviewer_of = {a.pk: a.reviewer_id for a in assignments}

        def level(card, criterion):
            if criterion.kind == Criterion.Kind.BONUS and rng.random() < 0.25:
                return None  # no evidence
            raw = (
                quality[card.application_id]
                + leniency[reviewer_of[card.assignment_id]]
                + rng.gauss(0, 0.5)
            )
            return min(max(round(raw), 1), scale_max)

        CriterionScore.objects.bulk_create(
            (
                CriterionScore(scorecard=card, criterion=c, value=level(card, c))
                for card in cards
                for c in criteria
            ),
            batch_size=BATCH,
        )
    return posting, recruiter


def timed(fn, runs: int) -> tuple[float, float]:
    """(best, median) wall time of `runs` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def count_queries(fn) -> tuple[int, float]:
    """(number of queries, seconds spent in them) of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries), sum(float(q["time"]) for q in ctx.captured_queries)


def measure(args, posting, recruiter) -> dict:
    from django.conf import settings
    from django.test import Client

    from screening.models import Application, CriterionScore, Scorecard
    from screening.selectors import application_summary, posting_ranking

    def ranking():
        return posting_ranking(posting=posting)

    def baseline():
        return list(
            CriterionScore.objects.filter(
                scorecard__application__posting=posting,
                scorecard__status=Scorecard.Status.SUBMITTED,
            ).values_list("scorecard__application_id", "criterion_id", "value")
        )

    # Check that what is timed is right before timing it.
    rows = ranking()
    assert len(rows) == args.applications, len(rows)
    ratings = len(baseline())
    assert ratings == args.applications * args.reviewers * args.criteria, ratings
    for row in rows[:: max(1, len(rows) // 5)]:
        summary = application_summary(
            application=Application.objects.get(pk=row.application_id), viewer=recruiter
        )
        assert row.score == round(summary.score, 2), (row, summary.score)

    result = {
        "applications": args.applications,
        "ratings": ratings,
    }
    result["queries"], result["sql_seconds"] = count_queries(ranking)
    result["ranking_best"], result["ranking_median"] = timed(ranking, args.runs)
    result["baseline_best"], result["baseline_median"] = timed(baseline, args.runs)
    result["ratio"] = result["ranking_median"] / result["baseline_median"]

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(recruiter)
    url = f"/admin/screening/application/ranking/?posting={posting.pk}"

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert b"Candidate " in response.content
        return response

    result["page_queries"], _ = count_queries(page)
    result["page_best"], result["page_median"] = timed(page, max(1, min(args.runs, 3)))
    return result


def report(result: dict, vendor: str, build_seconds: float, runs: int) -> None:
    columns = [
        ("database", vendor),
        ("applications", f"{result['applications']:,}"),
        ("ratings", f"{result['ratings']:,}"),
        ("queries", str(result["queries"])),
        ("build s", f"{build_seconds:.1f}"),
        ("ranking best s", f"{result['ranking_best']:.3f}"),
        ("ranking median s", f"{result['ranking_median']:.3f}"),
        ("of which SQL s", f"{result['sql_seconds']:.3f}"),
        ("baseline s", f"{result['baseline_median']:.3f}"),
        ("ratio", f"{result['ratio']:.2f}"),
        ("page 1 s", f"{result['page_median']:.3f}"),
        ("page queries", str(result["page_queries"])),
    ]
    widths = [max(len(h), len(v)) for h, v in columns]
    print("  ".join(h.rjust(w) for (h, _), w in zip(columns, widths, strict=True)))
    print("  ".join(v.rjust(w) for (_, v), w in zip(columns, widths, strict=True)))
    print(
        f"(best/median of {runs} runs after a warm-up; baseline = median time to fetch the "
        "raw ratings; ratio = ranking median / baseline median; SQL = time inside the ranking's "
        "queries in one run; page 1 = median of the admin ranking page through the test client)"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    old_config, tmpdir = throwaway_database()
    try:
        # Time without the debug cursor (DEBUG is on in local settings);
        # queries are counted separately.
        settings.DEBUG = False
        vendor = f"{connection.vendor} ({connection.settings_dict['NAME']})"
        print(
            f"Building in {vendor}: {args.applications:,} applications × {args.reviewers} "
            f"reviewers (pool of {args.pool}) × {args.criteria} criteria…",
            flush=True,
        )
        start = time.perf_counter()
        posting, recruiter = build(args)
        build_seconds = time.perf_counter() - start
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        result = measure(args, posting, recruiter)
        report(result, connection.vendor, build_seconds, args.runs)
    finally:
        drop_throwaway_database(old_config, tmpdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
